"""The messages between visits, end to end on the test clock: what each scan queues and when,
idempotency, preferences and one-click unsubscribe, quiet hours, the due-nudge's suppression,
the lasting-relief links (single use, expiry, GET never writes), and no health data in any email.

Scans run as a job would: a plain call with `now`, then a commit. What was queued is read from
the outbox rows (kind, key, not_before) and the captured outbox (bodies).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal import mail
from portal.accounts.models import User
from portal.booking.models import CANCELLED, Appointment
from portal.extensions import db
from portal.feedback.models import PainCheckIn
from portal.outbox.models import OutboxMessage
from portal.outbox.tasks import sweep_outbox
from portal.feedback.services import FeedbackInput, save_feedback
from portal.profile.content import ConditionEntry, ProfileContent
from portal.profile.services import save_profile
from portal.reminder_scans import (
    run_all,
    scan_due,
    scan_feel,
    scan_morning_lists,
    scan_relief,
    scan_reminders,
)
from portal.reminders import services
from tests.booking_support import page_text
from tests.conftest import csrf_token_from
from tests.factories import make_appointment

UTC = timezone.utc
NOTE = "Loved the heat pack, zqx-private-note"
CONDITION_DETAIL = "twelve weeks, zqx-private-detail"


def forged(token: str) -> str:
    """The signed token with its signature's first character changed. Never change the last: the
    last base64 character carries only 4 bits of the signature, so "...xx" in place of the last two
    characters can decode to the very same bytes (it did, once in a CI run)."""
    head, signature = token.rsplit(".", 1)
    return f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


def z(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def run(app, booking_clock, scan, now: datetime) -> int:
    """Run one scan at `now` as a job would: the clock there, then one commit."""
    booking_clock.now = now
    with app.app_context():
        queued = scan(now)
        db.session.commit()
    return queued


def record(app) -> dict:
    """(kind, key) -> the outbox row queued for it."""
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        db.session.expunge_all()
    return {(row.kind, row.key): row for row in rows}


def sent_of(app, kind: str) -> list:
    return [sent for (k, _), sent in record(app).items() if k == kind]


def outbox(app) -> list:
    return app.extensions.get("mail_outbox", [])


def bodies(message) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def path_of(url: str) -> str:
    assert url.startswith("http://portal.test/")
    return url[len("http://portal.test"):]


def appointment(app, salon, client_id, starts_at, **fields) -> int:
    return make_appointment(app, salon, client_id, starts_at, **fields)


def give_feedback(app, client_id, appointment_id, now, **pain):
    with app.app_context():
        client = db.session.get(User, client_id)
        given = FeedbackInput(pressure="just_right", pain_before=pain.get("before", {}),
                              pain_after=pain.get("after", {}), note=NOTE)
        save_feedback(client, appointment_id, given, now=now, consent_given=True)
        db.session.commit()


def profile(app, client_id, **conditions):
    with app.app_context():
        client = db.session.get(User, client_id)
        content = ProfileContent(conditions={slug: ConditionEntry(detail) for slug, detail in conditions.items()})
        save_profile(client, content, consent_given=True)
        db.session.commit()


def wants(app, user_id, category) -> bool:
    with app.app_context():
        return services.wants(user_id, category)


def assert_no_health_data(message):
    text, html = bodies(message)
    for body in (text, html):
        # The notes' shared marker, long enough that no random link signature in the email holds it
        # ("zqx" alone turned up in one: "...AizbYrhrC2zqx4cFY").
        for secret in (NOTE, "zqx-private", CONDITION_DETAIL, "Pregnancy", "pregnan", "sunburn", "Skin infection",
                       "osteoporosis", "Osteoporosis", "out of 10", "/10"):
            assert secret not in body, (secret, message["Subject"])


# --- 1. the day-before reminder --------------------------------------------------------------------


def test_the_reminder_goes_the_day_before_once_with_what_where_who_and_links(app, booking_clock, small_salon, users):
    client_id = users["client"].id
    tuesday = appointment(app, small_salon, client_id, z(2027, 3, 9, 10, 0))
    appointment(app, small_salon, client_id, z(2027, 3, 10, 10, 0))  # Wednesday: not yet
    appointment(app, small_salon, client_id, z(2027, 3, 9, 14, 0), status=CANCELLED)  # cancelled: never

    assert run(app, booking_clock, scan_reminders, z(2027, 3, 8, 9, 0)) == 1
    assert run(app, booking_clock, scan_reminders, z(2027, 3, 8, 15, 0)) == 0  # a second run: nothing new
    [message] = outbox(app)
    assert message["To"] == "client@example.com"
    text, html = bodies(message)
    for body in (text, html):
        assert "Tuesday 9 March 2027 at 10:00" in body
        assert "Grey Street" in body and "Amelia Hart" in body
        assert f"http://portal.test/appointments/{tuesday}/calendar.ics" in body
        assert f"http://portal.test/appointments/{tuesday}" in body and "move or cancel" in body
        assert "http://portal.test/profile" in body and "health changed" in body
        assert "http://portal.test/unsubscribe/" in body
    [sent] = sent_of(app, "reminder")
    assert sent.key == f"reminder:{tuesday}:2027-03-09T10:00:00+00:00"
    assert sent.appointment_id == tuesday and sent.user_id == client_id and not sent.transactional
    assert sent.not_before is None
    unsubscribe = re.search(r"http://portal.test/unsubscribe/[^\s<]+", text).group(0)
    # On the delivered message (the outbox row forgets headers and bodies once sent: they hold links).
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert_no_health_data(message)


def test_a_client_without_email_gets_nothing_and_stops_no_one_elses_messages(app, booking_clock, small_salon, users):
    # A client reception added by phone (no address) booked beside one who reads email: every
    # scan still queues the other's messages (before, the phone client's row broke the whole run).
    from portal.staff.services import add_phone_client
    with app.app_context():
        pat = add_phone_client(db.session.get(User, users["admin"].id), "Pat Phone", "+447700900456", None)
        db.session.commit()
        pat_id = pat.id
    client_id = users["client"].id
    appointment(app, small_salon, pat_id, z(2027, 3, 9, 10, 0))
    theirs = appointment(app, small_salon, client_id, z(2027, 3, 9, 14, 0))
    assert run(app, booking_clock, run_all, z(2027, 3, 8, 9, 0))["reminders"] == 1
    assert [row.user_id for row in sent_of(app, "reminder")] == [client_id]
    # After both sessions: the "how did it feel" follow-up the same way.
    assert run(app, booking_clock, scan_feel, z(2027, 3, 9, 18, 0)) == 1
    [feel] = sent_of(app, "feel")
    assert (feel.user_id, feel.appointment_id) == (client_id, theirs)
    assert {row.to for row in record(app).values()} == {"client@example.com"}


def test_a_moved_appointment_gets_a_reminder_for_its_new_time(app, booking_clock, small_salon, users):
    moved = appointment(app, small_salon, users["client"].id, z(2027, 3, 9, 10, 0))
    assert run(app, booking_clock, scan_reminders, z(2027, 3, 8, 9, 0)) == 1
    with app.app_context():
        row = db.session.get(Appointment, moved)
        row.starts_at, row.ends_at = z(2027, 3, 9, 15, 0), z(2027, 3, 9, 15, 45)
        db.session.commit()
    assert run(app, booking_clock, scan_reminders, z(2027, 3, 8, 10, 0)) == 1
    assert run(app, booking_clock, scan_reminders, z(2027, 3, 8, 11, 0)) == 0
    assert [s.key for s in sent_of(app, "reminder")] == [f"reminder:{moved}:2027-03-09T10:00:00+00:00",
                                                         f"reminder:{moved}:2027-03-09T15:00:00+00:00"]


def test_too_late_to_change_online_the_reminder_gives_the_phone_instead(app, booking_clock, small_salon, users):
    appointment(app, small_salon, users["client"].id, z(2027, 3, 9, 9, 30))
    run(app, booking_clock, scan_reminders, z(2027, 3, 8, 10, 0))  # 23.5 hours before
    text, _ = bodies(outbox(app)[0])
    assert "too close to move or cancel online" in text and "0191 498 0123" in text
    assert "You still can online" not in text


@pytest.mark.parametrize("starts_at, before, first", [
    # Monday 29 March 10:00 BST: the day before is the 23-hour Sunday (00:00Z to 22:59:59Z).
    (z(2027, 3, 29, 9, 0), z(2027, 3, 27, 23, 59, 59), z(2027, 3, 28, 0, 0)),
    # Monday 1 November 10:00 GMT: the day before is the 25-hour Sunday, from 23:00Z on Saturday.
    (z(2027, 11, 1, 10, 0), z(2027, 10, 30, 22, 59, 59), z(2027, 10, 30, 23, 0)),
])
def test_the_reminder_in_the_clock_change_weeks(app, booking_clock, small_salon, users, starts_at, before, first):
    appointment(app, small_salon, users["client"].id, starts_at)
    assert run(app, booking_clock, scan_reminders, before) == 0
    assert run(app, booking_clock, scan_reminders, first) == 1
    [sent] = sent_of(app, "reminder")
    # Midnight is quiet: it waits for 08:00 salon time that Sunday (07:00Z in BST, 08:00Z in GMT).
    assert sent.not_before == (z(2027, 3, 28, 7, 0) if starts_at.month == 3 else z(2027, 10, 31, 8, 0))


def test_the_spring_sunday_ends_at_23_utc_for_monday_reminders(app, booking_clock, small_salon, users):
    appointment(app, small_salon, users["client"].id, z(2027, 3, 29, 9, 0))
    # 22:59:59Z is 23:59:59 BST, still Sunday: due. 23:00Z is already Monday: too late.
    booking_clock.now = z(2027, 3, 28, 23, 0)
    assert run(app, booking_clock, scan_reminders, z(2027, 3, 28, 23, 0)) == 0
    assert run(app, booking_clock, scan_reminders, z(2027, 3, 28, 22, 59, 59)) == 1


def test_a_scan_in_quiet_hours_queues_for_eight_the_next_morning(app, booking_clock, small_salon, users):
    appointment(app, small_salon, users["client"].id, z(2027, 3, 9, 10, 0))
    run(app, booking_clock, scan_reminders, z(2027, 3, 8, 21, 30))
    [sent] = sent_of(app, "reminder")
    assert sent.not_before == z(2027, 3, 9, 8, 0)


def _deliver_at_eight(app, booking_clock) -> list[str]:
    """08:00: the outbox's sweep delivers what waited for the morning; the subjects that went."""
    app.extensions["mail_outbox"] = []
    booking_clock.now = z(2027, 3, 8, 8, 0)
    with app.app_context():
        sweep_outbox.run_once()
    return [message["Subject"] for message in outbox(app)]


