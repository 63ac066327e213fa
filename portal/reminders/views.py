"""Email choices on the account page, one-click unsubscribe and lasting-relief answers.

Unsubscribe and relief links come from emails and work without logging in: the signed token
is the credential. Opening one (GET) never writes, because mail scanners follow links: the page
shows one pre-filled button that POSTs. Unsubscribe also takes RFC 8058's one-click POST from a
mail client (no CSRF token: the signed link is the proof), so that view is CSRF-exempt.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock
from portal.access import allow, public
from portal.extensions import csrf
from portal.guidance.rules import AREAS as AREA_LABELS
from portal.feedback import services as feedback_services
from portal.feedback.meaning import relief_sentence
from portal.feedback.models import AREAS
from portal.htmx import render_page, wants_fragment
from portal.reminders import bp, links, panels, services
from portal.reminders.forms import ConfirmForm, PreferencesForm, ReliefForm
from portal.roles import SIGNED_IN


@bp.post("/account/emails")
@allow(*SIGNED_IN)
def preferences():
    form = PreferencesForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    services.set_preferences(user, {name: getattr(form, name).data for name in services.categories_for(user)})
    flash("Your email choices are saved.", "success")
    # No #emails-heading: the message is at the top of the page, which on a phone that anchor
    # scrolled far out of sight (the form looked unchanged, nothing said it was saved).
    return redirect(url_for("accounts.account"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    found = links.read_unsubscribe(token)
    if found is None:
        return render_template("reminders/link_invalid.html", what="unsubscribe"), 404
    what = links.CATEGORIES[found.category]
    if request.method == "POST":
        if not services.unsubscribe(found.user_id, found.category):
            return render_template("reminders/link_invalid.html", what="unsubscribe"), 404
        if request.form.get("List-Unsubscribe") == "One-Click":
            return render_template("reminders/unsubscribed.html", what=what)  # a mail client's POST
        return redirect(url_for("reminders.unsubscribe", token=token, done=1))
    if request.args.get("done") and not services.wants(found.user_id, found.category):
        return render_template("reminders/unsubscribed.html", what=what)
    return render_template("reminders/unsubscribe.html", what=what, form=ConfirmForm())


@bp.route("/relief/<token>", methods=["GET", "POST"])
@public
def relief(token: str):
    now = clock.now()
    try:
        answer = links.read_relief(token, now)
    except links.LinkExpired:
        return render_template("reminders/relief_closed.html", expired=True), 410
    if answer is None:
        return render_template("reminders/link_invalid.html", what="answer"), 404
    label = AREA_LABELS[answer.area].lower()
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.answer_relief(answer, now)
        except services.AlreadyAnswered:
            return render_template("reminders/relief_closed.html", expired=False, label=label), 409
        except services.CannotAnswer as problem:
            return render_template("reminders/relief_closed.html", expired=False, problem=str(problem)), 409
        return redirect(url_for("reminders.relief", token=token, thanks=1))
    if services.relief_answered(answer.appointment_id, answer.area):
        if request.args.get("thanks"):
            return render_template("reminders/relief_thanks.html", label=label, answer=answer)
        return render_template("reminders/relief_closed.html", expired=False, label=label)
    return render_template("reminders/relief.html", label=label, answer=answer, form=form)



@bp.post("/relief/sessions/<int:appointment_id>/<area>")
@allow("client")
def relief_on_dashboard(appointment_id: int, area: str):
    """The dashboard's lasting-relief answer for one area of one session: stored by the same
    service as the email's link, so either answers it once."""
    if area not in AREAS:
        abort(404)
    form = ReliefForm(prefix=panels.relief_prefix(appointment_id, area))
    if not form.validate():
        if wants_fragment():
            return render_page("reminders/_relief_panel.html",
                               **panels.relief_context(current_user.id, invalid=form))
        flash(" ".join(form.score.errors), "error")
        return redirect(url_for("dashboard.client") + "#relief-panel")
    try:
        checkin = services.answer_on_dashboard(current_user._get_current_object(), appointment_id, area,
                                               form.score.data)
    except services.AlreadyAnswered:
        problem = f"Your {AREA_LABELS[area].lower()} for that session was already answered (perhaps from the email)."
    except services.CannotAnswer as refusal:
        problem = str(refusal)
    else:
        problem = ""
    if problem:
        if wants_fragment():
            return render_page("reminders/_relief_panel.html", **panels.relief_context(current_user.id,
                                                                                     problem=problem))
        flash(problem, "error")
        return redirect(url_for("dashboard.client") + "#relief-panel")
    feedback = _feedback_scores(appointment_id, area)
    saved = relief_sentence(AREA_LABELS[area], *feedback, checkin.pain()[area]) or "Thanks: recorded."
    if wants_fragment():
        return render_page("reminders/_relief_panel.html", **panels.relief_context(current_user.id, saved=saved))
    flash(saved, "success")
    return redirect(url_for("dashboard.client") + "#relief-panel")


def _feedback_scores(appointment_id: int, area: str) -> tuple[int | None, int | None]:
    feedback = feedback_services.feedback_for(appointment_id)
    if feedback is None:
        return None, None
    return getattr(feedback, f"{area}_before"), getattr(feedback, f"{area}_after")
