"""Rota pages: the admin's therapists, hours, time off, needs-attention list and settings, and a
therapist's own time off. Thin views over `rota.services`; every change is a POST form with its
CSRF token that redirects (POST-redirect-GET), htmx only adds a shift in place and asks before
destructive actions (hx-confirm); without JavaScript a confirmation page asks instead.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal import clock
from portal.access import allow
from portal.booking import notify
from portal.booking.services import BookingProblem, GateRefused
from portal.htmx import render_page, swappable, wants_fragment
from portal.rota import bp, services
from portal.rota.forms import (ActiveForm, AppointmentActionForm, ConfirmForm, SettingsForm, ShiftForm, TimeOffForm,
                               decode_shift, encode_shift, format_ids, parse_flag, parse_ids)
from portal.rota.rules import WEEKDAYS, TimeOffProblem, time_off_interval
from portal.rota.services import Clashes, NotFound, Refused, Stale
from portal.salon import settings


def _me():
    return current_user._get_current_object()


def _grid() -> int:
    return current_app.config["BOOKING_GRID_MINUTES"]


def _therapist_or_404(therapist_id: int):
    try:
        return services.therapist(therapist_id)
    except NotFound:
        abort(404)


def _location_choices(form: ShiftForm) -> ShiftForm:
    form.location_id.choices = [SelectChoice(str(loc.id), loc.name) for loc in services.locations()]
    return form


def _shift_form(hours) -> ShiftForm:
    form = ShiftForm(formdata=None, prefix=f"shift-{hours.id}", weekday=hours.weekday, location_id=hours.location_id,
                     starts_at=hours.starts_at, ends_at=hours.ends_at)
    form.seen.data = encode_shift(services.shift_spec(hours))
    return _location_choices(form)


def _confirm_page(title: str, message: str, action: str, button: str, back: str, *, fields: dict | None = None,
                  appointments=None, status: int = 200, danger: bool = True):
    """The "are you sure?" (and "these appointments are booked then") page: without JavaScript,
    and after the browser's own question when booked appointments still stand in the way."""
    return render_page("rota/confirm.html", status=swappable(status), title=title, message=message, action=action,
                       button=button, back=back, fields=fields or {}, appointments=appointments or [],
                       danger=danger)


def _form_fields(form, *skip: str) -> dict:
    """The submitted values of `form`, to carry through a confirmation page unchanged."""
    return {f.name: request.form.get(f.name, "") for f in form if f.name not in ("csrf_token", *skip)
            and not f.name.endswith("csrf_token")}


# --- the admin's rota -------------------------------------------------------------------------


@bp.get("/admin/rota")
@allow("admin")
def index():
    """Every therapist (active or not), how many appointments need attention, the settings."""
    therapists = services.therapist_list()
    return render_page("rota/index.html", therapists=therapists,
                       attention=len(services.needs_attention(with_candidates=False)),
                       own_time_off=settings.therapists_manage_own_time_off())


def _therapist_page(who, *, shift_form: ShiftForm | None = None, time_off_form: TimeOffForm | None = None,
                    row_forms: dict | None = None, problem: str | None = None, status: int = 200,
                    block: str | None = None):
    forms = {h.id: _shift_form(h) for h in who.working_hours}
    forms.update(row_forms or {})
    if shift_form is None:
        shift_form = _location_choices(ShiftForm(formdata=None, prefix="new"))
    return render_page("rota/therapist.html", block=block, status=status, therapist=who, shift_forms=forms,
                       new_shift=shift_form, time_off_form=time_off_form or TimeOffForm(formdata=None),
                       time_off=services.upcoming_time_off(who.id), problem=problem, weekdays=WEEKDAYS,
                       active_form=ActiveForm(formdata=None), today=clock.today())


@bp.get("/admin/rota/therapists/<int:therapist_id>")
@allow("admin")
def therapist(therapist_id: int):
    """One therapist: weekly hours per salon, time off, active or not."""
    return _therapist_page(_therapist_or_404(therapist_id))


@bp.post("/admin/rota/therapists/<int:therapist_id>/shifts")
@allow("admin")
def add_shift(therapist_id: int):
    """Add a weekly shift; with htmx the hours section is redrawn in place."""
    who = _therapist_or_404(therapist_id)
    form = _location_choices(ShiftForm(prefix="new"))
    if form.validate():
        try:
            services.add_shift(_me(), who.id, form.spec(), _grid())
        except Refused as refused:
            getattr(form, refused.field or "starts_at").errors = [refused.message]
        else:
            if wants_fragment():
                return _therapist_page(_therapist_or_404(therapist_id), block="shifts")
            flash("Shift added.", "success")
            return redirect(url_for("rota.therapist", therapist_id=who.id) + "#shifts")
    # 200 for htmx (it swaps in the messages), 422 for a plain form.
    return _therapist_page(who, shift_form=form, status=swappable(422), block="shifts")