def _reminded_at_night_then_changed(app, booking_clock, small_salon, users, starts_at, change) -> int:
    """An appointment on Tuesday whose reminder the scan after midnight on Monday queues for 08:00,
    then at 07:00 (online: more than a day before) the client's `change(booking services, client,
    appointment id)`; the appointment's id."""
    from portal.booking import services as booking_services
    client_id = users["client"].id
    tuesday = appointment(app, small_salon, client_id, starts_at)
    assert run(app, booking_clock, scan_reminders, z(2027, 3, 8, 0, 30)) == 1
    booking_clock.now = z(2027, 3, 8, 7, 0)
    with app.app_context():
        change(booking_services, db.session.get(User, client_id), tuesday)
        db.session.commit()
    return tuesday


def test_an_appointment_cancelled_before_eight_gets_no_reminder_at_eight(app, booking_clock, small_salon, users):
    # Before, at 08:00 the reminder went anyway, after the cancellation email: "Tomorrow: ... at
    # 18:00" for a booking the client no longer had.
    _reminded_at_night_then_changed(app, booking_clock, small_salon, users, z(2027, 3, 9, 18, 0),
                                    lambda booking, client, booked: booking.cancel(client, booked))
    assert _deliver_at_eight(app, booking_clock) == []  # the cancellation went at 07:00
    assert [row.kind for row in record(app).values()] == ["cancelled"]
    assert run(app, booking_clock, scan_reminders, z(2027, 3, 8, 9, 0)) == 0


