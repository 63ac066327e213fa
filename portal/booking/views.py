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
from portal.booking.forms import (BookForm, ChooseForm, ChosenTimeForm, DayForm, RescheduleForm, ScreeningForm,
                                  chosen_time_data, fill_choices, optional_id, parse_start, seen_sequence, therapist_id)
from portal.booking.offer import BookingOffer, BookingSummary, booking_offer, booking_summary, move_offer
from portal.booking.services import BookingProblem
from portal.client_guidance import guidance_for_client
from portal.formatting import clock_time
from portal.feedback.pain import session_outcomes
from portal.htmx import instead_of_page, is_htmx, render_page, swappable, wants_fragment
from portal.profile import gate
from portal.profile.services import has_consent
from portal.salon import catalogue_cache
from portal.timezones import to_local
from portal.urls import external_url, url_for_each

FEED_TOKEN_KEY = "booking_new_calendar_feed"


def _client():
    # The real User object, not the proxy: services keep it beyond the request's helpers.
    return current_user._get_current_object()


def _own(appointment_id: int):
    appointment = queries.own_appointment(current_user.id, appointment_id)
    if appointment is None:
        abort(404)  # someone else's looks exactly like one that doesn't exist
    return appointment


def _booking_page(offer: BookingOffer, problem: BookingProblem | None = None, status: int = 200,
                  chosen=None):
    # The full page only: the choices and the salons' booking-site links sit outside the swapped free times.
    fragment = wants_fragment()
    form = None if fragment else fill_choices(ChooseForm(formdata=None), offer)
    locations = [] if fragment else catalogue_cache.locations()
    return render_page("booking/book.html", block="slots", status=status, form=form, offer=offer,
                       problem=problem, chosen=chosen, chosen_label=clock_time(chosen) if chosen else None,
                       locations=locations)


@bp.get("/book")
@allow("client")
def book():
    """Choose a massage, salon, therapist and day, then a free time; htmx swaps only the times."""
    form = ChooseForm(formdata=request.args)
    form.validate()  # unreadable choices come back as None and fall back to defaults
    offer = booking_offer(current_user.id, form.service.data, form.location.data,
                          therapist_id(form.therapist.data), form.day.data,
                          lambda: guidance_for_client(current_user.id))
    # ?at=: the time a visitor chose on the public free-times page before logging in.
    return _booking_page(offer, chosen=parse_start(request.args.get("at")))


def _rebook_source(appointment_id: int | None):
    """The client's own appointment a chosen time was rebooked from, if any (else None)."""
    return queries.own_appointment(current_user.id, appointment_id) if appointment_id else None


def _confirm_page(summary: BookingSummary, source=None, problem: BookingProblem | None = None, status: int = 200):
    """The summary of a chosen time with Confirm and Back: a page, or in place with htmx."""
    if source is not None:
        back_url, back_target = url_for("booking.rebook_offer", appointment_id=source.id), "#rebook-proposal"
    else:
        back_url = url_for("booking.book", service=summary.service.id, location=summary.location.id,
                           therapist=summary.chosen_therapist, day=summary.day.isoformat())
        back_target = "#slots"
    guidance = guidance_for_client(current_user.id)
    return render_page(
        "booking/confirm.html", block="confirm", status=status, summary=summary, problem=problem,
        back_url=back_url, back_target=back_target, rebook_from=source.id if source is not None else None,
        # In place of the free times the summary names the region they named.
        heading_id="slots-heading" if back_target == "#slots" and is_htmx() else "confirm-heading",
        precautions=guidance.precautions, window_hours=current_app.config["CANCELLATION_WINDOW_HOURS"],
    )


def _not_confirmable(form, problem: BookingProblem, source, starts_at):
    """The chosen time can't be booked after all: the times again (the rebook offer when it came
    from there), with the reason. 200, so htmx swaps it in place."""
    if source is not None:
        guidance = guidance_for_client(current_user.id)
        return render_page("booking/rebook.html", block="proposal", problem=problem,
                           proposal=rebook.proposal(current_user.id, source, guidance))
    offer = booking_offer(current_user.id, form.service.data, form.location.data,
                          therapist_id(form.therapist.data), to_local(starts_at).date() if starts_at else None,
                          lambda: guidance_for_client(current_user.id))
    return _booking_page(offer, problem)


