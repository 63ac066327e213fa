"""Home page and the dashboards each role lands on after logging in."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session
from flask_login import current_user
from markupsafe import Markup

from portal.access import allow, home_for, public
from portal.booking import panels as booking_panels
from portal.booking.forms import DayForm
from portal.dashboard import bp, figures, panels, salon_day
from portal.db_types import day_in_range
from portal.htmx import render_page, wants_fragment
from portal.security import public_page
from portal.public import panels as public_panels
from portal.public.page_cache import cached
from portal.salon import catalogue_cache, queries


@bp.route("/")
@public
@public_page
def home():
    """The salon's front door for visitors; logged-in people go straight to their dashboard."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return cached("home", lambda: render_template("public/home.html", **public_panels.home_context()))


@bp.route("/dashboard")
@allow("client")
def client():
    """A client's dashboard: guidance, next appointment, rebooking, feedback."""
    return render_template("dashboard/client.html", **panels.client_context(current_user.id))


def _schedule_day():
    """The day a schedule opens on: ?day=YYYY-MM-DD, today when missing or unreadable; a day
    outside the years the portal handles (9999-12-31, say) is a schedule that doesn't exist."""
    form = DayForm(formdata=request.args)
    form.validate()
    if form.day.data is not None and not day_in_range(form.day.data):
        abort(404)
    return form.day.data


@bp.route("/therapist")
@allow("therapist")
def therapist():
    """A therapist's dashboard: their own day and week, per salon."""
    therapist = queries.therapist_for_user(current_user.id)
    schedule = booking_panels.schedule_context(_schedule_day(), therapist.id) if therapist else None
    return render_template("dashboard/therapist.html", therapist=therapist, schedule=schedule)


@bp.route("/admin")
@allow("admin")
def admin():
    """The salon owner's overview: the salon's figures, one salon's day (a switch, remembered;
    a busy day by the hour, ?hour=, each hour an htmx swap of the day's list) and the week per
    salon, services, therapists, locations (the catalogue: the process's copy)."""
    asked = request.args.get("salon", type=int)
    fragment = wants_fragment()  # an hour's swap: the day's list alone, the week's other days unread
    schedule = salon_day.salon_day(_schedule_day(), asked, session.get(salon_day.REMEMBERED),
                                   request.args.get("hour", type=int), whole_week=not fragment)
    if asked is not None and schedule.location is not None and schedule.location.id == asked:
        session[salon_day.REMEMBERED] = asked
    if fragment:
        return render_page("dashboard/_salon_day.html", block="day_list", schedule=schedule)
    return render_page(
        "dashboard/admin.html", figures=figures.recent_owner_figures(current_app.config["CANCELLATION_WINDOW_HOURS"]),
        schedule=schedule, catalogue_sections=_catalogue_sections(schedule.location),
    )


def _catalogue_sections(location) -> Markup:
    """The overview's services, therapists (at the salon shown) and locations: the catalogue
    alone, so drawn once per copy of it, salon and script root (a chain's therapists are dozens
    of rows, escaped one by one on every request before), and afresh while templates reload."""
    def draw(catalogue) -> Markup:
        return Markup(render_template(  # nosec B704: the template escapes what it writes
            "dashboard/_admin_catalogue.html", services=catalogue.services, locations=catalogue.locations,
            therapists=salon_day.working_at(location), location=location))
    if current_app.jinja_env.auto_reload:
        return draw(catalogue_cache.catalogue())
    key = ("admin catalogue sections", location.id if location is not None else None, request.script_root)
    return catalogue_cache.worked_out(key, draw)