def test_an_appointment_moved_before_eight_is_reminded_of_its_new_time_only(app, booking_clock, small_salon, users):
    tuesday = _reminded_at_night_then_changed(
        app, booking_clock, small_salon, users, z(2027, 3, 9, 15, 0),
        lambda booking, client, booked: booking.reschedule(client, booked, z(2027, 3, 9, 11, 0)))
    assert _deliver_at_eight(app, booking_clock) == []  # not "Tomorrow: ... at 15:00"
    assert run(app, booking_clock, scan_reminders, z(2027, 3, 8, 9, 0)) == 1
    [message] = outbox(app)
    assert message["Subject"] == "Tomorrow: Back, Neck & Shoulder Massage at 11:00"
    assert [s.key for s in sent_of(app, "reminder")] == [f"reminder:{tuesday}:2027-03-09T11:00:00+00:00"]


def test_an_account_deleted_before_eight_is_sent_nothing_at_eight(app, client, auth, booking_clock, small_salon,
                                                                  users):
    # Before, the reminder queued for 08:00 went to the address of the deleted account, about an
    # appointment deleted with it (its row kept, user_id emptied), and a dead one could be resent.
    from tests.conftest import PASSWORD
    appointment(app, small_salon, users["client"].id, z(2027, 3, 9, 18, 0))
    assert run(app, booking_clock, scan_reminders, z(2027, 3, 8, 0, 30)) == 1
    with app.app_context():
        db.session.add(OutboxMessage(kind="booked", key="earlier", to="client@example.com", subject="Booked",
                                     body="...", user_id=users["client"].id, status="dead", attempts=8))
        db.session.commit()
    booking_clock.now = z(2027, 3, 8, 7, 0)
    auth.login()
    assert auth.post("/account/delete", {"password": PASSWORD, "confirm": "y"}).status_code == 302
    assert _deliver_at_eight(app, booking_clock) == []
    assert record(app) == {}


