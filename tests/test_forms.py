"""One form-rendering family: every form field is drawn by templates/_forms.html, so labels,
hints, error messages and their aria wiring are the same on every page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from portal import clock
from portal.feedback.forms import NOTE_MAX
from tests.factories import make_appointment

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Markup that belongs to field rendering: an error message, the errors container, aria-invalid.
FIELD_MARKUP = re.compile(r'class="error"|field-errors|aria[-_]invalid')
FIELD_MACROS = re.compile(r"{%-?\s*macro\s+(field|input|errors|field_error|checkboxes|radios|consent\w*|pain_\w+)\b")


def test_field_markup_has_one_home():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if path.name == "_forms.html" and path.parent == TEMPLATES:
            continue
        source = path.read_text()
        if FIELD_MARKUP.search(source) or FIELD_MACROS.search(source):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_every_wtforms_form_imports_the_one_macro_file():
    """A template that renders a WTForms field (`form.something`) gets its macros from _forms.html."""
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text()
        if re.search(r"{{\s*(\w+_)?form\.(?!csrf_token|errors|needs_consent)\w+", source):
            assert re.search(r'{%\s*from\s+"(_forms\.html|feedback/_macros\.html)"', source), path


def field_tag(html: str, field_id: str) -> str:
    match = re.search(rf'<(?:input|textarea|select)\b[^>]*\bid="{field_id}"[^>]*>', html)
    assert match, f"no control {field_id}"
    return match.group(0)


@pytest.fixture
def past(app, small_salon, users):
    return make_appointment(app, small_salon, users["client"].id, clock.now() - timedelta(days=3))


def test_feedback_errors_are_announced_like_every_other_form(client, auth, past):
    auth.login()
    response = auth.post(f"/appointments/{past}/feedback",
                         {"pressure": "just_right", "note": "x" * (NOTE_MAX + 1), "consent": "y"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    note = field_tag(html, "note")
    assert 'aria-invalid="true"' in note and 'aria-describedby="note-error"' in note
    assert re.search(r'<div id="errors-note" class="field-errors"><p class="error" id="note-error">'
                     r"Please keep this under", html)


def test_consent_box_is_the_same_on_the_profile_and_feedback_forms(client, auth, past):
    auth.login()
    profile = client.get("/profile").get_data(as_text=True)
    feedback = client.get(f"/appointments/{past}/feedback").get_data(as_text=True)
    boxes = [re.search(r'<fieldset class="choice-group consent">.*?</fieldset>', html, re.S).group(0)
             for html in (profile, feedback)]
    statement = [re.sub(r'<p id="consent-statement">.*?</p>', "", box, flags=re.S) for box in boxes]
    assert statement[0] == statement[1]
    assert 'aria-describedby="consent-statement"' in statement[0]


def test_every_text_box_counts_a_line_break_once():
    """A browser sends each line break in a text box as CR LF: every TextAreaField reads it as one
    (`fields.multiline`), so a note as long as its limit, with line breaks, is not refused for
    characters the person never typed (a therapist's full treatment note was), and is stored as typed."""
    import importlib
    import pkgutil

    from wtforms import Form, TextAreaField
    from wtforms.fields.core import UnboundField

    import portal
    from portal.fields import multiline

    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    boxes, forms = [], [Form]
    while forms:
        form = forms.pop()
        forms += form.__subclasses__()
        if form.__module__.startswith("portal."):
            boxes += [(form.__name__, name, field) for name, field in vars(form).items()
                      if isinstance(field, UnboundField) and issubclass(field.field_class, TextAreaField)]
    assert len(boxes) >= 4
    for form, name, field in boxes:
        assert multiline in field.kwargs.get("filters", ()), f"{form}.{name}"
    assert multiline(" Left shoulder\r\nstiff since June \r\n") == "Left shoulder\nstiff since June"


def test_a_profile_note_at_its_limit_with_line_breaks_is_saved_as_typed(app, auth, users):
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.profile import services
    from portal.profile.content import NOTES_MAX

    typed = "\n".join(["x" * 99] * (NOTES_MAX // 100))  # NOTES_MAX - 1 characters as the box shows them
    assert len(typed) <= NOTES_MAX
    auth.login()
    response = auth.post("/profile", {"pressure_preference": "", "consent": "y",
                                      "notes_for_therapist": typed.replace("\n", "\r\n")})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "client@example.com"))
        assert services.latest_content(services.profile_of(user.id)).notes_for_therapist == typed
