"""Demo data: the salon as the seed describes it, loaded only for development, idempotently."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import create_app
from portal.accounts.models import User
from portal.demo import DEMO_PASSWORD, load_demo_data
from portal.extensions import db
from portal.salon.models import PREGNANCY_MASSAGE, Location, Service, Therapist, WorkingHours
from portal.salon.queries import therapists


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_data_is_the_salon_and_loads_twice_without_duplicates(app):
    with app.app_context():
        load_demo_data()
        db.session.commit()
        first = {m.__name__: _count(m) for m in (Location, Service, Therapist, WorkingHours, User)}
        load_demo_data()
        db.session.commit()
        again = {m.__name__: _count(m) for m in (Location, Service, Therapist, WorkingHours, User)}
        assert first == again
        assert first["Location"] == 2 and first["Service"] == 3 and first["Therapist"] == 4

        prices = {s.name: (s.price_pence, s.minutes) for s in db.session.scalars(select(Service))}
        assert prices == {
            "Back, Neck & Shoulder Massage": (3500, 45),
            "Full Body Massage": (5000, 60),
            "Indian Head Massage (includes upper back)": (3000, 45),
        }
        staff = therapists()
        trained = [t for t in staff if t.has_qualification(PREGNANCY_MASSAGE)]
        assert 1 <= len(trained) <= 2
        covered = {loc.slug for t in staff for loc in t.locations}
        assert covered == {"city-centre", "gosforth"}
        assert {loc.slug for t in trained for loc in t.locations} == {"city-centre", "gosforth"}
        demo_therapist = db.session.scalar(select(Therapist).join(User).where(User.email == "therapist@example.com"))
        assert demo_therapist is not None

        from portal.profile.services import content_for_use
        demo_client = db.session.scalar(select(User).where(User.email == "client@example.com"))
        assert content_for_use(demo_client.id).lifestyle == {"desk_worker", "chronic_back_pain"}


def test_demo_logins_work(app, client, auth):
    with app.app_context():
        load_demo_data()
        db.session.commit()
    for role, landing in (("client", "/dashboard"), ("therapist", "/therapist"), ("admin", "/admin")):
        response = auth.login(f"{role}@example.com", DEMO_PASSWORD)
        assert response.status_code == 302 and response.location.endswith(landing)
        assert client.get(landing).status_code == 200
        auth.logout()


def test_cli_loads_demo_data_in_development(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "client@example.com" in result.output and DEMO_PASSWORD in result.output
    with app.app_context():
        assert _count(Location) == 2


def test_demo_data_is_never_loaded_in_production(app_config):
    app = create_app({**app_config, "PORTAL_ENV": "testing"})
    app.config["PORTAL_ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "never loaded into production" in result.output
    with app.app_context():
        assert _count(Location) == 0


def test_home_page_lists_services_and_locations(app, client):
    with app.app_context():
        load_demo_data()
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    for text in ("Back, Neck &amp; Shoulder Massage", "£35", "£50", "£30", "Gosforth", "Newcastle City Centre"):
        assert text in html


def test_demo_client_has_a_believable_pain_trend_and_is_on_todays_list(app):
    from portal.booking.models import Appointment
    from portal.feedback.brief import brief_for
    from portal.feedback.pain import points_by_area
    from portal.feedback.chart import pain_summary
    from portal import clock
    from portal.timezones import to_local

    with app.app_context():
        load_demo_data()
        db.session.commit()
        load_demo_data()  # twice: still one history
        db.session.commit()
        client = db.session.scalar(select(User).where(User.email == "client@example.com"))
        lower_back = points_by_area(client.id)["lower_back"]
        sessions = [p for p in lower_back if p.kind == "session"]
        assert [p.before for p in sessions][0] == 7 and sessions[-1].before == 3
        assert any(p.kind == "check-in" for p in lower_back)
        assert "From 7 to" in pain_summary("lower back", sessions)  # the longer view after the latest change
        therapist_user = db.session.scalar(select(User).where(User.email == "therapist@example.com"))
        todays = [a for a in db.session.scalars(select(Appointment).where(Appointment.client_id == client.id))
                  if to_local(a.starts_at).date() == clock.today()]
        assert len(todays) == 1 and todays[0].therapist.user_id == therapist_user.id
    with app.test_request_context():
        brief = brief_for(db.session.get(User, therapist_user.id), todays[0].id)
        assert brief.last_feedback is not None and brief.last_feedback.pain_before["lower_back"] == 3


def test_demo_check_ins_are_never_in_the_future(app):
    from portal import clock
    from portal.feedback.models import PainCheckIn

    with app.app_context():
        load_demo_data()
        db.session.commit()
        recorded = list(db.session.scalars(select(PainCheckIn.recorded_at)))
        assert len(recorded) == 7
        now = clock.now()
        assert all(at <= now for at in recorded), [at for at in recorded if at > now]


def test_second_demo_load_reports_what_exists_not_what_it_added(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    again = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and again.exit_code == 0, again.output
    summary = first.output.splitlines()[0]
    assert "7 feedback" in summary and "7 check-ins" in summary
    assert again.output.splitlines()[0] == summary


def test_demo_back_office_is_not_empty_and_a_second_load_adds_nothing(app):
    """Time off to come (entered through the rota, so Activity shows it), both salons' booking-site
    pages and the demo client's phone number, once however often the demo is loaded."""
    from portal import clock
    from portal.audit.models import AdminChange
    from portal.booking.models import TimeOff

    with app.app_context():
        load_demo_data()
        db.session.commit()
        away = {(t.therapist.display_name, t.reason) for t in db.session.scalars(select(TimeOff))}
        assert away == {("Sofia Reyes", "Holiday"), ("Grace Liddell", "Training course"),
                        ("Amelia Hart", "Advanced pregnancy massage course")}
        assert all(t.starts_at > clock.now() for t in db.session.scalars(select(TimeOff)))
        logged = _count(AdminChange)
        assert logged == 3
        assert all(location.listings for location in db.session.scalars(select(Location)))
        claire = db.session.scalar(select(User).where(User.email == "client@example.com"))
        assert claire.phone

        load_demo_data()
        db.session.commit()
        assert _count(TimeOff) == 3 and _count(AdminChange) == logged


def test_the_brief_the_benchmarks_open_is_the_demo_clients_latest_and_the_demo_therapist_may_open_it(
        app, client, auth):
    from portal.booking.models import Appointment
    from portal.demo import brief_appointment_id
    with app.app_context():
        assert brief_appointment_id() is None  # no demo yet
        load_demo_data()
        db.session.commit()
        claire = db.session.scalar(select(User).where(User.email == "client@example.com"))
        latest = max(db.session.scalars(select(Appointment).where(Appointment.client_id == claire.id)),
                     key=lambda appointment: (appointment.starts_at, appointment.id))
        assert brief_appointment_id() == latest.id
    assert auth.login("therapist@example.com", DEMO_PASSWORD).status_code == 302
    brief = client.get(f"/therapist/appointments/{latest.id}/brief")
    assert brief.status_code == 200 and "Claire Robson" in brief.get_data(as_text=True)