def _seen_shift(form) -> object:
    return decode_shift(form.seen.data)


@bp.post("/admin/rota/shifts/<int:shift_id>")
@allow("admin")
def update_shift(shift_id: int):
    """Change a shift; refused with the list when booked appointments would fall outside it."""
    hours = services.db_shift(shift_id)
    if hours is None:
        abort(404)
    who = _therapist_or_404(hours.therapist_id)
    form = _location_choices(ShiftForm(prefix=f"shift-{shift_id}"))
    problem = None
    if form.validate():
        try:
            services.update_shift(_me(), shift_id, form.spec(), _grid(), seen=_seen_shift(form),
                                  accepted=parse_ids(form.accepted.data))
        except Clashes as clashes:
            fields = _form_fields(form)
            fields[form.accepted.name] = format_ids(clashes.ids)
            return _confirm_page(
                "Change these hours?", clashes.message + " Save anyway? They will be listed under "
                "Needs attention to move or cancel.", url_for("rota.update_shift", shift_id=shift_id),
                "Save the hours anyway", url_for("rota.therapist", therapist_id=who.id),
                fields=fields, appointments=clashes.appointments, status=409)
        except Stale as stale:
            problem = stale.message
            form.seen.data = encode_shift(services.shift_spec(hours))  # saving again applies it over theirs
        except Refused as refused:
            getattr(form, refused.field or "starts_at").errors = [refused.message]
        else:
            flash("Shift saved.", "success")
            return redirect(url_for("rota.therapist", therapist_id=who.id) + "#shifts")
    return _therapist_page(who, row_forms={shift_id: form}, problem=problem, status=409 if problem else 422)


@bp.post("/admin/rota/shifts/<int:shift_id>/remove")
@allow("admin")
def remove_shift(shift_id: int):
    """Remove a shift, after a confirmation (and another if booked appointments would be stranded)."""
    hours = services.db_shift(shift_id)
    if hours is None:
        flash("That shift was already removed.", "success")
        return redirect(url_for("rota.index"))
    who = _therapist_or_404(hours.therapist_id)
    form = ConfirmForm()
    back = url_for("rota.therapist", therapist_id=who.id)
    label = f"{WEEKDAYS[hours.weekday]} {hours.starts_at:%H:%M}-{hours.ends_at:%H:%M} at {hours.location.name}"
    if not form.validate():
        abort(400)
    if form.confirmed.data != "1":
        return _confirm_page("Remove this shift?", f"Remove {who.display_name}'s {label}?",
                             url_for("rota.remove_shift", shift_id=shift_id), "Remove the shift", back,
                             fields={"confirmed": "1", "seen": form.seen.data or ""})
    try:
        services.remove_shift(_me(), shift_id, seen=decode_shift(form.seen.data),
                              accepted=parse_ids(form.accepted.data))
    except Clashes as clashes:
        return _confirm_page("Remove these hours?", clashes.message + " Remove the shift anyway? They will be "
                             "listed under Needs attention to move or cancel.",
                             url_for("rota.remove_shift", shift_id=shift_id), "Remove the shift anyway", back,
                             fields={"confirmed": "1", "seen": form.seen.data or "",
                                     "accepted": format_ids(clashes.ids)},
                             appointments=clashes.appointments, status=409)
    except Stale as stale:
        flash(stale.message.replace(" Your changes are still in the form: check them and save again.",
                                    " Nothing was removed: check it and try again."), "error")
        return redirect(back + "#shifts")
    flash(f"Removed {label}.", "success")
    return redirect(back + "#shifts")


def _interval(form: TimeOffForm):
    """The time off's [start, end) from the form, or None with the message on its field."""
    try:
        return time_off_interval(form.first_day.data, form.last_day.data, form.starts_at.data, form.ends_at.data,
                                 today=clock.today(), grid_minutes=_grid())
    except TimeOffProblem as problem:
        getattr(form, problem.field).errors = [problem.message]
        return None


@bp.post("/admin/rota/therapists/<int:therapist_id>/time-off")
@allow("admin")
def add_time_off(therapist_id: int):
    """Time off: a whole day, part of a day or several days; booked appointments in it must be confirmed."""
    who = _therapist_or_404(therapist_id)
    form = TimeOffForm()
    interval = _interval(form) if form.validate() else None
    if interval is not None:
        try:
            services.add_time_off(_me(), who.id, *interval, form.reason.data or "",
                                  accepted=parse_ids(form.accepted.data))
        except Clashes as clashes:
            fields = _form_fields(form)
            fields["accepted"] = format_ids(clashes.ids)
            return _confirm_page(
                "Booked appointments in this time off", clashes.message + " Save the time off anyway? "
                "They will be listed under Needs attention, to move to another therapist or cancel.",
                url_for("rota.add_time_off", therapist_id=who.id), "Save the time off anyway",
                url_for("rota.therapist", therapist_id=who.id), fields=fields, appointments=clashes.appointments,
                status=409)
        except Refused as refused:
            form.first_day.errors = [refused.message]
        else:
            flash("Time off saved. No bookings can be made for them then.", "success")
            if form.accepted.data:
                return redirect(url_for("rota.attention"))
            return redirect(url_for("rota.therapist", therapist_id=who.id) + "#time-off")
    return _therapist_page(who, time_off_form=form, status=422)


