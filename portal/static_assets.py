"""Static files under content-hashed names, compressed, cached for a year.

`url_for("static", filename="css/site.css")` gives `/static/css/site.<hash>.css`, where the hash
is the first 12 hex digits of the file's SHA-256: a new deploy that changes a file changes its
address, so browsers and proxies may keep each address for a year (`immutable`). The files are
read once at start (there are a handful), with their gzip and brotli forms made then, so a
request costs a dictionary look-up. The content itself is untouched, so htmx's SRI hash holds.

An address without the hash (or with an old one, from a page served before a deploy) still gets
the current file, but `no-cache`, so nothing stale is kept for long.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, abort, current_app, g, has_request_context, request
from flask.wrappers import Response

try:  # a dependency of Flask-Compress on CPython; without it only gzip is offered
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASH_LENGTH = 12
# Formats that are already compressed (images other than SVG, fonts in woff2) are sent as they are.
COMPRESSIBLE = {".css", ".js", ".svg", ".json", ".txt", ".map", ".html", ".xml", ".ico"}
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{%d})(?P<suffix>\.[^./]+)$" % HASH_LENGTH)


@dataclass(frozen=True)
class Asset:
    name: str  # as the templates name it: css/site.css
    hashed: str  # as it is served: css/site.0123456789ab.css
    digest: str
    mimetype: str
    bodies: dict[str, bytes] = field(repr=False)  # "identity", and "br"/"gzip" when smaller


def hashed_name(name: str, digest: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    if not dot or "/" in suffix:
        return f"{name}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def _load(folder: str, name: str) -> Asset:
    with open(os.path.join(folder, name), "rb") as source:
        body = source.read()
    digest = hashlib.sha256(body).hexdigest()[:HASH_LENGTH]
    bodies = {"identity": body}
    if os.path.splitext(name)[1].lower() in COMPRESSIBLE:
        candidates = {"gzip": gzip.compress(body, compresslevel=9, mtime=0)}
        if brotli is not None:
            candidates["br"] = brotli.compress(body, quality=11)
        bodies |= {encoding: packed for encoding, packed in candidates.items() if len(packed) < len(body)}
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Asset(name=name, hashed=hashed_name(name, digest), digest=digest, mimetype=mimetype, bodies=bodies)


class StaticAssets:
    """Every file under the static folder, by its plain and its hashed name."""

    def __init__(self, folder: str, watch: bool = False):
        self.folder = folder
        self.watch = watch  # development: pick up edited files without a restart
        self._stamp: tuple = ()
        self.by_name: dict[str, Asset] = {}
        self.by_hashed: dict[str, Asset] = {}
        self.refresh()

    def _files(self) -> list[tuple[str, float, int]]:
        found = []
        for root, _dirs, files in os.walk(self.folder):
            for file in files:
                path = os.path.join(root, file)
                stat = os.stat(path)
                found.append((os.path.relpath(path, self.folder).replace(os.sep, "/"), stat.st_mtime, stat.st_size))
        return sorted(found)

    def refresh(self) -> None:
        files = self._files()
        if files == self._stamp:
            return
        assets = [_load(self.folder, name) for name, _mtime, _size in files]
        self.by_name = {asset.name: asset for asset in assets}
        self.by_hashed = {asset.hashed: asset for asset in assets}
        self._stamp = files

    def _watch(self) -> None:
        """Development: look for edited files, once per request (a page names three or four
        files; walking the folder for each was most of what its static URLs cost)."""
        if not self.watch:
            return
        if has_request_context():
            seen = g.setdefault("static_assets_checked", set())
            if id(self) in seen:
                return
            seen.add(id(self))
        self.refresh()

    def url_filename(self, name: str) -> str:
        self._watch()
        asset = self.by_name.get(name)
        return asset.hashed if asset else name

    def find(self, filename: str) -> tuple[Asset | None, bool]:
        """(the asset, whether the address names its current content)."""
        self._watch()
        if filename in self.by_hashed:
            return self.by_hashed[filename], True
        match = _HASHED.match(filename)
        plain = f"{match['stem']}{match['suffix']}" if match else filename
        return self.by_name.get(plain), False


def _encoding_for(asset: Asset) -> str:
    """The smallest form the client accepts (quality above zero)."""
    accepted = request.accept_encodings
    for encoding in ("br", "gzip"):
        if encoding in asset.bodies and accepted[encoding]:
            return encoding
    return "identity"


def serve(filename: str) -> Response:
    asset, current = current_app.extensions["static_assets"].find(filename)
    if asset is None:
        abort(404)
    encoding = _encoding_for(asset)
    response = Response(asset.bodies[encoding], mimetype=asset.mimetype)
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    response.set_etag(f"{asset.digest}-{encoding}")
    return response.make_conditional(request)


def skipping_static(hook: Callable[[Response], Response]) -> Callable[[Response], Response]:
    """An after_request hook (Flask-Compress's) that leaves static answers as `serve` made them."""
    def after_request(response: Response) -> Response:
        return response if request.endpoint == "static" else hook(response)
    return after_request


def init_app(app: Flask) -> None:
    """Serve `static` from memory and make `url_for("static", ...)` name the hashed file."""
    assets = StaticAssets(app.static_folder, watch=app.config["PORTAL_ENV"] == "development")
    app.extensions["static_assets"] = assets
    app.view_functions["static"] = serve

    @app.url_defaults
    def hashed_static_url(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.url_filename(values["filename"])
