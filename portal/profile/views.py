"""Health profile and guidance pages: thin views over profile.services."""

from __future__ import annotations

import json

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock
from portal.access import allow
from portal.accounts.forms import EmptyForm
from portal.audit.services import accesses_for
from portal.data_export import export_for
from portal.guidance.rules import CONDITIONS, HealthFacts
from portal.htmx import render_page, wants_fragment
from portal.profile import bp, gate, services
from portal.profile.forms import ProfileForm, answered, form_data
from portal.client_guidance import guidance_for_client
from portal.security import is_safe_next


def _client():
    return current_user._get_current_object()


def _profile_form(profile, **kwargs) -> ProfileForm:
    needs_consent = not (profile and profile.has_consent)
    return ProfileForm(today=clock.today(), needs_consent=needs_consent, **kwargs)


def _preview_facts(form: ProfileForm, stored) -> HealthFacts:
    """The unsaved answers as a save would store them (dated, with the clearance's coverage)."""
    return form.to_content().dated_from(stored, clock.today()).to_facts()


def _stored(client_id: int):
    """The profile and its latest content: one statement for a consented profile (the usual case),
    and the guidance beside the form reads the same (remembered) content, not a second time."""
    content = services.content_for_use(client_id)
    profile = services.profile_of(client_id)  # remembered by content_for_use's read
    if content is None and profile is not None:  # no consent now: the client still sees their answers
        content = services.latest_content(profile)
    return profile, content


def _edit_page(form: ProfileForm, profile, stored, status: int = 200):
    preview_facts = _preview_facts(form, stored) if request.method == "POST" else None
    return render_page(
        "profile/edit.html", None, status=status, form=form, profile=profile,
        guidance=guidance_for_client(current_user.id, facts=preview_facts),
        consent_statement=services.CONSENT_STATEMENT, conditions=CONDITIONS,
    )


@bp.route("/profile", methods=["GET", "POST"])
@allow("client")
def edit():
    """Edit the health profile; each save that changes something is a new revision."""
    profile, content = _stored(current_user.id)
    if request.method == "GET":
        return _edit_page(_profile_form(profile, data=form_data(content)), profile, content)
    form = _profile_form(profile)
    if not form.validate():
        # Nothing is stored; the form comes back exactly as typed, with each problem beside its field.
        return _edit_page(form, profile, content, status=422)
    if services.save_profile(_client(), form.to_content(), consent_given=bool(form.consent.data)):
        flash("Your health profile is saved. Your guidance below is up to date.", "success")
    else:
        flash("You didn't change anything, so your health profile stays as it was.", "info")
    return redirect(url_for("profile.guidance"))


@bp.route("/profile/preview", methods=["POST"])
@allow("client")
def preview():
    """What the unsaved form would mean: the guidance panel, with each field's problems out of band."""
    if not wants_fragment():
        return redirect(url_for("profile.edit"))
    profile, content = _stored(current_user.id)
    form = _profile_form(profile)
    form.validate()
    # The preview runs on every change, so a box that appeared a moment ago (the due date after
    # ticking Pregnancy) would be "missing" at once. Here only what was typed is checked; a
    # missing answer is reported when the person saves (edit() validates everything).
    for field in form:
        if not answered(field):
            field.errors = []
    guidance = guidance_for_client(current_user.id, facts=_preview_facts(form, content))
    return render_page("profile/_preview.html", None, form=form, guidance=guidance, conditions=CONDITIONS,
                       preview=True)


@bp.route("/profile/healed/<condition>", methods=["POST"])
@allow("client")
def mark_healed(condition: str):
    """One click: a sunburn, wound or skin infection has healed (nothing else heals this way)."""
    rule = CONDITIONS.get(condition)
    if rule is None:
        abort(404)
    if not rule.heals_in_one_click:
        abort(400)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if services.mark_healed(_client(), condition):
        flash(f"Marked as healed: {rule.label}. Your guidance is updated.", "success")
    elif services.already_healed(current_user.id, condition):  # a double click: the first one did it
        flash(f"Already marked as healed: {rule.label}.", "info")
    else:
        abort(400)
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else url_for("profile.guidance"))


@bp.route("/guidance")
@allow("client")
def guidance():
    """How often to come, what to watch out for, and what the therapist will know."""
    content = services.content_for_use(current_user.id)  # the profile and its latest revision in one read
    profile = services.profile_of(current_user.id)
    facts = services.facts_from(content)
    today = clock.today()  # one day for the whole page, even across midnight
    return render_page("profile/guidance.html", None, profile=profile, content=content, conditions=CONDITIONS,
                       guidance=guidance_for_client(current_user.id, today, facts=facts),
                       outlook=gate.booking_outlook(facts, today),
                       refusal=gate.outlook_refusal(facts, today), action_form=EmptyForm())


@bp.route("/profile/history")
@allow("client")
def history():
    """Every save of the profile, with what it changed."""
    return render_template("profile/history.html", entries=services.history(current_user.id))


@bp.route("/profile/privacy")
@allow("client")
def privacy():
    """Consent, export and deletion of the health profile."""
    return render_template("profile/privacy.html", profile=services.profile_of(current_user.id),
                           consent_statement=services.CONSENT_STATEMENT, action_form=EmptyForm(),
                           accesses=accesses_for(current_user.id))


@bp.route("/profile/consent/withdraw", methods=["POST"])
@allow("client")
def withdraw_consent():
    """Stop all use of the health profile at once; deletion is offered next."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.withdraw_consent(_client())
    flash("Consent withdrawn: we no longer use your health information. You can delete it below.", "success")
    return redirect(url_for("profile.privacy"))


@bp.route("/profile/delete", methods=["POST"])
@allow("client")
def delete():
    """Delete the health profile, its history, pain check-ins and session feedback."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "yes":
        flash("Please tick the box to confirm you want your health profile deleted.", "error")
        return redirect(url_for("profile.privacy"))
    services.delete_profile(_client())
    flash("Your health profile, pain check-ins and session feedback are deleted.", "success")
    return redirect(url_for("profile.privacy"))


@bp.route("/profile/export")
@allow("client")
def export():
    """Download everything kept about the client (profile, appointments, feedback), as JSON."""
    body = json.dumps(export_for(_client()), indent=2, ensure_ascii=False)
    response = make_response(body)
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="mesmerising-beauty-my-data.json"'
    return response
