"""The client's report (page, CSV, PDF), their share links, and the shared view: thin views."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal import clock
from portal.access import allow, public
from portal.accounts.forms import EmptyForm
from portal.extensions import csrf
from portal.report import bp, links
from portal.report.content import report_for
from portal.report.formats import to_csv, to_pdf
from portal.report.forms import PeriodForm, ShareForm
from portal.report.rules import LINK_DAYS, default_period, period_problems
from portal.urls import external_url

NEW_LINK_KEY = "report_new_share_link"


def _me():
    return current_user._get_current_object()


def _period() -> tuple[PeriodForm, date | None, date | None]:
    """The period asked for (the last six months when none is), and the form showing it."""
    today = clock.today()
    if "start" not in request.args and "end" not in request.args:
        start, end = default_period(today)
        return PeriodForm(formdata=None, data={"start": start, "end": end}), start, end
    form = PeriodForm(request.args)
    if not form.check(today):
        return form, None, None
    return form, form.start.data, form.end.data


def _filename(start: date, end: date, ext: str) -> str:
    return f"massage-pain-report-{start.isoformat()}-to-{end.isoformat()}.{ext}"


@bp.get("/report")
@allow("client")
def page():
    """The report for a chosen period, printable (print stylesheet), with CSV and PDF links and
    the client's share links."""
    form, start, end = _period()
    token = session.pop(NEW_LINK_KEY, None)  # a new link's address is shown once, right after it is made
    context = dict(form=form, start=start, end=end, share_form=ShareForm(formdata=None, start=start, end=end),
                   links=links.active_links(current_user.id), revoke_form=EmptyForm(),
                   new_link=external_url("report.shared", token=token) if token else None)
    if start is None:
        return render_template("report/page.html", report=None, **context), 422
    return render_template("report/page.html", report=report_for(current_user.id, current_user.name, start, end),
                           **context)


def _download(ext: str):
    form, start, end = _period()
    if start is None:
        # The page says what is wrong with the dates, with what was typed kept.
        return redirect(url_for("report.page", **request.args))
    report = report_for(current_user.id, current_user.name, start, end)
    if ext == "csv":
        response = make_response(to_csv(report))
        response.mimetype = "text/csv"
        response.charset = "utf-8"
    else:
        response = make_response(to_pdf(report))
        response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(start, end, ext)}"'
    return response


@bp.get("/report.csv")
@allow("client")
def csv():
    """The report's scores as a spreadsheet: one row per score."""
    return _download("csv")


@bp.get("/report.pdf")
@allow("client")
def pdf():
    """The report as an A4 PDF."""
    return _download("pdf")


@bp.post("/report/share")
@allow("client")
def share():
    """Make a link for the period on the page; its address is shown once."""
    form = ShareForm()
    try:
        start, end = date.fromisoformat(form.start.data or ""), date.fromisoformat(form.end.data or "")
    except ValueError:
        start = end = None
    if not form.validate() or start is None or period_problems(start, end, clock.today()) \
            or form.days.data not in LINK_DAYS:
        flash("The link could not be made: choose a period and how long it works (1, 7 or 30 days).", "error")
        return redirect(url_for("report.page") + "#share")
    session[NEW_LINK_KEY] = links.make_link(_me(), start, end, form.days.data)
    flash("Your share link is ready: copy it now, it is shown only once.", "success")
    return redirect(url_for("report.page", start=start.isoformat(), end=end.isoformat()) + "#share")


@bp.post("/report/share/<int:link_id>/revoke")
@allow("client")
def revoke(link_id: int):
    """Stop one of the client's links at once."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        links.revoke(_me(), link_id)
    except links.NotFound:
        abort(404)
    flash("The link is revoked: it no longer opens your report.", "success")
    return redirect(url_for("report.page") + "#share")


@bp.get("/shared/report/<token>")
@public
def shared(token: str):
    """What a share link opens first: a button to open the report, and nothing of it. Link previews
    and mail scanners fetch the address but never press a button, so they see no health data and
    count no view. Unknown, expired or revoked: 404."""
    link = links.open_link(token)
    if link is None:
        abort(404)
    return _shared_response(render_template("report/shared_open.html", link=link, public_page=True))


@bp.post("/shared/report/<token>")
@csrf.exempt  # no session for a reader (no cookie is set); holding the token is what lets them in
@public
def shared_open(token: str):
    """The report behind a share link, read-only, for whoever holds the link (a GP, a physio);
    every opening goes to the client's access log. Unknown, expired or revoked: 404."""
    link = links.open_link(token)
    if link is None:
        abort(404)
    links.record_view(link)
    report = report_for(link.client_id, link.client.name, link.period_start, link.period_end)
    return _shared_response(render_template("report/shared.html", report=report, link=link, public_page=True))


def _shared_response(html: str):
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
