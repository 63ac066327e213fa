"""Reception pages: thin views over reception.queries (reads), booking.services and
profile.services (writes, with the acting member of staff), like the client's own pages.

Every change is a plain POST form with its CSRF token that redirects on success; the search
is a GET form that htmx re-runs as staff type, swapping only the results.

A refusal that tells staff something about the client's health (the gate's level and reason,
or the client page with its precautions) is also answered with a redirect to a page that
shows it: the request commits only below 400 (`events.commit_request`), and the health access
log entry for what staff saw must be kept. A page that shows health data with an error answer
(the GP clearance form shown again with its mistakes, the booking page's "only suitably trained
therapists" beside a time taken meanwhile) records the view with `survives_rollback`: the
request's other work rolls back, the record is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal import clock
from portal.access import allow
from portal.audit.services import record_health_access
from portal.booking import queries as booking_queries
from portal.booking import notify, rebook, services, slots
from portal.booking.forms import (BookForm, ChooseForm, DayForm, RescheduleForm, fill_choices, parse_start,
                                  seen_sequence, therapist_id)
from portal.booking.models import Appointment
from portal.booking.offer import BookingOffer, booking_offer, move_offer
from portal.booking.services import BookingProblem, GateRefused
from portal.client_guidance import guidance_for_client
from portal.formatting import local_datetime
from portal.htmx import redirect_page, render_page
from portal.profile import gate
from portal.profile import services as profile_services
from portal.reception import bp, precautions, queries
from portal.reception.forms import ClearanceForm, SearchForm
from portal.security import is_safe_next
from portal.timezones import to_local

PAST_SHOWN = 20
SCREENING_FOR_STAFF = ("Please ask the client whether any of the listed conditions applies to them, and tick "
                       "for them if none does. If one does, they tell us in their health profile first.")


@dataclass(frozen=True)
class Again:
    """The client's last massage, to book the same again around when they are next due."""

    source: Appointment
    due: date
    day: date  # the day the booking page opens on: the due date, within what can be booked
    problem: str | None = None  # why the same can't be booked again (booking's rebook.not_again)


def _staff():
    # The real User object, not the proxy: services keep it beyond the request's helpers.
    return current_user._get_current_object()


def _client(client_id: int):
    client = queries.client(client_id)
    if client is None:
        abort(404)  # a staff account, or nobody: not a client reception can act for
    return client


def _appointment(client, appointment_id: int):
    appointment = booking_queries.own_appointment(client.id, appointment_id)
    if appointment is None:
        abort(404)
    return appointment


def _refusal_logged(client, refusal, what: str):
    """A gate refusal shown to staff tells them a level: that is a view of health data."""
    if refusal is None:
        return None
    record_health_access(_staff(), client.id, what)
    return precautions.refusal(refusal)


@bp.get("")
@allow("admin")
def search():
    """Find a client by name, email or phone; htmx swaps only the results as staff type."""
    form = SearchForm(formdata=request.args)
    form.validate()  # unreadable input: search for nothing rather than fail
    text = form.q.data if not form.q.errors else ""
    page = form.page.data if form.page.data and not form.page.errors else 1
    found = queries.find_clients(text or "", page)
    return render_page("reception/search.html", block="results", form=form, found=found, text=text or "")


def _back_to_client(client, problem: BookingProblem):
    """The client's page, with why the change was refused (it shows their precautions, so it
    is drawn by a GET that logs and commits)."""
    flash(problem.message, "error")
    return redirect_page(url_for("reception.client", client_id=client.id))


def _refused(client, problem: GateRefused, target: str):
    """The health gate refused a booking or move: the level and reason, for staff, on the page
    to choose again from; the access log keeps that staff were told."""
    refusal = precautions.refusal(problem.decision)
    record_health_access(_staff(), client.id, "booking refusal at reception")
    flash(f"The health check refuses this booking. {refusal.line.text}. {refusal.to_do}", "error")
    return redirect(target)


def _again(client, upcoming: list[Appointment]) -> Again | None:
    """Same massage, therapist and salon as last time, around the due date (booking's rebook)."""
    last = booking_queries.latest_completed(client.id)
    if last is None:
        return None
    booked = booking_queries.local_days(a.starts_at for a in upcoming)
    due, _ = rebook.due_date(guidance_for_client(client.id, booked=booked))
    return Again(last, due, min(max(due, clock.today()), slots.last_bookable_day()), rebook.not_again(last))


