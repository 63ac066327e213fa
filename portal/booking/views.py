"""Booking pages: thin views over offer (reads), services (writes) and calendar (files).

Every state change is a plain POST form with its CSRF token that redirects on success, so the
whole flow works without JavaScript; htmx only swaps the list of free times in place.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user

from portal.access import allow, public
from portal import clock
from portal.booking import bp, calendar, queries, rebook, recheck, services, slots
from portal.booking.forms import (BookForm, ChooseForm, DayForm, RescheduleForm, ScreeningForm, parse_start,
                                  seen_sequence, therapist_id)
from portal.booking.offer import BookingOffer, booking_offer, move_offer
from portal.booking.services import BookingProblem
from portal.client_guidance import guidance_for_client
from portal.feedback.meaning import RELIEF_RULE_IN_WORDS, RULE_IN_WORDS
from portal.feedback.pain import session_outcomes
from portal.htmx import render_page
from portal.profile import gate
from portal.profile.services import has_consent
from portal.salon import queries as salon_queries
from portal.timezones import to_local
from portal.urls import external_url

FEED_TOKEN_KEY = "booking_new_calendar_feed"


def _client():
    # The real User object, not the proxy: services keep it beyond the request's helpers.
    return current_user._get_current_object()


def _own(appointment_id: int):
    appointment = queries.own_appointment(current_user.id, appointment_id)
    if appointment is None:
        abort(404)  # someone else's looks exactly like one that doesn't exist
    return appointment


def _choices(form: ChooseForm, offer: BookingOffer) -> ChooseForm:
    """Fill the choice lists from the offer and show what it settled on."""
    form.service.choices = [(s.id, f"{s.name} · {s.minutes} min · {s.price_display}") for s in offer.services]
    form.location.choices = [(loc.id, loc.name) for loc in offer.locations]
    form.therapist.choices = [("any", "Any suitable therapist")] + [
        (str(t.id), f"{t.display_name} ({', '.join(loc.name for loc in t.locations)})") for t in offer.therapists
    ]
    form.service.data = offer.service.id if offer.service else None
    form.location.data = offer.location.id if offer.location else None
    form.therapist.data = offer.therapist_value
    form.day.data = offer.day
    return form


def _booking_page(offer: BookingOffer, problem: BookingProblem | None = None, status: int = 200):
    form = _choices(ChooseForm(formdata=None), offer)
    return render_page("booking/book.html", block="slots", status=status, form=form, offer=offer,
                       problem=problem)


@bp.get("/book")
@allow("client")
def book():
    """Choose a massage, salon, therapist and day, then a free time; htmx swaps only the times."""
    form = ChooseForm(formdata=request.args)
    form.validate()  # unreadable choices come back as None and fall back to defaults
    offer = booking_offer(current_user.id, form.service.data, form.location.data,
                          therapist_id(form.therapist.data), form.day.data, guidance_for_client(current_user.id))
    return _booking_page(offer)


@bp.post("/book")
@allow("client")
def create():
    """Book the chosen time; a clash or a refusal shows the page again with fresh free times."""
    form = BookForm()
    starts_at = parse_start(form.starts_at.data)
    if form.validate():
        try:
            booked = services.book(_client(), services.BookingRequest(
                service_id=form.service.data, location_id=form.location.data,
                therapist_id=therapist_id(form.therapist.data), starts_at=starts_at,
                idempotency_key=form.idempotency_key.data,
                screening_confirmed=bool(form.screening_confirmed.data),
            ))
        except BookingProblem as problem:
            failure = problem
        else:
            flash("Your massage is booked. We have emailed you the details." if booked.created
                  else "You had already booked this: here it is.", "success")
            return redirect(url_for("booking.appointment", appointment_id=booked.appointment.id))
    else:
        failure = BookingProblem(next(iter(form.errors.values()))[0])
    offer = booking_offer(current_user.id, form.service.data, form.location.data,
                          therapist_id(form.therapist.data), to_local(starts_at).date() if starts_at else None,
                          guidance_for_client(current_user.id))
    return _booking_page(offer, failure, failure.status)


@bp.get("/appointments")
@allow("client")
def appointments():
    """Upcoming and past appointments, the private calendar feed, and other ways to book."""
    upcoming = queries.upcoming(current_user.id)
    token = session.pop(FEED_TOKEN_KEY, None)  # a new feed address is shown once, right after it is made
    feed_url = external_url("booking.calendar_feed", token=token) if token else None
    return render_page(
        "booking/appointments.html", upcoming=upcoming, history=queries.history(current_user.id),
        outcomes=session_outcomes(current_user.id) if has_consent(current_user.id) else {},
        change_rule=RULE_IN_WORDS, relief_rule=RELIEF_RULE_IN_WORDS,
        changeable={a.id for a in upcoming if slots.can_change_online(a.starts_at)},
        feed=services.calendar_feed(_client()), feed_url=feed_url,
        locations=salon_queries.locations(),
    )


def _appointment_page(appointment, problem: BookingProblem | None = None, status: int = 200):
    return render_page(
        "booking/appointment.html", status=status, appointment=appointment, problem=problem,
        upcoming=not appointment.is_cancelled and appointment.starts_at > clock.now(),
        changeable=not appointment.is_cancelled and slots.can_change_online(appointment.starts_at),
        hold=recheck.advice(appointment), screening=gate.screening_conditions(),
        locations=salon_queries.locations(),
        window_hours=current_app.config["CANCELLATION_WINDOW_HOURS"],
    )


@bp.get("/appointments/<int:appointment_id>")
@allow("client")
def appointment(appointment_id: int):
    """One appointment: details, add to calendar, move or cancel it (or whom to call), book again."""
    return _appointment_page(_own(appointment_id))


@bp.post("/appointments/<int:appointment_id>/cancel")
@allow("client")
def cancel(appointment_id: int):
    """Cancel an appointment outside the cancellation window; its time is free again at once."""
    try:
        services.cancel(_client(), appointment_id, seen_sequence=seen_sequence(request.form.get("sequence")))
    except BookingProblem as problem:
        return _appointment_page(_own(appointment_id), problem, problem.status)
    flash("Your appointment is cancelled and that time is free again. We have emailed you.", "success")
    return redirect(url_for("booking.appointments"))


def _move_page(appointment, day=None, problem: BookingProblem | None = None, status: int = 200):
    offer = move_offer(appointment, day)
    return render_page("booking/move.html", block="slots", status=status, appointment=appointment,
                       offer=offer, problem=problem, locations=salon_queries.locations(),
                       form=DayForm(formdata=None, day=offer.day))


@bp.get("/appointments/<int:appointment_id>/move")
@allow("client")
def move(appointment_id: int):
    """Free times to move an appointment to (same massage, therapist and salon)."""
    form = DayForm(formdata=request.args)
    form.validate()
    try:
        appointment = services.changeable(_client(), appointment_id)
    except BookingProblem as problem:
        return _appointment_page(_own(appointment_id), problem, problem.status)
    return _move_page(appointment, form.day.data)


@bp.post("/appointments/<int:appointment_id>/move")
@allow("client")
def reschedule(appointment_id: int):
    """Move the appointment to the chosen free time; refused inside the cancellation window."""
    form = RescheduleForm()
    starts_at = parse_start(form.starts_at.data)
    try:
        if not form.validate():
            raise BookingProblem(next(iter(form.errors.values()))[0])
        services.reschedule(_client(), appointment_id, starts_at, therapist_id(form.therapist.data),
                            seen_sequence=seen_sequence(request.form.get("sequence")))
    except (services.TooLateToChange, services.AppointmentChanged) as problem:
        return _appointment_page(_own(appointment_id), problem, problem.status)
    except BookingProblem as problem:
        appointment = _own(appointment_id)
        return _move_page(appointment, to_local(starts_at).date() if starts_at else None, problem, problem.status)
    flash("Your appointment has moved. We have emailed you the new time.", "success")
    return redirect(url_for("booking.appointment", appointment_id=appointment_id))


@bp.post("/appointments/<int:appointment_id>/screening")
@allow("client")
def confirm_screening(appointment_id: int):
    """The client confirms, for this appointment, that none of the listed conditions applies."""
    form = ScreeningForm()
    try:
        if not form.validate():
            raise BookingProblem(next(iter(form.errors.values()))[0])
        services.confirm_screening(_client(), appointment_id)
    except BookingProblem as problem:
        return _appointment_page(_own(appointment_id), problem, problem.status)
    flash("Thank you: your therapist will check with you in person before they start.", "success")
    return redirect(url_for("booking.appointment", appointment_id=appointment_id))


@bp.get("/appointments/<int:appointment_id>/rebook")
@allow("client")
def rebook_offer(appointment_id: int):
    """The same massage, therapist and salon again: free times nearest when you are next due."""
    proposal = rebook.proposal(current_user.id, _own(appointment_id), guidance_for_client(current_user.id))
    return render_page("booking/rebook.html", block="proposal", proposal=proposal)


def _ics(body: bytes, filename: str | None = None) -> Response:
    response = Response(body, content_type="text/calendar; charset=utf-8")
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/appointments/<int:appointment_id>/calendar.ics")
@allow("client")
def appointment_ics(appointment_id: int):
    """This appointment as an .ics file for any calendar app."""
    appointment = _own(appointment_id)
    day = to_local(appointment.starts_at).strftime("%Y-%m-%d")
    return _ics(calendar.appointment_ics(appointment), f"mesmerising-beauty-{day}.ics")


@bp.post("/appointments/calendar-feed")
@allow("client")
def new_calendar_feed():
    """Make a new private calendar address; the old one, if any, stops working."""
    session[FEED_TOKEN_KEY] = services.new_calendar_feed(_client())
    flash("Here is your new private calendar address. Any earlier one has stopped working.", "success")
    return redirect(url_for("booking.appointments") + "#calendar-feed")


@bp.post("/appointments/calendar-feed/stop")
@allow("client")
def stop_calendar_feed():
    """Turn the private calendar feed off."""
    services.stop_calendar_feed(_client())
    flash("Your calendar feed is off: its address no longer works.", "success")
    return redirect(url_for("booking.appointments") + "#calendar-feed")


@bp.get("/calendar/<token>.ics")
@public
def calendar_feed(token: str):
    """A client's appointments for their calendar app; the unguessable address is the key."""
    owner = services.feed_owner(token)
    if owner is None:
        abort(404)
    response = _ics(calendar.feed_ics(queries.for_feed(owner.id, calendar.feed_since())))
    # Calendar apps poll; don't let a shared cache keep someone's diary.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