def test_a_deleted_account_leaves_no_email_history_with_its_address(app, client, auth, users):
    """The delete page promises everything about the client goes: the emails already sent to them
    (address, subject, when) went to an emptied user_id and stayed until the nightly purge."""
    from tests.conftest import PASSWORD
    with app.app_context():
        db.session.add(OutboxMessage(kind="reminder", key="sent-one", to="client@example.com", subject="Tomorrow",
                                     user_id=users["client"].id, status="sent", sent_at=z(2027, 3, 7, 9, 0)))
        db.session.commit()
    auth.login()
    assert auth.post("/account/delete", {"password": PASSWORD, "confirm": "y"}).status_code == 302
    assert record(app) == {}


# --- preferences and unsubscribe -------------------------------------------------------------------


def test_one_click_unsubscribe_from_a_mail_client_then_nothing_more_of_that_kind(app, client, booking_clock,
                                                                                  small_salon, users):
    client_id = users["client"].id
    appointment(app, small_salon, client_id, z(2027, 3, 9, 10, 0))
    run(app, booking_clock, scan_reminders, z(2027, 3, 8, 9, 0))
    [message] = outbox(app)
    url = message["List-Unsubscribe"].strip("<>")

    page = client.get(path_of(url))  # a mail scanner following the link: nothing changes
    assert page.status_code == 200 and "Stop appointment reminders?" in page_text(page)
    assert wants(app, client_id, "reminders")

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", no cookie, no CSRF token.
    done = client.post(path_of(url), data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more appointment reminders" in page_text(done)
    assert not wants(app, client_id, "reminders")
    assert wants(app, client_id, "follow_ups") and wants(app, client_id, "due_nudges")

    appointment(app, small_salon, client_id, z(2027, 3, 10, 10, 0))
    assert run(app, booking_clock, scan_reminders, z(2027, 3, 9, 9, 0)) == 0
    assert len(outbox(app)) == 1


def test_unsubscribe_from_the_page_is_post_redirect_get(app, client, users):
    from portal.reminders.links import unsubscribe_token

    with app.test_request_context():
        token = unsubscribe_token(users["client"].id, "due_nudges")
    response = client.post(f"/unsubscribe/{token}")
    assert response.status_code == 302 and response.location.endswith(f"/unsubscribe/{token}?done=1")
    assert "no more reminders when you are due again" in page_text(client.get(response.location))
    assert not wants(app, users["client"].id, "due_nudges")


def test_a_forged_or_altered_unsubscribe_link_changes_nothing(app, client, users):
    from portal.reminders.links import unsubscribe_token

    with app.test_request_context():
        token = unsubscribe_token(users["client"].id, "reminders")
    assert client.get("/unsubscribe/not-a-token").status_code == 404
    assert client.post(f"/unsubscribe/{forged(token)}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert wants(app, users["client"].id, "reminders")


def test_email_choices_and_history_on_the_account_page(app, client, auth, booking_clock, small_salon, users):
    client_id = users["client"].id
    appointment(app, small_salon, client_id, z(2027, 3, 9, 10, 0))
    run(app, booking_clock, scan_reminders, z(2027, 3, 8, 9, 0))
    auth.login()
    page = page_text(client.get("/account/"))
    assert "Emails we send you" in page and "Appointment reminders, the day before" in page
    assert 'name="morning_list"' not in page  # a therapist's choice, not a client's
    assert "Tomorrow: Back, Neck & Shoulder Massage at 10:00" in page  # the history
    response = auth.post("/account/emails", {"follow_ups": "y", "due_nudges": "y"})
    assert response.status_code == 302 and response.location.endswith("/account/")
    assert not wants(app, client_id, "reminders") and wants(app, client_id, "follow_ups")
    again = page_text(client.get("/account/"))
    assert 'id="reminders" name="reminders" type="checkbox" value="y">' in again  # shown unticked
    assert 'checked id="follow_ups"' in again or 'id="follow_ups" name="follow_ups" type="checkbox" value="y" checked' in again \
        or re.search(r'<input[^>]*checked[^>]*id="follow_ups"', again)


@pytest.mark.parametrize("way", ["one-click link", "account page"])
def test_reminders_turned_off_before_eight_stop_the_one_waiting_for_eight(app, client, auth, booking_clock,
                                                                          small_salon, users, way):
    # After midnight the scans queue Tuesday's reminder and Sunday evening's "how did it feel?",
    # both held for 08:00. At 07:00 the client turns reminders off. Before, the reminder still went
    # at 08:00: the choice was read only when a message was queued.
    from portal.reminders.links import unsubscribe_token
    client_id = users["client"].id
    appointment(app, small_salon, client_id, z(2027, 3, 9, 18, 0))
    appointment(app, small_salon, client_id, z(2027, 3, 7, 19, 15))
    queued = run(app, booking_clock, run_all, z(2027, 3, 8, 0, 30))
    assert (queued["reminders"], queued["feel"]) == (1, 1)
    booking_clock.now = z(2027, 3, 8, 7, 0)
    if way == "account page":
        auth.login()
        assert auth.post("/account/emails", {"follow_ups": "y", "due_nudges": "y"}).status_code == 302
    else:
        with app.test_request_context():
            token = unsubscribe_token(client_id, "reminders")
        assert client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not wants(app, client_id, "reminders")
    assert _deliver_at_eight(app, booking_clock) == ["How did your massage feel?"]  # follow-ups stay on


def test_a_therapist_opts_in_to_the_morning_list(app, client, auth, users):
    auth.login("therapist@example.com")
    page = page_text(client.get("/account/"))
    assert "Each morning, the list of my appointments" in page and "Appointment reminders" not in page
    assert not wants(app, users["therapist"].id, "morning_list")
    assert auth.post("/account/emails", {"morning_list": "y", "reminders": ""}).status_code == 302
    assert wants(app, users["therapist"].id, "morning_list")


# --- 2. how did it feel? -----------------------------------------------------------------------------


def test_feedback_given_before_eight_stops_how_did_it_feel_waiting_for_eight(app, booking_clock, small_salon, users):
    # Sunday evening's session: the scan after midnight queues "How did your massage feel?" for
    # 08:00, and at 07:00 the client tells us. Before, the question still went at 08:00.
    sunday = appointment(app, small_salon, users["client"].id, z(2027, 3, 7, 19, 15))
    assert run(app, booking_clock, scan_feel, z(2027, 3, 8, 0, 30)) == 1
    give_feedback(app, users["client"].id, sunday, z(2027, 3, 8, 7, 0))
    assert _deliver_at_eight(app, booking_clock) == []
    assert record(app) == {}


def test_how_did_it_feel_three_hours_after_unless_they_already_said(app, booking_clock, small_salon, users):
    client_id = users["client"].id
    first = appointment(app, small_salon, client_id, z(2027, 3, 8, 9, 0))  # ends 09:45
    second = appointment(app, small_salon, client_id, z(2027, 3, 8, 10, 0))  # ends 10:45
    give_feedback(app, client_id, second, z(2027, 3, 8, 11, 0), before={"neck": 4})

    assert run(app, booking_clock, scan_feel, z(2027, 3, 8, 12, 44, 59)) == 0
    assert run(app, booking_clock, scan_feel, z(2027, 3, 8, 12, 45)) == 1
    assert run(app, booking_clock, scan_feel, z(2027, 3, 8, 16, 0)) == 0
    [message] = outbox(app)
    text, html = bodies(message)
    assert f"http://portal.test/appointments/{first}/feedback" in text and "/unsubscribe/" in text
    assert [s.key for s in sent_of(app, "feel")] == [f"feel:{first}"]
    assert_no_health_data(message)


def test_follow_ups_turned_off_means_no_how_did_it_feel(app, booking_clock, small_salon, users):
    appointment(app, small_salon, users["client"].id, z(2027, 3, 8, 9, 0))
    with app.app_context():
        services.unsubscribe(users["client"].id, "follow_ups")
        db.session.commit()
    assert run(app, booking_clock, scan_feel, z(2027, 3, 8, 13, 0)) == 0
    assert outbox(app) == []


# --- 3. lasting relief -----------------------------------------------------------------------------


@pytest.fixture
def scored(app, small_salon, users):
    """A session on Monday 8 March 09:00-09:45Z with feedback scoring the lower back and neck,
    and a profile with a condition and its free-text detail."""
    client_id = users["client"].id
    profile(app, client_id, pregnancy=CONDITION_DETAIL)
    session = appointment(app, small_salon, client_id, z(2027, 3, 8, 9, 0))
    give_feedback(app, client_id, session, z(2027, 3, 8, 10, 0),
                  before={"lower_back": 7, "neck": 4}, after={"lower_back": 3})
    return session


def relief_links(message) -> dict[tuple[str, int], str]:
    """{(area label, score): path} from the HTML part."""
    _, html = bodies(message)
    found = {}
    for block in re.findall(r"How is your ([a-z ]+) now, 0-10\?</strong><br>\s*(.*?)</p>", html, re.S):
        label, links = block
        for url, score in re.findall(r'<a href="([^"]+)"[^>]*>(\d+)</a>', links):
            found[(label, int(score))] = path_of(url.replace("&amp;", "&"))
    return found


def checkins(app, session) -> list[PainCheckIn]:
    with app.app_context():
        return list(db.session.scalars(select(PainCheckIn).where(PainCheckIn.appointment_id == session)))


def test_lasting_relief_asks_per_scored_area_48_hours_after_without_the_scores(app, booking_clock, scored):
    ends = z(2027, 3, 8, 9, 45)
    assert run(app, booking_clock, scan_relief, ends + timedelta(hours=48) - timedelta(seconds=1)) == 0
    assert run(app, booking_clock, scan_relief, ends + timedelta(hours=48)) == 1
    assert run(app, booking_clock, scan_relief, ends + timedelta(hours=50)) == 0
    [message] = outbox(app)
    text, html = bodies(message)
    assert "How is your neck now, 0-10?" in text and "How is your lower back now, 0-10?" in text
    assert "shoulders" not in text  # not scored: not asked
    links = relief_links(message)
    assert set(links) == {(area, score) for area in ("neck", "lower back") for score in range(11)}
    assert_no_health_data(message)


def test_a_relief_link_opens_a_confirm_page_and_stores_one_check_in_for_that_session(app, client, booking_clock,
                                                                                      scored):
    run(app, booking_clock, scan_relief, z(2027, 3, 10, 10, 0))
    links = relief_links(outbox(app)[0])

    page = client.get(links[("lower back", 2)])  # a scanner or the client opening it: no write
    assert page.status_code == 200 and "Confirm 2 out of 10" in page_text(page)
    assert checkins(app, scored) == []

    response = client.post(links[("lower back", 2)], data={"csrf_token": _csrf(page)})
    assert response.status_code == 302
    thanks = client.get(response.location)
    assert "Thank you" in page_text(thanks) and "lower back" in page_text(thanks)
    [stored] = checkins(app, scored)
    assert stored.client_id and stored.lower_back == 2 and stored.neck is None

    # Single use: the same link again, or another score for the same area, says so and stores nothing.
    again = client.post(links[("lower back", 2)], data={"csrf_token": _csrf(page)})
    assert again.status_code == 409 and "Already answered" in page_text(again)
    other = client.get(links[("lower back", 5)])
    assert "Already answered" in page_text(other) and "Confirm" not in page_text(other)
    assert len(checkins(app, scored)) == 1

    # The other area's question is still open.
    neck = client.get(links[("neck", 0)])
    assert client.post(links[("neck", 0)], data={"csrf_token": _csrf(neck)}).status_code == 302
    assert sorted(((c.lower_back, c.neck) for c in checkins(app, scored)), key=str) == [(2, None), (None, 0)]


def test_a_relief_link_expires_after_seven_days_and_says_so(app, client, booking_clock, scored):
    made = z(2027, 3, 10, 10, 0)
    run(app, booking_clock, scan_relief, made)
    link = relief_links(outbox(app)[0])[("neck", 3)]
    booking_clock.now = made + timedelta(days=7) - timedelta(seconds=1)
    page = client.get(link)
    assert page.status_code == 200
    booking_clock.now = made + timedelta(days=7)
    expired = client.get(link)
    assert expired.status_code == 410 and "This link has expired" in page_text(expired)
    assert client.post(link, data={"csrf_token": _csrf(page)}).status_code == 410
    assert checkins(app, scored) == []


def test_a_forged_relief_link_is_refused(app, client, booking_clock, scored):
    run(app, booking_clock, scan_relief, z(2027, 3, 10, 10, 0))
    link = relief_links(outbox(app)[0])[("neck", 3)]
    token = link.rsplit("/", 1)[1]
    assert client.get(f"/relief/{forged(token)}").status_code == 404
    assert client.get("/relief/nothing").status_code == 404


@pytest.mark.parametrize("stop", ["delete_profile", "withdraw_consent"])
def test_deleting_the_health_profile_withdraws_the_relief_email_still_waiting(app, booking_clock, scored, users,
                                                                                stop):
    """The relief email names the areas the client scored (from the session's feedback): once the
    client deletes their health profile, or withdraws their consent (all use stops at once), one
    held by the quiet hours for 08:00 is withdrawn with it, not kept in the outbox and sent in the
    morning."""
    from portal.profile import services as profile_services

    # Wednesday 21:45: due, but quiet hours hold it until Thursday 08:00.
    assert run(app, booking_clock, scan_relief, z(2027, 3, 10, 21, 45)) == 1
    [waiting] = sent_of(app, "relief")
    assert waiting.sent_at is None and "lower back" in waiting.body
    booking_clock.now = z(2027, 3, 10, 22, 0)
    with app.app_context():
        getattr(profile_services, stop)(db.session.get(User, users["client"].id))
        db.session.commit()
    assert sent_of(app, "relief") == []
    app.extensions["mail_outbox"] = []
    booking_clock.now = z(2027, 3, 11, 8, 0)
    with app.app_context():
        sweep_outbox.run_once()
    assert outbox(app) == []


def _csrf(response) -> str:
    return csrf_token_from(response.get_data(as_text=True))


# --- 4. you're due -----------------------------------------------------------------------------------


@pytest.fixture
def last_visit(app, small_salon, users):
    """A session four weeks before Monday 8 March 2027: with the baseline interval, due that day."""
    return appointment(app, small_salon, users["client"].id, z(2027, 2, 8, 10, 0))


def test_a_booking_made_before_eight_stops_the_due_nudge_waiting_for_eight(app, auth, booking_clock, small_salon,
                                                                           users, last_visit):
    # The scan after midnight queues "You're due" for 08:00; at 07:00 the client books. Before,
    # the nudge still went at 08:00, asking someone who had just booked to book.
    profile(app, users["client"].id)
    assert run(app, booking_clock, scan_due, z(2027, 3, 8, 0, 30)) == 1
    booking_clock.now = z(2027, 3, 8, 7, 0)
    auth.login()
    response = auth.post("/book", {"service": str(small_salon.service_id), "location": str(small_salon.location_id),
                                   "therapist": str(small_salon.therapist_id), "idempotency_key": "6b1f0e4e-2c8a-4a8e-9a43-0d2f1c7b5e11",
                                   "starts_at": z(2027, 3, 20, 10, 0).isoformat()})
    assert response.status_code == 302, page_text(response)
    assert _deliver_at_eight(app, booking_clock) == []  # the booking's own email went at 07:00
    assert [kind for kind, _ in record(app)] == ["booked"]


def test_the_due_nudge_on_the_due_date_offers_times_once(app, booking_clock, small_salon, users, last_visit):
    profile(app, users["client"].id)
    assert run(app, booking_clock, scan_due, z(2027, 3, 7, 12, 0)) == 0  # the day before
    assert run(app, booking_clock, scan_due, z(2027, 3, 8, 9, 0)) == 1
    assert run(app, booking_clock, scan_due, z(2027, 3, 9, 9, 0)) == 0  # once per interval
    [message] = outbox(app)
    text, html = bodies(message)
    assert f"http://portal.test/appointments/{last_visit}/rebook" in text
    assert "Amelia Hart has these times for a Back, Neck & Shoulder Massage at Newcastle City Centre" in text
    assert re.search(r"\w+day \d+ March 2027 at \d\d:\d\d", text)
    [sent] = sent_of(app, "due")
    assert sent.key == f"due:{users['client'].id}:2027-03-08"
    assert_no_health_data(message)


def test_no_due_nudge_when_something_is_booked(app, booking_clock, small_salon, users, last_visit):
    profile(app, users["client"].id)
    appointment(app, small_salon, users["client"].id, z(2027, 3, 20, 10, 0))
    assert run(app, booking_clock, scan_due, z(2027, 3, 8, 9, 0)) == 0


@pytest.mark.parametrize("condition", ["skin_infection", "severe_osteoporosis"])  # "not now", "ask your GP first"
def test_not_now_or_ask_your_gp_sends_a_gentle_profile_note_instead_once(app, booking_clock, small_salon, users,
                                                                         last_visit, condition):
    profile(app, users["client"].id, **{condition: CONDITION_DETAIL})
    assert run(app, booking_clock, scan_due, z(2027, 3, 20, 9, 0)) == 1
    assert run(app, booking_clock, scan_due, z(2027, 3, 21, 9, 0)) == 0
    assert sent_of(app, "due") == []
    [note] = sent_of(app, "due_note")
    [message] = outbox(app)
    text, _ = bodies(message)
    assert "http://portal.test/profile" in text and "/rebook" not in text
    assert_no_health_data(message)


# --- 5. the therapist's morning list ----------------------------------------------------------------


def test_the_morning_list_for_an_opted_in_therapist_flags_whats_new(app, booking_clock, small_salon, users,
                                                                    make_user):
    regular, newcomer = users["client"], make_user("newcomer@example.com", "client", "Nadia Newcomer")
    earlier = appointment(app, small_salon, regular.id, z(2027, 2, 22, 10, 0))
    give_feedback(app, regular.id, earlier, z(2027, 2, 23, 10, 0), before={"neck": 6})  # after their last visit
    appointment(app, small_salon, regular.id, z(2027, 3, 8, 10, 0))
    appointment(app, small_salon, newcomer.id, z(2027, 3, 8, 14, 0))
    appointment(app, small_salon, newcomer.id, z(2027, 3, 8, 15, 0), therapist_id=small_salon.other_therapist_id)

    assert run(app, booking_clock, scan_morning_lists, z(2027, 3, 8, 6, 30)) == 0  # not opted in
    with app.app_context():
        services.set_preferences(db.session.get(User, users["therapist"].id), {"morning_list": True})
        db.session.commit()
    assert run(app, booking_clock, scan_morning_lists, z(2027, 3, 8, 5, 59)) == 0  # before 06:00
    assert run(app, booking_clock, scan_morning_lists, z(2027, 3, 8, 6, 30)) == 1
    assert run(app, booking_clock, scan_morning_lists, z(2027, 3, 8, 7, 30)) == 0
    assert outbox(app) == []  # queued at 06:30, held by the quiet hours
    booking_clock.now = z(2027, 3, 8, 8, 0)
    with app.app_context():
        sweep_outbox.run_once()  # the outbox's periodic sweep delivers what is due
    [message] = outbox(app)
    assert message["To"] == "therapist@example.com"
    text, _ = bodies(message)
    assert "10:00  Claire Robson, Back, Neck & Shoulder Massage at Newcastle City Centre  [new in the brief]" in text
    assert "14:00  Nadia Newcomer, Back, Neck & Shoulder Massage at Newcastle City Centre  [first session with you]" in text
    assert "15:00" not in text  # another therapist's
    [sent] = sent_of(app, "morning_list")
    assert sent.not_before == z(2027, 3, 8, 8, 0) and sent.key == f"morning:{users['therapist'].id}:2027-03-08"
    assert_no_health_data(message)


def test_no_flag_when_nothing_changed_since_the_last_session(app, booking_clock, small_salon, users):
    appointment(app, small_salon, users["client"].id, z(2027, 2, 22, 10, 0))
    appointment(app, small_salon, users["client"].id, z(2027, 3, 8, 10, 0))
    with app.app_context():
        services.set_preferences(db.session.get(User, users["therapist"].id), {"morning_list": True})
        db.session.commit()
    run(app, booking_clock, scan_morning_lists, z(2027, 3, 8, 9, 0))
    text, _ = bodies(outbox(app)[0])
    assert "Claire Robson" in text and "[new in the brief]" not in text and "[first session" not in text


# --- all scans at once: the CLI --------------------------------------------------------------------


def test_flask_reminders_run_runs_every_scan_once_and_commits(app, booking_clock, small_salon, users):
    appointment(app, small_salon, users["client"].id, z(2027, 3, 9, 10, 0))
    appointment(app, small_salon, users["client"].id, z(2027, 3, 8, 5, 0))  # ended 05:45: feel at 08:45+
    booking_clock.now = z(2027, 3, 8, 9, 0)
    result = app.test_cli_runner().invoke(args=["reminders", "run"])
    assert result.exit_code == 0, result.output
    assert "1 reminders, 1 feel, 0 relief" in result.output
    again = app.test_cli_runner().invoke(args=["reminders", "run"])
    assert "0 reminders, 0 feel" in again.output
    assert len(outbox(app)) == 2
    with app.app_context():
        assert run_all(z(2027, 3, 8, 9, 0)) == {"reminders": 0, "feel": 0, "relief": 0, "due": 0, "morning_lists": 0}


def test_a_held_appointment_reminder_asks_them_to_open_it_without_saying_why(app, booking_clock, small_salon,
                                                                              users):
    appointment(app, small_salon, users["client"].id, z(2027, 3, 9, 10, 0), health_hold="not_now")
    run(app, booking_clock, scan_reminders, z(2027, 3, 8, 9, 0))
    [message] = outbox(app)
    text, html = bodies(message)
    assert "your appointment needs your attention" in text and "needs your attention" in html
    assert "not_now" not in text and "not now" not in text.lower()
    assert_no_health_data(message)


def test_a_relief_link_clicked_twice_at_once_stores_one_answer(race_app, booking_clock, scored, users):
    import threading

    from portal.reminders.links import relief_token
    from tests.racing import RACERS

    booking_clock.now = z(2027, 3, 10, 10, 0)
    with race_app.test_request_context():
        path = f"/relief/{relief_token(users['client'].id, scored, 'lower_back', 4, booking_clock.now + timedelta(days=7))}"
    racers = []
    for _ in range(RACERS):
        browser = race_app.test_client()
        racers.append((browser, _csrf(browser.get(path))))
    barrier = threading.Barrier(len(racers))
    statuses, errors = [], []

    def attempt(browser, token):
        try:
            barrier.wait(timeout=30)
            statuses.append(browser.post(path, data={"csrf_token": token}).status_code)
        except BaseException as error:  # noqa: BLE001  (reported below, not swallowed)
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=racer) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sorted(statuses) == [302] + [409] * (RACERS - 1)
    with race_app.app_context():
        assert [c.lower_back for c in db.session.scalars(select(PainCheckIn))] == [4]


def test_the_periodic_job_runs_every_scan_once_per_period(app, booking_clock, small_salon, users):
    """The huey periodic task (portal.reminder_jobs) runs the scans and commits; a second consumer
    in the same 15-minute period does nothing."""
    from portal.reminder_jobs import run_reminder_scans

    tuesday = appointment(app, small_salon, users["client"].id, z(2027, 3, 9, 10, 0))
    booking_clock.now = z(2027, 3, 8, 9, 1)
    with app.app_context():
        assert run_reminder_scans.run_once() is True
        assert run_reminder_scans.run_once() is False  # same period: another consumer's run
    assert list(record(app)) == [("reminder", f"reminder:{tuesday}:2027-03-09T10:00:00+00:00")]
    assert len(outbox(app)) == 1
