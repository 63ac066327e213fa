"""Booking writes: book, reschedule, cancel, calendar feed tokens.

Each takes plain data and the acting client, re-checks everything on the server (the page
may be stale, the request hand-made), and flushes: whoever started the work (the request's
`events.commit_request`, a CLI command, a test) commits once, and the emails follow that commit
as listeners of the booking signals. The database has the last word on clashes: see
`portal.booking.guard` and `AppointmentSlot`; a clash rolls back only its own SAVEPOINT.

A refusal (a `BookingProblem`) still rolls the session back inside `book`, `reschedule` and
`cancel`: that lets go of the client's and the appointment's row locks before the refusal page
is drawn, and the retries in `book` then read afresh. So a refused booking also undoes what the
caller did before it in the same transaction: call these first, or on their own.

Staff (reception) book, move and cancel for a client through the same functions, passing
themselves as `by=`: the health gate and every diary rule still apply, but the online notice,
the cancellation window and the online limit on upcoming bookings do not (the client is on the
phone or at the desk), and each change is written to the back-office activity log
(`audit.services.record_change`: times, therapist, service, status; never health data).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.exceptions import NotFound

from portal import clock, events
from portal.accounts.models import User
from portal.audit.services import record_change
from portal.booking import availability, notify, queries, recheck, slots
from portal.booking.forms import UNKNOWN_THERAPIST_MESSAGE
from portal.booking.guard import held_cells
from portal.accounts.locks import lock_client
from portal.booking.locks import lock_appointment
from portal.booking.models import BOOKED, CANCELLED, Appointment, AppointmentSlot, CalendarFeed
from portal.extensions import db
from portal.formatting import local_datetime
from portal.guidance.rules import BookingDecision
from portal.profile import gate
from portal.roles import STAFF
from portal.salon import queries as salon_queries
from portal.salon.locks import lock_therapist
from portal.salon.models import Location, Service, Therapist
from portal.signals import appointment_booked, appointment_cancelled, appointment_moved
from portal.timezones import to_local

log = logging.getLogger("portal.booking")

DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


class BookingProblem(Exception):
    """A booking, move or cancellation the salon won't do, with words for the client."""

    status = 422

    def __init__(self, message: str, reasons: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.reasons = reasons or []


class NotOffered(BookingProblem):
    """A service, location or therapist that can't be booked together (or doesn't exist)."""


class TimeNotOffered(BookingProblem):
    """Off the grid, in the past, too soon, too far ahead or outside the therapist's hours."""


class SlotTaken(BookingProblem):
    """Someone else got there first."""

    status = 409


class GateRefused(BookingProblem):
    """The health profile says not now, or ask your GP first."""

    status = 403

    def __init__(self, decision: BookingDecision):
        super().__init__("We can't book this massage for you online yet.", decision.reasons)
        self.decision = decision


class ScreeningRequired(BookingProblem):
    """No consented health profile, and the screening question was not confirmed."""

    def __init__(self):
        super().__init__("Please confirm that none of the listed conditions applies to you, "
                         "or tell us about your health in your profile first.")


class TooLateToChange(BookingProblem):
    """Inside the cancellation window: the client is asked to call the salon."""

    status = 409


class AppointmentChanged(BookingProblem):
    """Another request (another window, tab or device) changed this appointment first."""

    status = 409

    def __init__(self):
        super().__init__("This appointment was just changed in another window: here it is now.")


class ClientDiaryFull(BookingProblem):
    """The client is already booked then, or already has as many upcoming bookings as we take."""

    status = 409


class FormAlreadyUsed(BookingProblem):
    """A booking form's key came back with a different choice than the booking it made."""

    status = 409


class AppointmentNotFound(NotFound):
    """Missing, or someone else's: the two look the same from outside."""


@dataclass(frozen=True)
class BookingRequest:
    service_id: int
    location_id: int
    therapist_id: int | None  # None: any suitable therapist
    starts_at: datetime
    idempotency_key: str
    # The client ticked "none of these applies to me" (asked only without a consented profile).
    screening_confirmed: bool = False


@dataclass(frozen=True)
class Booked:
    appointment: Appointment
    created: bool  # False: the same form came back and this is the booking it already made


def new_idempotency_key() -> str:
    """Put in each booking form when it is drawn, so sending it twice books once."""
    return str(uuid.uuid4())


def _by_staff(client: User, by: User | None) -> bool:
    """Is a member of staff acting for the client? `by` None (or the client): the client."""
    if by is None or by.id == client.id:
        return False
    if by.role not in STAFF:
        raise PermissionError("only staff act for another person")
    return True


def _label(appointment: Appointment) -> str:
    """What the activity log calls an appointment: whose, which massage (no health data)."""
    return f"{appointment.service.name} for {appointment.client.name}"


def _record(by: User, action: str, appointment: Appointment, changes: dict) -> None:
    record_change(by, action, "appointment", appointment.id, _label(appointment), changes)


def book(client: User, request: BookingRequest, *, by: User | None = None) -> Booked:
    """Book a massage for `client`, or explain why not; a repeated form returns the first booking.

    `by`: the member of staff booking for the client (see the module docstring)."""
    staff = _by_staff(client, by)
    earlier = queries.by_idempotency_key(client.id, request.idempotency_key)
    if earlier is not None:
        return _same_form(earlier, request)
    try:
        booked = _book(client, request, staff)
    except BookingProblem as problem:
        db.session.rollback()  # let go of the client's row before the page is drawn
        if isinstance(problem, FormAlreadyUsed):
            raise
        # A twin of this request (a double-click, the same form in another tab) may have
        # booked it meanwhile, making the time look taken: then that booking is the answer.
        earlier = queries.by_idempotency_key(client.id, request.idempotency_key)
        if earlier is not None:
            return _same_form(earlier, request)
        raise
    if staff and booked.created:
        appointment = booked.appointment
        _record(by, "created", appointment, {
            "starts_at": (None, appointment.starts_at), "therapist": (None, appointment.therapist.display_name),
            "service": (None, appointment.service.name), "location": (None, appointment.location.name),
            "status": (None, appointment.status)})
    return booked


def _same_form(earlier: Appointment, request: BookingRequest) -> Booked:
    """The booking this form already made, if the form asks for the same thing again.

    A key that comes back with another time (the form re-sent after editing, or kept open and
    reused) is not a retry: saying "you had already booked this" would be false.
    """
    same = (earlier.starts_at == request.starts_at and earlier.service_id == request.service_id
            and earlier.location_id == request.location_id
            and request.therapist_id in (None, earlier.therapist_id))
    if not same:
        raise FormAlreadyUsed(
            f"This form was already used to book {local_datetime(earlier.starts_at)}. "
            "Please choose the time again from the free times below.")
    return Booked(earlier, created=False)


def _book(client: User, request: BookingRequest, staff: bool = False) -> Booked:
    service, location = _offered_service(request.service_id), _location(request.location_id)
    if not salon_queries.offered_at(service.id, location.id):
        raise NotOffered(f"{location.name} doesn't offer the {service.name}. Please choose another salon.")
    # Without a consented profile the gate has nothing to read: the client's tick stands in.
    screened_at = None
    if gate.screening_needed(client.id):
        if not request.screening_confirmed:
            raise ScreeningRequired()
        screened_at = clock.now()
    on = to_local(request.starts_at).date()
    if request.therapist_id is None:
        candidates = [t for t in slots.active_therapists() if slots.works_at(t, location.id)]
    else:
        therapist = db.session.get(Therapist, request.therapist_id)
        if therapist is None or not therapist.active or not slots.works_at(therapist, location.id):
            raise NotOffered(UNKNOWN_THERAPIST_MESSAGE)
        candidates = [therapist]
    suitable = slots.suitable_therapists(client.id, service, on, candidates)
    if suitable.refusal is not None:
        raise GateRefused(suitable.refusal)
    if not suitable.therapists:
        raise NotOffered("No therapist at that salon can offer you this massage. Please choose again.")

    # "Any suitable": try each free therapist in turn; a clash with one is no reason to give up.
    refusals: list[tuple[Therapist, str]] = []
    unsuited: BookingProblem | None = None  # refused once read under the lock (changed meanwhile)
    for therapist in suitable.therapists:
        # Each attempt holds the client's row (a clash rolls back and lets go of it), so two
        # bookings by one client take turns and the second sees the first.
        lock_client(client.id)
        earlier = queries.by_idempotency_key(client.id, request.idempotency_key)
        if earlier is not None:  # a twin of this form got there while we waited
            return _same_form(earlier, request)
        _check_client_diary(client.id, request.starts_at, request.starts_at + timedelta(minutes=service.minutes),
                            staff=staff)
        reason = _recheck_locked(therapist, location.id, service, request.starts_at, for_staff=staff)
        if reason is None:
            unsuited = _unsuited_now(client.id, service, therapist, request.starts_at)
            if unsuited is not None:
                continue  # "any suitable": the next one may still do
            appointment = insert_if_free(client, service, location, therapist, request,
                                         screening_confirmed_at=screened_at, announce=True)
            if appointment is not None:
                return Booked(appointment, created=True)
            # Lost a race. If it was against ourselves (a double-click), that booking is ours.
            earlier = queries.by_idempotency_key(client.id, request.idempotency_key)
            if earlier is not None:
                return Booked(earlier, created=False)
            reason = availability.TAKEN
        refusals.append((therapist, reason))
    if unsuited is not None and not refusals:
        raise unsuited
    raise _unavailable(refusals, location, anyone=request.therapist_id is None)


def _recheck_locked(therapist: Therapist, location_id: int, service: Service, starts_at: datetime,
                    **options) -> str | None:
    """`slots.recheck` on the therapist's hours and standing as they are now, held until the
    booking commits (`lock_therapist`): hours cut or a therapist taken off the rota meanwhile refuse
    it, and a change after it sees it. None if bookable, else the reason code."""
    current = lock_therapist(therapist.id)
    if current is None or not current.active or not slots.works_at(current, location_id):
        return availability.OUTSIDE_HOURS
    return slots.recheck(current, location_id, service, starts_at, **options)


def _unsuited_now(client_id: int, service: Service, therapist: Therapist, starts_at: datetime) -> BookingProblem | None:
    """After `_recheck_locked` (which read the therapist's services and qualifications again):
    the refusal if they no longer give the massage or the health gate no longer allows them, else
    None. A change to either made meanwhile either committed before the lock (and is read here)
    or waits for this booking to commit (and the re-check after it sees this booking)."""
    if not therapist.gives(service):  # unticked on their page since the page was drawn, say
        return NotOffered(f"{therapist.display_name} doesn't give the {service.name}. Please choose another therapist.")
    decision = gate.check_booking(client_id, service, therapist, to_local(starts_at).date())
    return None if decision.allowed else GateRefused(decision)


def _unavailable(refusals: list[tuple[Therapist, str]], location: Location, anyone: bool) -> BookingProblem:
    """The one refusal to show when no therapist could take the time."""
    # Time-only reasons (past, off the grid, notice, horizon) are the same for everyone and
    # come first; after them "taken" beats "not working then", which is the rarer surprise.
    if any(reason == availability.TAKEN for _, reason in refusals):
        therapist, _ = refusals[0]
        return SlotTaken(slots.why_not(availability.TAKEN, therapist, location))
    therapist, reason = refusals[0]
    if anyone and reason in (availability.OUTSIDE_HOURS, availability.AWAY):
        return TimeNotOffered(f"None of our therapists is working at {location.name} then. "
                              "Please choose one of the free times.")
    return TimeNotOffered(slots.why_not(reason, therapist, location))


def _lock_for_change(client: User, appointment_id: int) -> Appointment:
    """The client's appointment, locked for a move or cancellation (client row first, then it)."""
    lock_client(client.id)
    appointment = lock_appointment(appointment_id, client.id)
    if appointment is None:
        raise AppointmentNotFound()
    return appointment


def _check_client_diary(client_id: int, starts_at: datetime, ends_at: datetime, *,
                        moving: int | None = None, staff: bool = False) -> None:
    """Refuse a time the client is already booked for, or one booking too many.

    Call with the client's row locked, so a booking made in another tab is already counted.
    `moving`: the appointment being moved, which neither clashes with itself nor adds one.
    `staff`: reception booking for the client, which the online limit does not bind (it is
    what a client who reached it is told to do: call the salon).
    """
    own = [a for a in queries.booked_not_ended(client_id) if a.id != moving]
    limit = current_app.config["MAX_UPCOMING_APPOINTMENTS"]
    reason = availability.client_refusal(
        starts_at, ends_at, [availability.Busy(a.starts_at, a.ends_at) for a in own],
        upcoming=sum(1 for a in own if a.starts_at > clock.now()), limit=limit,
        adds_one=moving is None and not staff)
    if reason == availability.CLIENT_BUSY:
        clash = next(a for a in own if a.starts_at < ends_at and starts_at < a.ends_at)
        who, them = ("The client already has", "they") if staff else ("You already have", "you")
        raise ClientDiaryFull(
            f"{who} a {clash.service.name} booked then ({local_datetime(clash.starts_at)}), "
            f"so {them} can't be at both. Please choose another time.")
    if reason == availability.CLIENT_LIMIT:
        raise ClientDiaryFull(
            f"You already have {limit} upcoming appointments, the most we take online at once. "
            "You can book more after the next one, or call the salon.")


def insert_if_free(client: User, service: Service, location: Location, therapist: Therapist,
                request: BookingRequest, *, screening_confirmed_at: datetime | None = None,
                announce: bool = False) -> Appointment | None:
    """Insert the appointment and the cells it holds, all or nothing; None if it clashed.

    Only the database's guard runs here: callers check the booking rules first. Flushes inside
    a SAVEPOINT: a clash rolls back only that, and the caller's transaction goes on. `announce`
    sends `appointment_booked` once the caller's transaction commits (the demo loader and tests
    stay quiet).
    """
    now = clock.now()
    appointment = Appointment(
        client_id=client.id, therapist_id=therapist.id, location_id=location.id, service_id=service.id,
        starts_at=request.starts_at, ends_at=request.starts_at + timedelta(minutes=service.minutes),
        price_pence=service.price_pence,  # kept as booked: a later price change doesn't touch it
        status=BOOKED, idempotency_key=request.idempotency_key, created_at=now, updated_at=now,
        screening_confirmed_at=screening_confirmed_at,
    )
    if not _insert_holding_cells(appointment, new=True):
        log.info("booking clash therapist=%s starts_at=%s", therapist.id, request.starts_at.isoformat())
        return None
    if announce:
        notify.booked(appointment)
        events.after_commit(appointment_booked, appointment=appointment)
    log.info("booked appointment=%s therapist=%s", appointment.id, therapist.id)
    return appointment


def _insert_holding_cells(appointment: Appointment, *, new: bool = False) -> bool:
    """Write the appointment (`new`: insert it) with the cells it holds, in a SAVEPOINT, all or
    nothing; False if a cell (or, for a twin form, the idempotency key) was taken.

    Losing rolls back only the savepoint: what the caller flushed before stays in its
    transaction, and a lost appointment is expunged again (SQLAlchemy drops objects added
    inside a savepoint that rolls back). Changes to an existing appointment made before the
    call (a move's new time, its released cells) are flushed before the savepoint begins.
    """
    try:
        with db.session.begin_nested():
            if new:
                db.session.add(appointment)
            db.session.flush()
            _hold_cells(appointment)
    except IntegrityError:
        return False
    except DBAPIError as error:
        # Two moves trading times wait on each other's released cells; PostgreSQL ends one
        # of them, which lost the race like any other clash.
        if getattr(error.orig, "sqlstate", None) != DEADLOCK_DETECTED:
            raise
        return False
    return True


def _hold_cells(appointment: Appointment) -> None:
    cells = held_cells(appointment.starts_at, appointment.ends_at, slots.policy().buffer)
    db.session.execute(insert(AppointmentSlot), [
        {"therapist_id": appointment.therapist_id, "starts_at": cell, "appointment_id": appointment.id}
        for cell in cells
    ])


def _release_cells(appointment: Appointment) -> None:
    db.session.execute(delete(AppointmentSlot).where(AppointmentSlot.appointment_id == appointment.id))


def _offered_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None or not service.active:
        raise NotOffered("That massage isn't offered at the moment. Please choose another.")
    return service


def _location(location_id: int) -> Location:
    location = db.session.get(Location, location_id)
    if location is None:
        raise NotOffered("We don't have a salon there. Please choose City Centre or Gosforth.")
    return location


def changeable(client: User, appointment_id: int, *, by: User | None = None) -> Appointment:
    """The client's own booked appointment, still outside the cancellation window (staff, `by`:
    any time before it starts)."""
    staff = _by_staff(client, by)
    appointment = queries.own_appointment(client.id, appointment_id)
    if appointment is None:
        raise AppointmentNotFound()
    _check_changeable(appointment, staff=staff)
    return appointment


def cancellable(client: User, appointment_id: int) -> Appointment:
    """The client's own booked appointment they may still cancel online (reads only): what the
    "are you sure?" step shows before `cancel`, which checks it all again."""
    appointment = queries.own_appointment(client.id, appointment_id)
    if appointment is None:
        raise AppointmentNotFound()
    _check_changeable(appointment, late_if_held=True)
    return appointment


def _check_changeable(appointment: Appointment, *, late_if_held: bool = False, staff: bool = False) -> None:
    """`late_if_held`: an appointment on a health hold may be changed inside the window too
    (the client can't keep it, and that is no fault of theirs). `staff`: reception, or the salon
    itself (a therapist away or inactive), may change it inside the window (the window is for
    changes online)."""
    if appointment.is_cancelled:
        raise NotOffered("That appointment was cancelled. Book a new one instead.")
    if appointment.starts_at <= clock.now():
        raise TooLateToChange("That appointment has already started or taken place.")
    if staff:
        return
    if not slots.can_change_online(appointment.starts_at) and not (late_if_held and appointment.health_hold):
        raise TooLateToChange("It's too close to your appointment to change it online: please call the salon.")


def _check_unchanged(appointment: Appointment, seen_sequence: int | None) -> None:
    """The page that asked was drawn from this version of the appointment (None: not known)."""
    if seen_sequence is not None and appointment.sequence != seen_sequence:
        raise AppointmentChanged()


def reschedule(client: User, appointment_id: int, starts_at: datetime, therapist_id: int | None = None, *,
               seen_sequence: int | None = None, by: User | None = None, by_salon: bool = False) -> Appointment:
    """Move the client's appointment to another free time at the same salon, same massage.

    `therapist_id`: move it to another therapist too (e.g. one the health gate allows, when
    the profile changed after booking); None keeps the therapist. Everything is re-checked.
    `seen_sequence`: the appointment's `sequence` on the page the client chose from; if it has
    changed since (another window moved or cancelled it) nothing happens and the client is told.
    `by`: the member of staff moving it for the client (see the module docstring).
    `by_salon`: the salon moves it for its own reasons (e.g. to another therapist while theirs
    is away): every rule still applies except the cancellation window, and the email says so.
    """
    staff = _by_staff(client, by)
    try:
        appointment, was = _reschedule(client, appointment_id, starts_at, therapist_id, seen_sequence,
                                       staff or by_salon, by_salon)
    except BookingProblem:
        db.session.rollback()  # let go of the locks before the page is drawn
        raise
    if staff and was is not None:
        _record(by, "moved", appointment, {"starts_at": (was[0], appointment.starts_at),
                                          "therapist": (was[1], appointment.therapist.display_name)})
    return appointment


def _reschedule(client: User, appointment_id: int, starts_at: datetime, therapist_id: int | None,
                seen_sequence: int | None, staff: bool = False,
                by_salon: bool = False) -> tuple[Appointment, tuple | None]:
    """The moved appointment, and where and with whom it was (None: nothing moved)."""
    appointment = _lock_for_change(client, appointment_id)
    therapist_id = appointment.therapist_id if therapist_id is None else therapist_id
    if not appointment.is_cancelled and starts_at == appointment.starts_at and therapist_id == appointment.therapist_id:
        db.session.rollback()
        return appointment, None  # sent twice (a double-click): it is already there, and one email went
    _check_unchanged(appointment, seen_sequence)
    _check_changeable(appointment, staff=staff)
    therapist = appointment.therapist
    if therapist_id != appointment.therapist_id:
        therapist = db.session.get(Therapist, therapist_id)
        if therapist is None or not therapist.active or not slots.works_at(therapist, appointment.location_id):
            raise NotOffered("That therapist doesn't work at that salon. Please choose again.")
    # A move keeps the length (and price) it was booked at, even if the catalogue changed since.
    reason = _recheck_locked(therapist, appointment.location_id, appointment.service, starts_at,
                             except_appointment=appointment.id, minutes=appointment.minutes, for_staff=staff)
    if reason is not None:
        raise _unavailable([(therapist, reason)], appointment.location, anyone=False)
    unsuited = _unsuited_now(client.id, appointment.service, therapist, starts_at)
    if unsuited is not None:
        raise unsuited
    length = timedelta(minutes=appointment.minutes)
    _check_client_diary(client.id, starts_at, starts_at + length, moving=appointment.id, staff=staff)

    was, was_with = appointment.starts_at, appointment.therapist.display_name
    # Let go of the old cells first: a move by fifteen minutes overlaps itself.
    _release_cells(appointment)
    appointment.starts_at = starts_at
    appointment.therapist_id, appointment.therapist = therapist.id, therapist
    appointment.ends_at = starts_at + length
    appointment.sequence += 1
    appointment.updated_at = clock.now()
    if not _insert_holding_cells(appointment):
        raise SlotTaken(slots.why_not(availability.TAKEN, therapist, appointment.location))
    notify.rescheduled(appointment, was, was_with=was_with, by_salon=by_salon)
    events.after_commit(appointment_moved, appointment=appointment, was=was, was_with=was_with, by_salon=by_salon)
    log.info("rescheduled appointment=%s", appointment.id)
    if appointment.health_hold:
        recheck.recheck_appointment(appointment)  # the gate passed where it is now: lift the hold
    return appointment, (was, was_with)


def cancel(client: User, appointment_id: int, *, seen_sequence: int | None = None,
           by: User | None = None, by_salon: bool = False) -> Appointment:
    """Cancel the client's appointment; its time is free for others at once.

    A booking on a health hold may be cancelled inside the cancellation window.
    `seen_sequence` as for `reschedule`: a cancel from a page drawn before the appointment was
    moved elsewhere is refused, so the client decides again about the new time.
    `by`: the member of staff cancelling it for the client (see the module docstring).
    `by_salon`: the salon cancels it (at any time before it starts); the email says so.
    """
    staff = _by_staff(client, by)
    try:
        appointment = _lock_for_change(client, appointment_id)
        if appointment.is_cancelled:
            db.session.rollback()
            return appointment  # sent twice: nothing more to do, and no second email
        _check_unchanged(appointment, seen_sequence)
        _check_changeable(appointment, late_if_held=True, staff=staff or by_salon)
    except BookingProblem:
        db.session.rollback()
        raise
    now = clock.now()
    appointment.status, appointment.cancelled_at, appointment.updated_at = CANCELLED, now, now
    appointment.sequence += 1
    _release_cells(appointment)
    notify.cancelled(appointment, by_salon=by_salon)
    events.after_commit(appointment_cancelled, appointment=appointment, by_salon=by_salon)
    if staff:
        _record(by, "cancelled", appointment, {"status": (BOOKED, CANCELLED)})
    db.session.flush()
    log.info("cancelled appointment=%s", appointment.id)
    return appointment


def confirm_screening(client: User, appointment_id: int) -> Appointment:
    """The client ticked, for this upcoming appointment, that none of the "not now" / "ask your
    GP first" conditions applies (asked when there is no consented profile to check)."""
    appointment = queries.own_appointment(client.id, appointment_id)
    if appointment is None:
        raise AppointmentNotFound()
    if appointment.is_cancelled or appointment.starts_at <= clock.now():
        raise NotOffered("That appointment is no longer coming up.")
    if not gate.screening_needed(client.id):
        # The profile is back in use: it decides, not the tick.
        recheck.recheck_appointment(appointment)
        return appointment
    appointment.screening_confirmed_at = clock.now()
    if appointment.health_hold == recheck.NEEDS_SCREENING:
        appointment.health_hold, appointment.health_hold_at = None, None
    db.session.flush()
    log.info("screening confirmed appointment=%s", appointment.id)
    return appointment


# --- calendar feed ------------------------------------------------------------------


def _token_hash(token: str) -> str:
    # The token is 256 random bits, so a plain SHA-256 is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def new_calendar_feed(client: User) -> str:
    """A new private feed token for the client; any earlier one stops working. Returns the token."""
    token = secrets.token_urlsafe(32)
    feed = db.session.get(CalendarFeed, client.id)
    if feed is None:
        db.session.add(CalendarFeed(client_id=client.id, token_hash=_token_hash(token), created_at=clock.now()))
    else:
        feed.token_hash, feed.created_at = _token_hash(token), clock.now()
    db.session.flush()
    return token


def stop_calendar_feed(client: User) -> None:
    """Turn the client's feed off: its address stops working."""
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.client_id == client.id))


def calendar_feed(client: User) -> CalendarFeed | None:
    return db.session.get(CalendarFeed, client.id)


def feed_owner(token: str) -> User | None:
    """Whose feed this token opens, if any."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(User).join(CalendarFeed, CalendarFeed.client_id == User.id)
        .where(CalendarFeed.token_hash == _token_hash(token))
    )
