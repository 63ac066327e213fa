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
from portal.reminders import bp, links, services
from portal.reminders.forms import ConfirmForm, PreferencesForm
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
    return redirect(url_for("accounts.account") + "#emails-heading")


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

