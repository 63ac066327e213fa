"""Back-office people pages (admin only): staff and invitations, therapists, clients by phone.

Thin: forms in, staff.services out, POST-redirect-GET. The new-client form checks itself as
reception types (htmx posts it to `check_client`, which saves nothing); without JavaScript the
same messages come with the submitted page.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.access import allow
from portal.accounts.forms import EmptyForm
from portal.accounts.invitations import is_pending
from portal.accounts.services import find_by_email
from portal.accounts.phones import display_uk_phone
from portal.roles import ADMIN, THERAPIST
from portal.rota import services as rota
from portal.salon import versions
from portal.staff import bp, queries, services
from portal.staff.forms import InviteForm, PhoneClientForm, TherapistForm

ALREADY_HAS_ACCOUNT = "That email address already has an account; nothing was created."


def _same_phone(form: PhoneClientForm) -> str | None:
    """Who already has the phone number typed (a valid one), as reception is told before adding
    someone who may be a client already; None when no one has it."""
    if not form.phone.data or form.phone.errors:
        return None
    names = [client.name for client in queries.clients_with_phone(form.phone.data)]
    if not names:
        return None
    return (f"{' and '.join(names)} already {'has' if len(names) == 1 else 'have'} this phone number: find "
            "them under Clients. If this is someone else (a shared home phone, say), tick the box below to add them.")


def _actor():
    return current_user._get_current_object()


@bp.route("/staff")
@allow(ADMIN)
def index():
    """Therapists and admins, with who has not yet accepted their invitation."""
    return render_template("staff/index.html", therapists=queries.therapists(), admins=queries.admins(),
                           is_pending=is_pending, resend_form=EmptyForm())


@bp.route("/staff/invite", methods=["GET", "POST"])
@allow(ADMIN)
def invite():
    """Invite a therapist or an admin by email: their account, and a link to choose a password."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = services.invite_staff(_actor(), form.name.data, form.email.data, form.role.data)
        except services.AlreadyHasAccount:
            form.email.errors.append(ALREADY_HAS_ACCOUNT)
        else:
            flash(f"Invitation sent to {user.email}.", "success")
            if user.role == THERAPIST:
                flash("Now choose which services they give: clients are offered them for those only.", "info")
                return redirect(url_for("staff.edit_therapist", therapist_id=queries.therapist_of(user.id).id))
            return redirect(url_for("staff.index"))
    return render_template("staff/invite.html", form=form), 422 if form.errors else 200


@bp.route("/staff/<int:user_id>/resend", methods=["POST"])
@allow(ADMIN)
def resend(user_id: int):
    """Send a pending invitation again (the first may have expired or gone astray)."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("staff.index"))
    try:
        user = services.resend_invitation(_actor(), user_id)
    except services.NotFound:
        abort(404)
    flash(f"A new invitation has been sent to {user.email}.", "success")
    return redirect(url_for("staff.index"))


def _therapist_choices(form: TherapistForm) -> None:
    form.qualifications.choices = [SelectChoice(str(q.id), q.name) for q in queries.qualifications()]
    form.services.choices = [SelectChoice(str(s.id), s.name if s.active else f"{s.name} (no longer offered)")
                             for s in queries.services()]


def _tell_of_massages_no_longer_given(therapist_id: int, name: str) -> None:
    """A massage unticked while the therapist has bookings of it: they stay booked (the salon
    decides what to do) and the rota's needs-attention list shows them; say so on saving."""
    count = sum(1 for item in rota.needs_attention(with_candidates=False, therapist_id=therapist_id)
                if rota.NOT_GIVEN in item.reasons)
    if count:
        flash(f"{name} has {count} upcoming booking{'s' if count != 1 else ''} of a massage they no longer "
              "give: see Needs attention on the rota to move or cancel them.", "warning")


@bp.route("/staff/therapists/<int:therapist_id>", methods=["GET", "POST"])
@allow(ADMIN)
def edit_therapist(therapist_id: int):
    """A therapist's name, bio, qualifications and the services they give."""
    therapist = queries.therapist(therapist_id)
    if therapist is None:
        abort(404)
    form = TherapistForm(data={
        "display_name": therapist.display_name, "bio": therapist.bio,
        "qualifications": [str(q.id) for q in therapist.qualifications],
        "services": [str(s.id) for s in therapist.services], "version": str(therapist.version),
    })
    _therapist_choices(form)
    current = None
    if form.validate_on_submit():
        try:
            services.update_therapist(_actor(), therapist.id, form.display_name.data, form.bio.data or "",
                                      {int(v) for v in form.qualifications.data or []},
                                      {int(v) for v in form.services.data or []}, seen_version=form.seen_version())
        except versions.Stale as problem:
            current = versions.told(form, problem)
        else:
            flash(f"{form.display_name.data}'s details are saved.", "success")
            _tell_of_massages_no_longer_given(therapist.id, form.display_name.data)
            return redirect(url_for("staff.index"))
    status = 409 if current is not None else 422 if form.errors else 200
    return render_template("staff/therapist.html", form=form, therapist=therapist, current=current), status


@bp.route("/clients/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_client():
    """Reception adds a client who phoned: name and phone, and an email if they have one."""
    form = PhoneClientForm()
    same_phone = None
    if form.validate_on_submit():
        same_phone = None if form.same_phone_ok.data else _same_phone(form)
        if same_phone:
            form.phone.errors.append(same_phone)  # told first; the tick box then adds them
        else:
            try:
                user = services.add_phone_client(_actor(), form.name.data, form.phone.data, form.email.data or None)
            except services.AlreadyHasAccount:
                form.email.errors.append(ALREADY_HAS_ACCOUNT)
            else:
                if user.email:
                    flash(f"{user.name} is added. We have emailed {user.email} a link to choose a password "
                          "and fill in their health form before the visit.", "success")
                else:
                    flash(f"{user.name} is added with phone {display_uk_phone(user.phone)}. Without an email "
                          "address they cannot log in: book and change their visits for them.", "success")
                return redirect(url_for("staff.new_client"))
    return render_template("staff/new_client.html", form=form, same_phone=same_phone), 422 if form.errors else 200


@bp.route("/clients/new/check", methods=["POST"])
@allow(ADMIN)
def check_client():
    """htmx: the new-client form's messages for the fields typed so far; saves nothing."""
    form = PhoneClientForm()
    form.validate()
    if form.email.data and not form.email.errors and find_by_email(form.email.data):
        form.email.errors.append(ALREADY_HAS_ACCOUNT)
    same_phone = _same_phone(form)
    if same_phone:
        form.phone.errors.append(same_phone)
    typed = [f for f in (form.name, form.phone, form.email) if f.raw_data and (f.raw_data[0] or "").strip()]
    return render_template("staff/_field_errors.html", fields=typed)