@bp.post("/admin/rota/time-off/<int:time_off_id>/remove")
@allow("admin")
def remove_time_off(time_off_id: int):
    """Remove time off (after a confirmation); those times can be booked again."""
    entry = services.db_time_off(time_off_id)
    if entry is None:
        flash("That time off was already removed.", "success")
        return redirect(url_for("rota.index"))
    back = url_for("rota.therapist", therapist_id=entry.therapist_id)
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    if form.confirmed.data != "1":
        return _confirm_page("Remove this time off?", f"Remove {entry.therapist.display_name}'s time off: "
                             f"{services.time_off_text(entry)}? Those times can be booked again.",
                             url_for("rota.remove_time_off", time_off_id=time_off_id), "Remove the time off", back,
                             fields={"confirmed": "1"})
    services.remove_time_off(_me(), time_off_id)
    flash("Time off removed.", "success")
    return redirect(back + "#time-off")


@bp.post("/admin/rota/therapists/<int:therapist_id>/active")
@allow("admin")
def set_active(therapist_id: int):
    """Mark a therapist inactive (history kept, no new bookings) or active again."""
    who = _therapist_or_404(therapist_id)
    form = ActiveForm()
    if not form.validate():
        abort(400)
    wanted, seen = parse_flag(form.active.data), parse_flag(form.seen.data)
    if wanted is None:
        abort(400)
    back = url_for("rota.therapist", therapist_id=who.id)
    if not wanted and form.confirmed.data != "1":
        return _confirm_page(f"Mark {who.display_name} inactive?",
                             f"{who.display_name} keeps their history but takes no new bookings. Their booked "
                             "appointments to come will be listed under Needs attention, to move or cancel.",
                             url_for("rota.set_active", therapist_id=who.id), "Mark inactive", back,
                             fields={"active": "0", "seen": form.seen.data or "", "confirmed": "1"})
    try:
        services.set_active(_me(), who.id, wanted, seen=seen)
    except Stale as stale:
        flash(stale.message, "error")
        return redirect(back)
    if wanted:
        flash(f"{who.display_name} is active: clients can book them again.", "success")
        return redirect(back)
    flash(f"{who.display_name} is inactive: no new bookings.", "success")
    return redirect(url_for("rota.attention"))


@bp.get("/admin/rota/attention")
@allow("admin")
def attention():
    """Booked appointments whose therapist is away, off shift or inactive: move or cancel each."""
    return render_page("rota/attention.html", items=services.needs_attention(), form=AppointmentActionForm(formdata=None))


def _attention_problem(message: str, status: int):
    return render_page("rota/attention.html", status=swappable(status), items=services.needs_attention(), problem=message,
                       form=AppointmentActionForm(formdata=None))


@bp.post("/admin/rota/appointments/<int:appointment_id>/reassign")
@allow("admin")
def reassign(appointment_id: int):
    """Give the appointment to another therapist at the same time; the client is emailed (or,
    without an address, the admin is asked to phone them)."""
    form = AppointmentActionForm()
    therapist_id = parse_ids(form.therapist.data) if form.validate() else set()
    if not therapist_id:
        return _attention_problem("Please choose a therapist to move it to.", 422)
    try:
        moved = services.reassign(_me(), appointment_id, therapist_id.pop(), seen_sequence=_sequence(form.sequence.data))
    except NotFound:
        abort(404)
    except GateRefused:
        return _attention_problem("That therapist can't take this appointment. Please choose another, or "
                                  "cancel it.", 409)
    except (BookingProblem, Refused) as problem:
        return _attention_problem(problem.message, getattr(problem, "status", 409))
    flash(f"Moved to {moved.therapist.display_name}. {notify.told(moved.client, 'the change')}", "success")
    return redirect(url_for("rota.attention"))


