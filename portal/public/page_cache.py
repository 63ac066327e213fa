"""Rendered public pages kept in memory for a visitor, so the front door stays fast.

A public page is the same for every logged-out visitor, so its rendered body is kept here for
at most `TTL_SECONDS` (less than the `max-age` browsers and proxies are told), and dropped the
moment this process commits any write: a price changed in the back office, a booking made
through this worker, shows at once here. Another worker's write shows when its copy expires,
as it would from any cache that `Cache-Control: public, max-age` allows.

Only logged-out visitors with nothing pending in their session (a flash message) are served
from it or fill it; the few entries are bounded (`MAX_ENTRIES`, oldest out first).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from typing import Callable, Hashable

from flask import Flask, current_app, make_response, session
from flask.wrappers import Response
from flask_login import current_user
from sqlalchemy import event

from portal.extensions import HAS_WRITES, EventSession

TTL_SECONDS = 60
MAX_ENTRIES = 256
EXTENSION = "public_page_cache"

_every_cache: "weakref.WeakSet[PageCache]" = weakref.WeakSet()


class PageCache:
    def __init__(self, ttl: float = TTL_SECONDS, size: int = MAX_ENTRIES):
        self.ttl, self.size = ttl, size
        self._entries: OrderedDict[Hashable, tuple[float, bytes, str, dict]] = OrderedDict()
        self._lock = threading.Lock()
        _every_cache.add(self)

    def get(self, key: Hashable):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry[0] > self.ttl:
                del self._entries[key]
                return None
            return entry[1:]

    def put(self, key: Hashable, body: bytes, mimetype: str, headers: dict) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), body, mimetype, headers)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask) -> None:
    app.extensions.setdefault(EXTENSION, PageCache())


def forget_everything() -> None:
    for cache in list(_every_cache):
        cache.clear()


def _after_commit(session_) -> None:
    if session_.info.get(HAS_WRITES):
        forget_everything()


def connect() -> None:
    """Any committed write empties every page cache of this process (wired by the factory)."""
    if not event.contains(EventSession, "after_commit", _after_commit):
        event.listen(EventSession, "after_commit", _after_commit)


def _cacheable_visitor() -> bool:
    return not current_user.is_authenticated and "_flashes" not in session


def cached(key: Hashable, render: Callable[[], Response | str]) -> Response:
    """The page for `key` from the cache, or rendered by `render` and kept when it is a plain
    200 that left the session alone."""
    cache: PageCache | None = current_app.extensions.get(EXTENSION)
    usable = cache is not None and _cacheable_visitor()
    if usable:
        hit = cache.get(key)
        if hit is not None:
            body, mimetype, headers = hit
            return current_app.response_class(body, mimetype=mimetype, headers=headers)
    response = make_response(render())
    if usable and response.status_code == 200 and not session.modified:
        kept = {name: value for name, value in response.headers.items() if name == "Vary"}
        cache.put(key, response.get_data(), response.mimetype, kept)
    return response