def _client_page(client):
    in_force = queries.precautions_in_force(client.id, clock.today())
    record_health_access(_staff(), client.id, "precautions at reception")
    upcoming = booking_queries.upcoming(client.id)
    return render_page(
        "reception/client.html", client=client, upcoming=upcoming, again=_again(client, upcoming),
        past=booking_queries.history(client.id)[:PAST_SHOWN],
        lines=precautions.staff_lines(in_force) if in_force is not None else None,
        needs_clearance=precautions.needs_clearance(in_force or []),
        online={a.id for a in upcoming if slots.can_change_online(a.starts_at)},
    )


@bp.get("/<int:client_id>")
@allow("admin")
def client(client_id: int):
    """A client at reception: appointments to come and past, and their precautions (level and
    reason only); the view is written to the client's health access log."""
    return _client_page(_client(client_id))


# --- booking for the client ------------------------------------------------------------


def _offer(client, service_id, location_id, therapist, day) -> BookingOffer:
    return booking_offer(client.id, service_id, location_id, therapist, day, lambda: guidance_for_client(client.id),
                         for_staff=True)


def _booking_page(client, offer: BookingOffer, problem: BookingProblem | None = None, status: int = 200):
    form = fill_choices(ChooseForm(formdata=None), offer)
    here = url_for("reception.book", client_id=client.id, service=form.service.data, location=form.location.data,
                   therapist=form.therapist.data, day=offer.day.isoformat())
    # A refusing offer only comes with a 200 (a refused POST redirects here, see _refused).
    refusal = _refusal_logged(client, offer.refusal, "booking refusal at reception") if status < 400 else None
    # Saying that only suitably trained therapists are offered tells staff what the health profile
    # asks: recorded, also on a page answered with an error (a time taken meanwhile, 409).
    trained_only = offer.pregnancy_trained_only and offer.refusal is None
    if trained_only:
        record_health_access(_staff(), client.id, "booking at reception: trained therapists only",
                             survives_rollback=True)
    return render_page("reception/book.html", block="slots", status=status, client=client, form=form, offer=offer,
                       problem=problem, refusal=refusal, here=here, trained_only=trained_only)


@bp.get("/<int:client_id>/book")
@allow("admin")
def book(client_id: int):
    """Book for the client: choose a massage, salon, therapist and day, then a free time
    (inside the online notice too); the health gate decides as for the client."""
    client = _client(client_id)
    form = ChooseForm(formdata=request.args)
    form.validate()
    return _booking_page(client, _offer(client, form.service.data, form.location.data,
                                        therapist_id(form.therapist.data), form.day.data))


@bp.post("/<int:client_id>/book")
@allow("admin")
def create(client_id: int):
    """Book the chosen time for the client; a refusal shows the page again with the reason."""
    client = _client(client_id)
    form = BookForm()
    starts_at = parse_start(form.starts_at.data)
    if form.validate():
        try:
            booked = services.book(client, services.BookingRequest(
                service_id=form.service.data, location_id=form.location.data,
                therapist_id=therapist_id(form.therapist.data), starts_at=starts_at,
                idempotency_key=form.idempotency_key.data,
                screening_confirmed=bool(form.screening_confirmed.data),
            ), by=_staff())
        except GateRefused as problem:
            return _refused(client, problem, url_for(
                "reception.book", client_id=client.id, service=form.service.data, location=form.location.data,
                therapist=form.therapist.data or None, day=to_local(starts_at).date().isoformat()))
        except services.ScreeningRequired:
            failure = BookingProblem(SCREENING_FOR_STAFF)
        except BookingProblem as problem:
            failure = problem
        else:
            appointment = booked.appointment
            flash(f"Booked for {client.name}: {appointment.service.name}, "
                  f"{local_datetime(appointment.starts_at, '%A {day} %B at %H:%M')}. {notify.told(client, 'the details')}"
                  if booked.created else "This was already booked: here it is.", "success")
            return redirect(url_for("reception.client", client_id=client.id))
    else:
        failure = BookingProblem(next(iter(form.errors.values()))[0])
    offer = _offer(client, form.service.data, form.location.data, therapist_id(form.therapist.data),
                   to_local(starts_at).date() if starts_at else None)
    return _booking_page(client, offer, failure, failure.status)


# --- moving and cancelling ---------------------------------------------------------------


def _move_page(client, appointment, day=None, problem: BookingProblem | None = None, status: int = 200):
    offer = move_offer(appointment, day, for_staff=True)
    refusal = _refusal_logged(client, offer.refusal, "booking refusal at reception") if status < 400 else None
    return render_page("reception/move.html", block="slots", status=status, client=client, appointment=appointment,
                       offer=offer, problem=problem, refusal=refusal, form=DayForm(formdata=None, day=offer.day))


