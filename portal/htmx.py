"""The one place that knows htmx's request headers: page or fragment, and Vary."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request
from flask.wrappers import Response
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """An htmx swap of part of a page; a boosted navigation or history restore wants the page."""
    return (
        is_htmx()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page(template: str, block: str | None = None, status: int = 200, **context) -> Response:
    """Render the whole page, or only `block` of it when htmx asks for a fragment."""
    if block and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def swappable(status: int) -> int:
    """The status for a page the person must read (a refusal, "are you sure?" with a list): htmx
    swaps no 4xx answer in, so to htmx it goes as 200 (a boosted form's click would otherwise do
    nothing at all); without htmx the status says what happened."""
    return 200 if is_htmx() else status


def retarget(response: Response, target: str, swap: str = "outerHTML") -> Response:
    """Have htmx swap this response into `target` instead of the element's own hx-target: a
    form posted with a mistake sends only itself, with its messages, in place of itself."""
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = swap
    return response


def instead_of_page(response: Response, url: str) -> Response:
    """A whole page answering htmx's request for a fragment (a refusal drawn on the page it
    belongs to): htmx puts it in place of the body, as a boosted link would, and the address
    bar shows `url`, rather than nesting a page inside the fragment's target. Else unchanged."""
    if wants_fragment():
        retarget(response, "body", "innerHTML show:window:top")
        response.headers["HX-Replace-Url"] = url
    return response


def redirect_page(url: str) -> Response:
    """A redirect to a whole page. htmx would follow a plain 302 itself and put that page inside
    the fragment it asked for (the move page's `#slots`): to htmx asking for a fragment it is
    `HX-Redirect`, a full page load of `url`, which shows the flashed message there."""
    if wants_fragment():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)
