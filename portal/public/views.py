"""The public pages (salons, therapists, is massage right for me, free times, sitemap, robots)
and the admin's form for a salon's public details.

Public pages set no cookie: they draw no CSRF token and touch no session, so a visitor has
none until they log in or submit a form; they are cacheable for a few minutes (see
`security.public_page`). The home page itself stays at `dashboard.home` ("/"), which draws
`panels.home_context` for visitors.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from limits import parse_many

from portal.access import allow, public
from portal import clock
from portal.extensions import limiter
from portal.htmx import render_page, wants_fragment
from portal.public import bp, content, panels
from portal.public.page_cache import cached
from portal.public import free_times as visitor_times
from portal.public.forms import FreeTimesForm, LocationForm
from portal.public.locations import LocationDetails, update_location
from portal.salon import queries, versions
from portal.security import public_page
from portal.urls import external_url

# The public pages a search engine may list (the home page, "/", is dashboard.home).
SITEMAP = ("dashboard.home", "public.salons", "public.therapists", "public.massage_right", "public.free_times")


@bp.get("/salons")
@public
@public_page
def salons():
    """Both salons: address, opening hours from the therapists' hours, phone, a map link."""
    return cached("salons", lambda: render_template("public/salons.html", **panels.salons_context()))


@bp.get("/our-therapists")
@public
@public_page
def therapists():
    """Who works here: salons, the massages they give, qualifications and a short bio."""
    return cached("therapists", lambda: render_template(
        "public/therapists.html", therapists=queries.active_therapists(), services=queries.active_services(),
        **panels.page_meta("public.therapists")))


@bp.get("/is-massage-right-for-me")
@public
@public_page
def massage_right():
    """The salon's precautions in plain words, with the levels the portal applies after sign-up."""
    return cached("massage_right", lambda: render_template(
        "public/massage_right.html", levels=content.precaution_levels(queries.active_services()),
        disclaimer=content.DISCLAIMER, **panels.page_meta("public.massage_right")))


@bp.get("/free-times")
@public
@public_page
def free_times():
    """Free times without an account (read only); choosing one asks the visitor to log in or
    create an account and brings them back to it. htmx swaps only the list."""
    # Keyed on the address as asked (a bounded cache: odd addresses only push out old pages);
    # free times change with the clock (notice) and with bookings (any write empties the cache).
    asked = tuple(request.args.get(name, "")[:40] for name in ("service", "location", "day"))
    key = ("free_times", *asked, wants_fragment(), clock.now().replace(second=0, microsecond=0))
    return cached(key, _free_times_page)


def _free_times_page():
    # Rate limited per IP address where the times are worked out: a copy from the page cache
    # (the same question within the minute, nothing booked since) costs nothing, needs no
    # round trip to the limiter's storage and is not counted. Over the limit: 429.
    if not _within_free_times_limit():
        abort(429)
    return _render_free_times()


def _within_free_times_limit() -> bool:
    """Count one working-out of free times for this IP address against every limit in
    PUBLIC_FREE_TIMES_RATE_LIMIT, in the rate limiter's own storage (Redis when configured, so
    every worker shares the count)."""
    config = current_app.config
    who = (config["RATELIMIT_KEY_PREFIX"], "public-free-times", request.remote_addr or "unknown")
    return all(limiter.limiter.hit(item, *who) for item in parse_many(config["PUBLIC_FREE_TIMES_RATE_LIMIT"]))


def _render_free_times():
    form = FreeTimesForm(formdata=request.args)
    form.validate()  # unreadable choices fall back to the first massage, salon, today
    offer = visitor_times.visitor_offer(form.service.data, form.location.data, form.day.data)
    form = FreeTimesForm(formdata=None)
    form.service.choices = [(s.id, f"{s.name} · {s.minutes} min · {s.price_display}") for s in offer.services]
    form.location.choices = [(loc.id, loc.name) for loc in offer.locations]
    form.service.data = offer.service.id if offer.service else None
    form.location.data = offer.location.id if offer.location else None
    form.day.data = offer.day
    choices = [(start, visitor_times.booking_address(offer, start)) for start in offer.times]
    return render_page("public/free_times.html", block="slots", form=form, offer=offer, choices=choices,
                       **panels.page_meta("public.free_times"))


@bp.get("/sitemap.xml")
@public
@public_page
def sitemap():
    """The public pages only: nothing behind a login, nothing about health."""
    return cached("sitemap", lambda: Response(
        render_template("public/sitemap.xml", pages=[external_url(endpoint) for endpoint in SITEMAP]),
        mimetype="application/xml"))


@bp.get("/robots.txt")
@public
@public_page
def robots():
    """Every address except the public pages is kept out of search engines."""
    return cached("robots", lambda: Response(
        render_template("public/robots.txt", disallowed=panels.private_prefixes(current_app, SITEMAP),
                        sitemap=external_url("public.sitemap")),
        mimetype="text/plain"))


@bp.route("/admin/locations/<int:location_id>", methods=["GET", "POST"])
@allow("admin")
def edit_location(location_id: int):
    """The admin changes a salon's address, phone and booking-platform pages (recorded)."""
    location = queries.location(location_id)
    if location is None:
        abort(404)
    form = LocationForm(obj=location)
    current = None
    if form.validate_on_submit():
        try:
            update_location(current_user._get_current_object(), location_id, LocationDetails(
                address=form.address.data, phone=form.phone.data, treatwell_url=form.treatwell_url.data,
                fresha_url=form.fresha_url.data, booksy_url=form.booksy_url.data), form.seen_version())
        except versions.Stale as problem:
            current = versions.told(form, problem)
        else:
            flash(f"{location.name}: details saved.", "success")
            return redirect(url_for("dashboard.admin"))
    status = 409 if current is not None else 422 if form.errors else 200
    return render_template("public/edit_location.html", form=form, location=location, current=current), status
