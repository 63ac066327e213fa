"""portal/form_html.py writes exactly what WTForms' own html_params writes, and the app uses it."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup
from wtforms import BooleanField, SelectChoice, Form, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, \
    SubmitField, TextAreaField
from wtforms.fields.core import Flags
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.widgets import core

from portal import form_html

AWKWARD = [
    {"name": "a", "id": "b", "class_": "x y", "value": "<&>\"'"},
    {"checked": True, "readonly": False, "name": "t", "abc": "hello"},
    {"data_hx_get": "/x?a=1&b=2", "aria_describedby": "e-hint e-error", "aria_invalid": "true", "for_": "f"},
    {"value": Markup('say "hi" <b>')},
    {"value": Markup("&amp; already")},
    {"value": 3, "min": 0, "max": 10, "step": 1, "required": True},
    {"value": None},
    {"bad\"key": "v", "x<": True},
    {},
    {"value": "ünïcode ✿"},
    {"id": "checkin-neck", "name": "checkin-neck", "type": "number", "value": "", "min": 0, "max": 10, "step": 1},
    {"class_": "pain-input", "aria_invalid": "true", "aria_describedby": "neck-error", "value": 11},
    {"value": 'say "ouch" & <b>', "data_x_y": "a'b", "required": True, "disabled": False},
    {"value": Markup('<i class="x">'), "title": None, "for_": "neck"},
]


@pytest.mark.parametrize("attributes", AWKWARD)
def test_the_same_attributes_as_wtforms(attributes):
    ours = form_html.html_params(**attributes)
    theirs = form_html._wtforms_html_params(**attributes)
    assert ours == theirs
    assert isinstance(ours, Markup)


class Everything(Form):
    name = StringField("Name <you>", validators=[DataRequired(), Length(max=20)])
    score = IntegerField("Score", validators=[NumberRange(0, 10)])
    notes = TextAreaField("Notes")
    area = SelectField("Area", choices=[SelectChoice("neck", "Neck & shoulders"),
                                               SelectChoice("back", 'The "back"')])
    areas = SelectMultipleField("Areas", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")])
    level = RadioField("Level", choices=[SelectChoice("1", "One"), SelectChoice("2", "Two")])
    agree = BooleanField("I agree")
    submit = SubmitField("Save")


def _draw(form) -> str:
    return "".join(str(field.label) + str(field(class_="c", data_x='q"q', aria_invalid="true")) for field in form)


def test_a_whole_form_draws_the_same_with_either(monkeypatch):
    form = Everything(data={"name": 'A "name" <b>', "score": 7, "notes": "<script>", "area": "back",
                            "areas": ["b"], "level": "2", "agree": True})
    form_html.install()
    ours = _draw(form)
    from wtforms import widgets
    for owner, name in ((core, "html_params"), (widgets, "html_params")):
        monkeypatch.setattr(owner, name, form_html._wtforms_html_params)
    monkeypatch.setattr(core.Input, "html_params", staticmethod(form_html._wtforms_html_params))
    monkeypatch.setattr(core.Button, "html_params", staticmethod(form_html._wtforms_html_params))
    monkeypatch.setattr(SelectField, "widget", core.Select())
    monkeypatch.delattr(Flags, "__dir__")  # back to object.__dir__, which walks the class too
    theirs = _draw(form)
    assert theirs == ours
    # The flags still reach the HTML: required and maxlength from the validators.
    name = str(form.name())
    assert 'maxlength="20"' in name and re.search(r"<input[^>]* required( |>)", name)


SELECTS = [
    # (choices, coerce, data): the booking form's shapes first, then awkward ones.
    ([("any", "Any suitable therapist"), ("12", "Amelia Hart (Gosforth)"), ("7", 'Daniel "Dan" <O&K>')], str, "12"),
    ([(3, "Back · 45 min · £45.00"), (5, "Full body")], int, 5),
    ([(3, "Back"), (5, "Full body")], int, None),
    ([SelectChoice("neck", "Neck & shoulders"), SelectChoice('a"b', Markup("<i>B</i>")), SelectChoice("c")], str, 'a"b'),
    (["x", "y <z>"], str, "y <z>"),
    ([(True, "Yes"), (False, "No")], lambda v: v == "True" if isinstance(v, str) else bool(v), False),
    ([("", "Anything"), ("0", ""), (None, "Nothing")], str, ""),
    ([(Markup('say "hi"'), "hi"), ("ünï ✿", "ünï ✿")], str, "ünï ✿"),
    # Drawn by WTForms itself (option attributes, groups, a dict, nothing): the same either way.
    ([SelectChoice("a", "A", render_kw={"disabled": True}), SelectChoice("b", "B")], str, "b"),
    ([SelectChoice("a", "A", optgroup="G"), SelectChoice("b", "B", optgroup="G")], str, "a"),
    ({"Group": [("a", "A")], "Other": [("b", "B")]}, str, "b"),
    ([], str, None),
    (None, str, None),
]


@pytest.mark.parametrize("required", [False, True])
@pytest.mark.parametrize("choices, coerce, data", SELECTS)
def test_a_select_draws_what_wtforms_draws(choices, coerce, data, required):
    class Choosing(Form):
        pick = SelectField("Pick <one>", coerce=coerce, validators=[DataRequired()] if required else [])
    form = Choosing()
    form.pick.choices, form.pick.data = choices, data
    ours = form_html.Select()(form.pick, class_="c", data_x='q"q')
    theirs = core.Select()(form.pick, class_="c", data_x='q"q')
    assert ours == theirs and isinstance(ours, Markup)
    assert (" required" in ours) == required


def test_flags_list_the_same_names_as_before():
    form = Everything()
    ours = dir(form.name.flags)
    assert ours == sorted(name for name in object.__dir__(form.name.flags) if not name.startswith("_"))
    assert ours == ["maxlength", "required"]


def test_the_app_draws_fields_with_it(app):
    assert core.html_params is form_html.html_params
    assert core.Input.html_params is form_html.html_params
    assert core.Button.html_params is form_html.html_params
    assert Flags.__dir__ is form_html._flag_names
    assert isinstance(SelectField.widget, form_html.Select)


def test_a_control_is_described_by_its_hint_and_its_error():
    form = Everything(data={"name": "x"})
    name = form.name
    assert form_html.described_by(name) == ""
    assert form_html.described_by(name, "A hint") == "name-hint"
    assert form_html.wired(name, None, {"class_": "c"}) == {"class_": "c"}  # no wiring to add
    name.errors = ["Too long."]
    assert form_html.described_by(name) == "name-error"
    assert form_html.described_by(name, "A hint") == "name-hint name-error"
    assert form_html.wired(name, "A hint", {"aria_describedby": "stale"}) == {
        "aria_describedby": "name-hint name-error", "aria_invalid": "true"}


def test_the_field_macro_wires_hint_error_and_invalid(app):
    form = Everything(data={"name": "x"})
    form.name.errors = ["Too <long>."]
    with app.test_request_context():
        html = app.jinja_env.from_string(
            '{% from "_forms.html" import field %}{{ field(form.name, hint="Your name", autocomplete="name") }}'
        ).render(form=form)
    control = re.search(r"<input[^>]*>", html).group(0)
    assert 'aria-describedby="name-hint name-error"' in control and 'aria-invalid="true"' in control
    assert 'autocomplete="name"' in control
    assert '<p class="hint" id="name-hint">Your name</p>' in html
    assert '<div id="errors-name" class="field-errors"><p class="error" id="name-error">Too &lt;long&gt;.</p></div>' in html
    assert html.startswith('<div class="field field-invalid">')


@pytest.mark.parametrize("errors", [[], ["Too <long>.", "And more."]])
def test_the_field_macro_writes_hint_and_errors_as_their_own_macros_do(app, errors):
    form = Everything(data={"name": "x"})
    form.name.errors = errors
    with app.test_request_context():
        module = app.jinja_env.get_template("_forms.html").module
        html = str(module.field(form.name, hint="Your <name>"))
        assert str(module.hint_text(form.name, "Your <name>")) in html
        assert str(module.errors(form.name)) in html
        assert str(module.control(form.name, "Your <name>")) in html


def test_tick_boxes_and_radios_escape_what_they_show_and_tick_what_was_chosen(app):
    class Awkward(Form):
        areas = SelectMultipleField("Areas <all>", choices=[SelectChoice('a"b', "A & <b>"), SelectChoice("c", "C")])
        level = RadioField("Level", choices=[SelectChoice("1", "One <1>"), SelectChoice("2", "Two")])
    form = Awkward(data={"areas": ['a"b'], "level": "2"})
    form.areas.errors = ["Pick <one>."]
    with app.test_request_context():
        module = app.jinja_env.get_template("_forms.html").module
        boxes = str(module.checkboxes(form.areas, hint="Any <that> apply"))
        scale = str(module.radios(form.level, legend="How <much>", class_="scale"))
    assert '<input type="checkbox" id="areas-a&#34;b" name="areas" value="a&#34;b" checked>' in boxes
    assert '<label for="areas-a&#34;b">A &amp; &lt;b&gt;</label>' in boxes
    assert re.search(r'<input type="checkbox" id="areas-c" name="areas" value="c">', boxes)
    assert "<legend>Areas &lt;all&gt;</legend>" in boxes and "Any &lt;that&gt; apply" in boxes
    assert boxes.startswith('<fieldset class="choice-group field-invalid" aria-describedby="areas-hint areas-error">')
    assert '<p class="error" id="areas-error">Pick &lt;one&gt;.</p>' in boxes
    assert "<legend>How &lt;much&gt;</legend>" in scale and '<div class="scale">' in scale
    assert re.search(r'<input checked id="level-\d" name="level" type="radio" value="2">', scale)
    assert "One &lt;1&gt;" in scale and 'aria-describedby' not in scale.split(">")[0]


def test_the_fields_are_written_in_python_not_by_macros(app):
    """Every name _forms.html offers is one of form_html's writers (a macro call costs more than
    the field it draws: the profile draws some forty)."""
    with app.test_request_context():
        module = app.jinja_env.get_template("_forms.html").module
    for name, writer in form_html.FIELD_WRITERS.items():
        assert getattr(module, name) is writer


RADIOS = [
    # (choices, data, validators): the profile's pressure scale first, then awkward ones.
    ([SelectChoice("", "No preference"), SelectChoice("light", "Light"), SelectChoice("firm", "Firm")], "", []),
    ([SelectChoice("", "No preference"), SelectChoice("light", "Light")], "light", [DataRequired()]),
    ([SelectChoice("a", 'The "A" <one>'), SelectChoice("b&c", Markup("<i>B</i>")), SelectChoice("", "")], "b&c", []),
    ([SelectChoice(3, "Three"), SelectChoice(5)], "5", []),
    ([SelectChoice("x"), SelectChoice('y "z"')], 'y "z"', []),
    ([SelectChoice(Markup('say "hi"'), "hi"), SelectChoice("ünï ✿", "ünï ✿")], "ünï ✿", []),
    ([], None, []),
]


def _wtforms_radio_options(f) -> str:
    return "\n".join(f'<div class="field-check">{option()} {option.label}</div>' for option in f)


@pytest.mark.parametrize("choices, data, validators", RADIOS)
def test_radio_options_draw_what_wtforms_draws(choices, data, validators):
    class Choosing(Form):
        level = RadioField("Level <one>", choices=choices, validators=validators)
    form = Choosing(data={"level": data})
    ours = form_html._radio_options(form.level)
    assert ours == _wtforms_radio_options(form.level)
    # The group around them is the same whichever draws the options.
    assert form_html.radios(form.level, class_="scale") == form_html._group(
        form.level, None, None, f'<div class="scale">{ours}</div>')


class Disabling:
    field_flags = {"disabled": "disabled"}

    def __call__(self, form, field):
        pass


def test_radio_options_with_attributes_of_their_own_are_drawn_by_wtforms():
    class Choosing(Form):
        level = RadioField("Level", choices=[SelectChoice("a", "A", render_kw={"data-x": "1"}), SelectChoice("b", "B")])
        kept = RadioField("Kept", choices=[SelectChoice("a", "A")], render_kw={"class": "k"})
        # A flag with a value: WTForms writes disabled="disabled".
        flagged = RadioField("Flagged", choices=[SelectChoice("a", "A")], validators=[Disabling()])
    form = Choosing(data={"level": "a"})
    for field in (form.level, form.kept, form.flagged):
        assert form_html._radio_options(field) is None
        assert _wtforms_radio_options(field) in form_html.radios(field)
    assert 'class="k"' in form_html.radios(form.kept) and 'disabled="disabled"' in form_html.radios(form.flagged)


@pytest.mark.parametrize("text", [None, "Your <own> words", Markup("<b>Bold</b> label")])
def test_a_label_is_written_as_wtforms_writes_it(text):
    form = Everything()
    for field in form:
        assert form_html.label_for(field, text) == (field.label(text=text) if text else field.label())