@bp.get("/book/confirm")
@allow("client")
def confirm():
    """A chosen free time, summed up (massage, therapist, salon, time, price, length, the
    cancellation policy, any precaution) with Confirm and Back; nothing is booked until Confirm."""
    form = ChosenTimeForm(formdata=chosen_time_data(request.args))
    valid = form.validate()
    starts_at = parse_start(form.starts_at.data)
    # Only a rebook id that passed its checks is looked up: one past any row's id cannot be sent.
    source = None if form.rebook.errors else _rebook_source(form.rebook.data)
    if not valid:
        return _not_confirmable(form, BookingProblem(next(iter(form.errors.values()))[0]), source, starts_at)
    summary = booking_summary(current_user.id, form.service.data, form.location.data,
                              therapist_id(form.therapist.data), starts_at,
                              form.idempotency_key.data or services.new_idempotency_key())
    if summary is None:
        return _not_confirmable(form, BookingProblem("We don't offer that massage there. Please choose again."),
                                source, starts_at)
    if summary.refusal is not None:
        return _not_confirmable(form, services.GateRefused(summary.refusal), source, starts_at)
    if summary.problem:
        return _not_confirmable(form, BookingProblem(summary.problem), source, starts_at)
    return _confirm_page(summary, source)


@bp.post("/book")
@allow("client")
def create():
    """Book the confirmed time; a clash or a refusal shows the page again with fresh free times,
    a missing screening tick the summary again."""
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
        except services.ScreeningRequired as problem:
            summary = booking_summary(current_user.id, form.service.data, form.location.data,
                                      therapist_id(form.therapist.data), starts_at, form.idempotency_key.data)
            if summary is not None and summary.therapist is not None:
                summary.chosen_therapist = _chosen_therapist(request.form.get("chosen_therapist"), summary)
                source = _rebook_source(optional_id(request.form.get("rebook")))
                return _confirm_page(summary, source, problem, problem.status)
            failure = problem
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
                          lambda: guidance_for_client(current_user.id))
    return _booking_page(offer, failure, failure.status)


def _chosen_therapist(value: str | None, summary: BookingSummary) -> str:
    """The client's own therapist choice, carried through the summary for the way back."""
    chosen = therapist_id(value)
    if chosen is None:
        return "any"
    return str(chosen) if chosen > 0 else str(summary.therapist.id)


@bp.get("/appointments")
@allow("client")
def appointments():
    """Upcoming and past appointments, the private calendar feed, and other ways to book."""
    upcoming, history = queries.upcoming_and_history(current_user.id)
    token = session.pop(FEED_TOKEN_KEY, None)  # a new feed address is shown once, right after it is made
    feed_url = external_url("booking.calendar_feed", token=token) if token else None
    feed = queries.calendar_feed_and_profile(current_user.id)  # and the profile has_consent reads
    return render_page(
        "booking/appointments.html", upcoming=upcoming, history=history,
        outcomes=session_outcomes(current_user.id) if has_consent(current_user.id) else {},
        changeable={a.id for a in upcoming if slots.can_change_online(a.starts_at)},
        feed=feed, feed_url=feed_url,
        locations=catalogue_cache.locations(),
        appointment_url=url_for_each("booking.appointment"), move_url=url_for_each("booking.move"),
        ics_url=url_for_each("booking.appointment_ics"), rebook_url=url_for_each("booking.rebook_offer"),
    )


def _appointment_page(appointment, problem: BookingProblem | None = None, status: int = 200):
    """The appointment, with `problem` (a refusal) at the top: htmx asking for a fragment (the
    move page's day, the cancel question) gets this page, 200, in place of the whole page."""
    response = render_page(
        "booking/appointment.html", status=swappable(status), appointment=appointment, problem=problem,
        upcoming=not appointment.is_cancelled and appointment.starts_at > clock.now(),
        changeable=not appointment.is_cancelled and slots.can_change_online(appointment.starts_at),
        hold=recheck.advice(appointment), screening=gate.screening_conditions(),
        locations=catalogue_cache.locations(),
        window_hours=current_app.config["CANCELLATION_WINDOW_HOURS"],
    )
    if problem is None:
        return response
    return instead_of_page(response, url_for("booking.appointment", appointment_id=appointment.id))


@bp.get("/appointments/<int:appointment_id>")
@allow("client")
def appointment(appointment_id: int):
    """One appointment: details, add to calendar, move or cancel it (or whom to call), book again."""
    return _appointment_page(_own(appointment_id))


@bp.get("/appointments/<int:appointment_id>/cancel")
@allow("client")
def cancel_confirm(appointment_id: int):
    """"Are you sure?": the appointment to cancel, with Yes (the POST that cancels) and No. A page
    without JavaScript; with htmx it replaces the cancel button in place. Nothing changes here."""
    own = _own(appointment_id)
    try:
        appointment = services.cancellable(_client(), appointment_id)
    except BookingProblem as problem:
        return _appointment_page(own, problem, problem.status)
    # The version the page that asked showed, so a change made meanwhile elsewhere is not overwritten.
    seen = seen_sequence(request.args.get("sequence"))
    return render_page("booking/cancel.html", block="confirm", appointment=appointment,
                       sequence=appointment.sequence if seen is None else seen,
                       free_inside_window=not slots.can_change_online(appointment.starts_at))


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
                       offer=offer, problem=problem, locations=catalogue_cache.locations(),
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