def _sequence(value: str | None) -> int | None:
    """The appointment version the page showed; None if missing or unreadable."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


@bp.post("/admin/rota/appointments/<int:appointment_id>/cancel")
@allow("admin")
def cancel(appointment_id: int):
    """Cancel it for the salon (after a confirmation); the client gets the cancellation email (or,
    without an address, the admin is asked to phone them)."""
    form = AppointmentActionForm()
    if not form.validate():
        abort(400)
    appointment = services.db_appointment(appointment_id)
    if appointment is None:
        abort(404)
    if form.confirmed.data != "1":
        return _confirm_page("Cancel this appointment?",
                             f"Cancel {services.appointment_label(appointment)}? "
                             + ("We will email the client to say the salon had to cancel." if appointment.client.email
                                else f"{appointment.client.name} has no email address: please phone them to say "
                                     "the salon had to cancel."),
                             url_for("rota.cancel", appointment_id=appointment_id), "Cancel the appointment",
                             url_for("rota.attention"),
                             fields={"confirmed": "1", "sequence": form.sequence.data or ""})
    sequence = form.sequence.data
    try:
        services.cancel_for_salon(_me(), appointment_id, seen_sequence=_sequence(sequence))
    except BookingProblem as problem:
        return _attention_problem(problem.message, problem.status)
    flash(f"Cancelled. {notify.told(appointment.client, 'the cancellation')}", "success")
    return redirect(url_for("rota.attention"))


@bp.route("/admin/rota/settings", methods=["GET", "POST"])
@allow("admin")
def settings_page():
    """The salon's switches (e.g. whether therapists manage their own time off)."""
    current = settings.therapists_manage_own_time_off()
    if request.method == "POST":
        form = SettingsForm()
        if form.validate():
            try:
                changed = services.set_setting(_me(), settings.THERAPISTS_MANAGE_OWN_TIME_OFF,
                                               bool(form.therapists_manage_own_time_off.data),
                                               seen=parse_flag(form.seen.data))
            except Stale as stale:
                form.seen.data = "1" if current else "0"
                return render_page("rota/settings.html", status=409, form=form, problem=stale.message,
                                   current=current)
            flash("Settings saved." if changed else "Nothing to change.", "success")
            return redirect(url_for("rota.settings_page"))
        return render_page("rota/settings.html", status=422, form=form, problem=None, current=current)
    form = SettingsForm(formdata=None, therapists_manage_own_time_off=current)
    form.seen.data = "1" if current else "0"
    return render_page("rota/settings.html", form=form, problem=None, current=current)


# --- a therapist's own time off ---------------------------------------------------------------


def _own_therapist():
    try:
        return services.therapist_of_user(_me())
    except NotFound:
        abort(404)


def _own_page(who, form: TimeOffForm | None = None, *, problem: str | None = None, appointments=None,
              status: int = 200):
    return render_page("rota/own_time_off.html", status=status, therapist=who,
                       time_off=services.upcoming_time_off(who.id), form=form or TimeOffForm(formdata=None),
                       allowed=settings.therapists_manage_own_time_off(), problem=problem,
                       appointments=appointments or [], today=clock.today())


@bp.get("/therapist/time-off")
@allow("therapist")
def own_time_off():
    """A therapist's own time off; adding and removing it when the salon allows."""
    return _own_page(_own_therapist())


def _own_allowed() -> None:
    if not settings.therapists_manage_own_time_off():
        abort(403)


@bp.post("/therapist/time-off")
@allow("therapist")
def add_own_time_off():
    """Add your own time off; clashing bookings are refused (the salon moves them first)."""
    who = _own_therapist()
    _own_allowed()
    form = TimeOffForm()
    interval = _interval(form) if form.validate() else None
    if interval is not None:
        try:
            services.add_time_off(_me(), who.id, *interval, form.reason.data or "")
        except Clashes as clashes:
            return _own_page(who, form, status=409, appointments=clashes.appointments,
                             problem=clashes.message + " Please ask the salon to move them first.")
        except Refused as refused:
            form.first_day.errors = [refused.message]
        else:
            flash("Your time off is saved. No bookings can be made with you then.", "success")
            return redirect(url_for("rota.own_time_off"))
    return _own_page(who, form, status=422)


@bp.post("/therapist/time-off/<int:time_off_id>/remove")
@allow("therapist")
def remove_own_time_off(time_off_id: int):
    """Remove your own time off (never anyone else's: that is a 404)."""
    who = _own_therapist()
    _own_allowed()
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    entry = services.db_time_off(time_off_id)
    if entry is None or entry.therapist_id != who.id:
        abort(404)
    if form.confirmed.data != "1":
        return _confirm_page("Remove this time off?", f"Remove your time off: {services.time_off_text(entry)}? "
                             "Clients can then book you at those times.",
                             url_for("rota.remove_own_time_off", time_off_id=time_off_id), "Remove it",
                             url_for("rota.own_time_off"), fields={"confirmed": "1"})
    services.remove_time_off(_me(), time_off_id, therapist_id=who.id)
    flash("Your time off is removed.", "success")
    return redirect(url_for("rota.own_time_off"))
