"""What the client dashboard shows from feedback: the latest session's question and a check-in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from portal import clock
from portal.booking.queries import latest_completed
from portal.feedback import services
from portal.feedback.forms import CheckInForm, FeedbackForm
from portal.feedback.meaning import CLIENT_ADVICE
from portal.feedback.models import AREAS, PainCheckIn
from portal.feedback.pain import trends, trends_of
from portal.profile.services import CONSENT_STATEMENT, goals_of, has_consent
from portal.timezones import SALON_TZ

# The dashboard's glance covers the last six months, like the pain page opens on.
GLANCE_DAYS = 182


def glance_since() -> tuple[date, datetime]:
    """The glance's first day, and the instant to read scores from."""
    start = clock.today() - timedelta(days=GLANCE_DAYS)
    return start, datetime.combine(start, time(0), tzinfo=SALON_TZ)


def glance_context(client_id: int, rows: list | None = None, checkins: list[PainCheckIn] | None = None) -> dict:
    """Each problem area's trend as a small chart with its latest session's label, and the
    client's goals beside them; the same few queries whatever the history. `rows` and
    `checkins`: the client's feedback rows (`services.feedback_rows`) and check-ins since
    `glance_since()`, when the page has read them already."""
    today = clock.today()
    start, since = glance_since()
    if rows is None or checkins is None:
        glance = trends(client_id, start, today, since, chart_class="pain-chart-small")
    else:
        glance = trends_of(rows, checkins, start, today, chart_class="pain-chart-small")
    return {"glance": glance, "glance_start": start, "goals": goals_of(client_id)}


def form_data(feedback) -> dict:
    """Stored feedback as the form's initial values."""
    if feedback is None:
        return {}
    data = {"pressure": feedback.pressure, "focus_areas": feedback.focus, "note": services.open_note(feedback)}
    for area in AREAS:
        data[f"{area}_before"] = getattr(feedback, f"{area}_before")
        data[f"{area}_after"] = getattr(feedback, f"{area}_after")
    return data


def dashboard_context(client_id: int, feedback_form: FeedbackForm | None = None,
                      checkin_form: CheckInForm | None = None, feedback_saved: bool = False,
                      checkin_saved: bool = False, feedback_advice: bool = False,
                      checkin_advice: bool = False, given: dict | None = None,
                      blank_forms_drawn: bool = False) -> dict:
    """`feedback_advice`/`checkin_advice`: what was just saved calls for the advice to see a
    clinician, shown beside the thanks for it. `given`: the client's feedback by appointment
    id, when the page has read it already. `blank_forms_drawn`: the page puts in the blank
    check-in and feedback forms drawn once (`dashboard.panels`), so their forms are not built
    here (None)."""
    now = clock.now()
    needs_consent = not has_consent(client_id)
    appointment = latest_completed(client_id)
    if appointment is None:
        feedback = None
    elif given is not None:
        feedback = given.get(appointment.id)
    else:
        feedback = services.feedback_for(appointment.id)
    editable = services.can_edit(feedback, now)
    # Built only where it is shown: a session's form while its feedback may still be changed.
    if feedback_form is None and appointment is not None and editable \
            and not (blank_forms_drawn and feedback is None):
        feedback_form = FeedbackForm(formdata=None, data=form_data(feedback), needs_consent=needs_consent)
    if checkin_form is None and not blank_forms_drawn:
        checkin_form = CheckInForm(formdata=None, needs_consent=needs_consent)
    return {
        "needs_consent": needs_consent,
        "consent_statement": CONSENT_STATEMENT,
        "feedback_appointment": appointment,
        "feedback": feedback,
        "feedback_form": feedback_form,
        "feedback_editable": editable,
        "feedback_saved": feedback_saved,
        "checkin_form": checkin_form,
        "checkin_saved": checkin_saved,
        "feedback_advice": CLIENT_ADVICE if feedback_advice else "",
        "checkin_advice": CLIENT_ADVICE if checkin_advice else "",
    }
