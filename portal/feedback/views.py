"""Feedback, check-ins, pain over time, and the therapist's brief: thin views."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock
from portal.access import allow, home_for
from portal.accounts.forms import EmptyForm
from portal.booking import attendance as attendance_service
from portal.dashboard import panels as dashboard_panels
from portal.feedback import bp, brief as briefs, panels, services
from portal.feedback.forms import CheckInForm, FeedbackForm
from portal.feedback.meaning import CLIENT_ADVICE, safety_concerns
from portal.fields import multiline
from portal.feedback.pain import DEFAULT_RANGE, RANGES, range_trends
from portal.htmx import render_page, retarget, wants_fragment
from portal.profile.services import CONSENT_STATEMENT, goals_of, has_consent


def _me():
    return current_user._get_current_object()


def _panel(status: int = 200, **forms):
    """The dashboard's feedback panel as a fragment (htmx swaps it in place); only htmx asks
    for it, without htmx the views redirect or render the feedback page."""
    context = panels.dashboard_context(current_user.id, **forms)
    if forms.get("feedback_saved") or forms.get("checkin_saved"):
        # The glance's charts and labels change with what was saved: swapped out of band.
        context |= panels.glance_context(current_user.id) | {"glance_oob": True}
    return render_page("feedback/_panel.html", status=status, **context)


@bp.route("/appointments/<int:appointment_id>/feedback", methods=["GET", "POST"])
@allow("client")
def give(appointment_id: int):
    """How the session felt: pressure, pain before and after per area, focus, a note."""
    now = clock.now()
    try:
        appointment = services.appointment_for_feedback(_me(), appointment_id, now)
    except services.NotFound:
        abort(404)
    except services.Refused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("dashboard.client"))
    existing = services.feedback_for(appointment_id)
    editable = services.can_edit(existing, now)
    needs_consent = not has_consent(current_user.id)
    if request.method == "GET":
        form = FeedbackForm(data=panels.form_data(existing), needs_consent=needs_consent)
        return render_template("feedback/give.html", form=form, appointment=appointment, feedback=existing,
                               editable=editable, consent_statement=CONSENT_STATEMENT)
    form = FeedbackForm(needs_consent=needs_consent)
    if not editable:
        form.note.errors = ["Feedback can be changed for 7 days after you give it; this one is now closed."]
    elif form.validate():
        saved = services.save_feedback(_me(), appointment_id, form.to_input(), now,
                                       consent_given=bool(form.consent.data))
        concerns = safety_concerns(before=saved.pain("before"), after=saved.pain("after"))
        if wants_fragment():
            return _panel(feedback_saved=True, feedback_advice=bool(concerns))
        flash("Thank you: your therapist will see this before your next session.", "success")
        if concerns:
            flash(CLIENT_ADVICE, "warning")
        return redirect(url_for("dashboard.client"))
    if wants_fragment():  # only the form with its messages, in its own place (200, so htmx swaps it)
        return retarget(render_page("feedback/_feedback_form.html", feedback_form=form, feedback=existing,
                                    feedback_appointment=appointment, consent_statement=CONSENT_STATEMENT),
                        "#feedback-form")
    return render_template("feedback/give.html", form=form, appointment=appointment, feedback=existing,
                           editable=editable, consent_statement=CONSENT_STATEMENT), 422


@bp.route("/pain/check-in", methods=["POST"])
@allow("client")
def checkin():
    """Today's pain per area, between visits."""
    form = CheckInForm(needs_consent=not has_consent(current_user.id))
    if form.validate():
        saved = services.record_checkin(_me(), form.pain(), consent_given=bool(form.consent.data),
                                        new_numbness=form.new_numbness(), wellbeing=form.wellbeing())
        concerns = safety_concerns(scores=saved.pain(), new_numbness=saved.new_numbness)
        if wants_fragment():
            return _panel(checkin_saved=True, checkin_advice=bool(concerns))
        flash("Thanks: today's pain is recorded.", "success")
        if concerns:
            flash(CLIENT_ADVICE, "warning")
        return redirect(url_for("dashboard.client"))
    if wants_fragment():  # only the form with its messages, in its own place (200, so htmx swaps it)
        return retarget(render_page("feedback/_checkin_form.html", checkin_form=form,
                                    consent_statement=CONSENT_STATEMENT), "#checkin-form")
    # Without htmx: the dashboard again, the scores as typed beside their messages.
    return render_template("dashboard/client.html", **dashboard_panels.client_context(current_user.id,
                                                                                     checkin_form=form)), 422


@bp.route("/pain")
@allow("client")
def pain():
    """Pain over time, per area: chart, plain-words summary and the same numbers as a table."""
    range_key = request.args.get("range", DEFAULT_RANGE)
    if range_key not in RANGES:
        abort(400)
    today = clock.today()
    start, pain_trends, wellbeing = range_trends(current_user.id, range_key, today)
    # The range switch (htmx) replaces only the charts and tables: the goals, above them, are not read.
    goals = [] if wants_fragment() else goals_of(current_user.id)
    return render_page("feedback/pain.html", "trends", range_key=range_key, ranges=RANGES, start=start, end=today,
                       trends=pain_trends, wellbeing=wellbeing, goals=goals)


@bp.route("/therapist/appointments/<int:appointment_id>/brief")
@allow("therapist", "admin")
def brief(appointment_id: int):
    """The pre-session brief; a therapist sees only their own clients', and every view is logged."""
    try:
        # The page's only write is the access record: on PostgreSQL it commits as it is written.
        result = briefs.brief_for(_me(), appointment_id, log_alone=True)
    except services.NotFound:
        abort(404)
    # Swapped into the therapist's day, which says the two reading rules once (#brief-rules); the
    # page on its own, and the admin's day, get them in the brief.
    rules_on_page = wants_fragment() and not current_user.is_admin
    return render_page("feedback/brief.html", "brief", brief=result, action_form=EmptyForm(),
                       rules_on_page=rules_on_page)


def _staff_action(appointment_id: int, action, done: str):
    """Run a therapist's action on an appointment; back to its brief with what happened (to
    their day if it was cancelled meanwhile: its therapist no longer sees the brief)."""
    try:
        action()
    except services.NotFound:
        abort(404)
    except services.Cancelled as refusal:
        flash(str(refusal), "error")
        return redirect(home_for(current_user))
    except services.Refused as refusal:
        flash(str(refusal), "error")
    else:
        flash(done, "success")
    return redirect(url_for("feedback.brief", appointment_id=appointment_id))


@bp.route("/therapist/appointments/<int:appointment_id>/attendance", methods=["POST"])
@allow("therapist", "admin")
def attendance(appointment_id: int):
    """Mark a session attended or a no-show."""
    if not EmptyForm().validate_on_submit() or request.form.get("attended") not in {"yes", "no"}:
        abort(400)
    attended = request.form["attended"] == "yes"
    return _staff_action(appointment_id, lambda: attendance_service.mark_attendance(_me(), appointment_id, attended),
                         "Attendance saved.")


@bp.route("/therapist/appointments/<int:appointment_id>/notes", methods=["POST"])
@allow("therapist", "admin")
def treatment_note(appointment_id: int):
    """Add a private treatment note after the session."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    # A browser sends each line break as CR LF, but the box's maxlength counts it as one: as typed.
    text = multiline(request.form.get("note") or "")
    if not text or len(text) > 2000:
        flash("A treatment note needs some text (up to 2,000 characters).", "error")
        return redirect(url_for("feedback.brief", appointment_id=appointment_id))
    return _staff_action(appointment_id, lambda: services.add_treatment_note(_me(), appointment_id, text),
                         "Treatment note saved.")