@bp.get("/<int:client_id>/appointments/<int:appointment_id>/move")
@allow("admin")
def move(client_id: int, appointment_id: int):
    """Free times to move the client's appointment to (inside the cancellation window too)."""
    client = _client(client_id)
    _appointment(client, appointment_id)
    form = DayForm(formdata=request.args)
    form.validate()
    try:
        appointment = services.changeable(client, appointment_id, by=_staff())
    except BookingProblem as problem:
        return _back_to_client(client, problem)
    return _move_page(client, appointment, form.day.data)


@bp.post("/<int:client_id>/appointments/<int:appointment_id>/move")
@allow("admin")
def reschedule(client_id: int, appointment_id: int):
    """Move the client's appointment to the chosen free time; the client is emailed (or, without
    an address, staff are asked to phone them)."""
    client = _client(client_id)
    _appointment(client, appointment_id)
    form = RescheduleForm()
    starts_at = parse_start(form.starts_at.data)
    try:
        if not form.validate():
            raise BookingProblem(next(iter(form.errors.values()))[0])
        services.reschedule(client, appointment_id, starts_at, therapist_id(form.therapist.data),
                            seen_sequence=seen_sequence(request.form.get("sequence")), by=_staff())
    except GateRefused as problem:
        return _refused(client, problem, url_for("reception.move", client_id=client.id, appointment_id=appointment_id,
                                                 day=to_local(starts_at).date().isoformat()))
    except BookingProblem as problem:
        appointment = _appointment(client, appointment_id)
        if isinstance(problem, (services.TooLateToChange, services.AppointmentChanged)) or appointment.is_cancelled:
            return _back_to_client(client, problem)
        return _move_page(client, appointment, to_local(starts_at).date() if starts_at else None, problem,
                          problem.status)
    flash(f"Moved. {notify.told(client, 'the new time')}", "success")
    return redirect(url_for("reception.client", client_id=client.id))


@bp.post("/<int:client_id>/appointments/<int:appointment_id>/cancel")
@allow("admin")
def cancel(client_id: int, appointment_id: int):
    """Cancel the client's appointment (inside the cancellation window too); the client is emailed
    (or, without an address, staff are asked to phone them)."""
    client = _client(client_id)
    _appointment(client, appointment_id)
    try:
        services.cancel(client, appointment_id, seen_sequence=seen_sequence(request.form.get("sequence")),
                        by=_staff())
    except BookingProblem as problem:
        return _back_to_client(client, problem)
    flash(f"Cancelled, and that time is free again. {notify.told(client, 'the cancellation')}", "success")
    return redirect(url_for("reception.client", client_id=client.id))


# --- the GP clearance the client shows ---------------------------------------------------


def _clearance_page(client, form: ClearanceForm, covers: list[str], back: str, status: int = 200,
                    problem: str | None = None):
    """The form with the conditions a clearance covers (or that none needs one): health data, so
    the view is recorded, and kept when the form is shown again with its mistakes (422), where
    the request's other work rolls back."""
    record_health_access(_staff(), client.id, "GP clearance form at reception", survives_rollback=True)
    return render_page("reception/clearance.html", status=status, client=client, form=form, covers=covers,
                       back=back, problem=problem)


@bp.route("/<int:client_id>/clearance", methods=["GET", "POST"])
@allow("admin")
def clearance(client_id: int):
    """Record the GP clearance the client shows: who gave it, when, and the conditions it
    covers (those on the profile now). It lifts "ask your GP first"; then the booking goes
    through. The conditions are health data: this page is written to the access log."""
    client = _client(client_id)
    target = request.args.get("next")
    back = target if is_safe_next(target) else url_for("reception.client", client_id=client.id)
    covers = profile_services.clearable_conditions(gate.content_for_use(client.id))
    form = ClearanceForm(today=clock.today())
    if request.method == "GET":
        return _clearance_page(client, form, covers, back)
    if not covers:
        return _clearance_page(client, form, covers, back, 422,
                               "Nothing on this client's health profile needs a GP's clearance.")
    if not form.validate():
        return _clearance_page(client, form, covers, back, 422)
    try:
        profile_services.record_clearance(_staff(), client, form.cleared_on.data, form.source.data,
                                          today=form.today)
    except profile_services.ClearanceRefused as refused:
        return _clearance_page(client, form, covers, back, 422, str(refused))
    flash(f"GP clearance recorded for {client.name}. You can book for them now.", "success")
    return redirect(back)
