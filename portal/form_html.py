"""WTForms' attribute writer, without its cost: the same HTML, a third of the time.

WTForms builds every attribute of every input, label, select and option with
`Markup('{k}="{v}"').format(...)`, which runs Python's `string.Formatter` with markupsafe's
escaping on each key and value: about half of what drawing a form field costs, and the client
dashboard draws some thirty of them. `html_params` below writes the identical string (same order,
same escaping of keys and values, `True` as a bare attribute, `False` left out, a literal quote in
a `Markup` value still written as `&quot;`); `install` puts it where WTForms looks for it. A test
compares the two on awkward input, so an upgrade of WTForms that changes its output shows.

Two more costs of drawing a field go the same way: an attribute name is cleaned and escaped once
per process (a form has a handful of names, drawn thousands of times), and a field's `flags` list
only the flags set on it. Every WTForms widget looks for validation attributes (required,
maxlength) with `dir(field.flags)`, which walks the class hierarchy too, about a third of drawing
an input; `Flags.__dir__` below lists the same names (no flag lives on the class). A select's
options are written straight from its choices (`Select`), when they are plain.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import SelectChoice, widgets
from wtforms.fields import choices as fields_choices
from wtforms.fields import core as fields_core
from wtforms.widgets import core

_wtforms_html_params = core.html_params
_clean_key = core.clean_key


_keys: dict[str, str] = {}  # attribute name as written -> cleaned and escaped (names come from code)


def _written_key(key: str) -> str:
    written = _keys.get(key)
    if written is None:
        written = _keys[key] = str(escape(_clean_key(key)))
    return written


def html_params(**kwargs) -> Markup:
    params = []
    for key in sorted(kwargs):
        value = kwargs[key]
        if value is False:
            continue
        written = _keys.get(key) or _written_key(key)
        if value is True:
            params.append(written)
        elif type(value) is str:  # the usual case: escaping a plain string leaves no quote
            params.append(f'{written}="{escape(value)}"')
        elif type(value) is int:  # a number's digits need no escaping (True and False are not ints here)
            params.append(f'{written}="{value}"')
        else:
            params.append(f'{written}="{_attribute_value(value)}"')
    # Every key was cleaned and escaped (_written_key) and every value escaped just above.
    return Markup(" ".join(params))  # nosec B704


def _attribute_value(value) -> str:
    """A value as `html_params` writes it after `name=` (never True or False: the caller's)."""
    return str(escape(value)).replace(chr(34), "&quot;")


class Select(core.Select):
    """WTForms' select, the same HTML, with its options written straight from a SelectField's
    choices when they are plain (a list of (value, label) pairs, values or SelectChoices with no
    option attributes or groups); anything else is WTForms' own. For each option WTForms builds two
    choice objects and a dict, sorts its attributes and formats a Markup: a chain's booking page
    lists fifty-odd therapists."""

    def __call__(self, field, **kwargs):
        options = None if self.multiple else _plain_options(field)
        if options is None:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        coerce, data = field.coerce, field.data
        for value, label in options:
            selected = "selected " if coerce(value) == data else ""
            written = _attribute_value(str(value) if isinstance(value, bool) else value)
            html.append(f'<option {selected}value="{written}">{escape(label or value)}</option>')
        html.append("</select>")
        # The select's attributes by html_params, each value and label escaped just above.
        return Markup("".join(html))  # nosec B704


def _plain_options(field) -> list[tuple] | None:
    """The (value, label) of each of a SelectField's choices, or None where WTForms must draw them."""
    if type(field).iter_choices is not fields_choices.SelectField.iter_choices:
        return None
    choices = field.choices
    if not isinstance(choices, (list, tuple)):
        return None
    options = []
    for choice in choices:
        if type(choice) is tuple and len(choice) == 2:
            options.append(choice)
        elif type(choice) is SelectChoice and choice.render_kw is None and choice.optgroup is None:
            options.append((choice.value, choice.label))
        elif type(choice) is str:
            options.append((choice, None))
        else:
            return None
    return options


def described_by(f, hint=None) -> str:
    """The ids a control is described by: its hint and its error, if shown ("" for none)."""
    if hint:
        return f"{f.id}-hint {f.id}-error" if f.errors else f"{f.id}-hint"
    return f"{f.id}-error" if f.errors else ""


def wired(f, hint=None, attrs=None) -> dict:
    """A control's attributes with its aria wiring: aria-describedby (hint, error) and
    aria-invalid while it has errors. `attrs` (the macro's keywords) is updated and returned."""
    attrs = {} if attrs is None else attrs
    ids = described_by(f, hint)
    if ids:
        attrs["aria_describedby"] = ids
    if f.errors:
        attrs["aria_invalid"] = "true"
    return attrs


# -- the portal's form fields ---------------------------------------------------------------------
# Every field of the portal is drawn by one of these, so labels, hints, error messages and their
# aria wiring look and behave the same on every page; templates import them from _forms.html. They
# are Python, not Jinja macros: a macro call costs more than the field it draws, and the profile
# draws some forty fields. A field's errors always sit in a container with a stable id
# (errors-<field id>): the profile's live preview refreshes one field's message out of band by
# swapping that container.

def errors(f, oob: bool = False) -> Markup:
    """The field's errors container (empty while it has none); `oob` swaps it out of band."""
    shown = f'<p class="error" id="{escape(f.id)}-error">{Markup(" ").join(f.errors)}</p>' if f.errors else ""
    swap = ' hx-swap-oob="true"' if oob else ""
    return Markup(f'<div id="errors-{escape(f.id)}" class="field-errors"{swap}>{shown}</div>')  # nosec B704


def hint_text(f, hint=None) -> Markup:
    """The hint under a field's label, which its control is described by ("" for none)."""
    return Markup(f'<p class="hint" id="{escape(f.id)}-hint">{escape(hint)}</p>' if hint else "")  # nosec B704


def control(f, hint=None, **attrs) -> Markup:
    """The control alone, with aria-describedby and aria-invalid; keywords become attributes."""
    return f(**wired(f, hint, attrs))


def field(f, hint=None, label=None, autocomplete=None, **attrs) -> Markup:
    """One labelled field with its hint and errors. A BooleanField is a tick box with its label after it."""
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    drawn = f(**wired(f, hint, attrs))
    name = label_for(f, label)
    if f.type == "BooleanField":
        kind, inside = " field-check", f"{drawn} {name}\n{hint_text(f, hint)}"
    else:
        kind, inside = "", f"{name}\n{hint_text(f, hint)}\n{drawn}"
    invalid = " field-invalid" if f.errors else ""
    # Each part was escaped or drawn (Markup) above.
    return Markup(f'<div class="field{invalid}{kind}">\n{inside}\n{errors(f)}\n</div>')  # nosec B704


def label_for(f, text=None) -> str:
    """The field's label, as WTForms' `f.label(text=text)` writes it, without its attribute
    machinery (WTForms' own where the label names no control, as a group's does not)."""
    label = f.label
    if type(label.field_id) is not str:
        return label(text=text) if text else label()
    return f'<label for="{escape(label.field_id)}">{escape(text or label.text)}</label>'


def choice(f, value, label) -> Markup:
    """One tick box of a multiple-choice field (SelectMultipleField), ticked if chosen."""
    box = f"{escape(f.id)}-{escape(value)}"
    ticked = " checked" if value in (f.data or []) else ""
    return Markup(f'<div class="field-check"><input type="checkbox" id="{box}" name="{escape(f.name)}" '  # nosec B704
                  f'value="{escape(value)}"{ticked}> <label for="{box}">{escape(label)}</label></div>')


def _group(f, legend, hint, inside: str) -> Markup:
    """A fieldset of choices with its legend, hint and errors."""
    ids = described_by(f, hint)
    invalid = " field-invalid" if f.errors else ""
    described = f' aria-describedby="{ids}"' if ids else ""
    return Markup(f'<fieldset class="choice-group{invalid}"{described}>\n'  # nosec B704
                  f"<legend>{escape(legend or f.label.text)}</legend>\n{hint_text(f, hint)}\n{inside}\n{errors(f)}\n"
                  "</fieldset>")


def checkboxes(f, legend=None, hint=None) -> Markup:
    """A group of tick boxes."""
    return _group(f, legend, hint, "\n".join(choice(f, c.value, c.label) for c in f.choices))


def radios(f, legend=None, hint=None, class_=None) -> Markup:
    """One choice of several (RadioField); `class_` wraps the options, e.g. a horizontal scale."""
    options = _radio_options(f)
    if options is None:
        options = "\n".join(f'<div class="field-check">{option()} {option.label}</div>' for option in f)
    if class_:
        options = f'<div class="{escape(class_)}">{options}</div>'
    return _group(f, legend, hint, options)


def _radio_options(f) -> str | None:
    """A RadioField's options, each its radio button and label in a `field-check` div, as WTForms
    draws them (`option()` and `option.label`) but straight from its choices: WTForms builds a
    whole field for each option first. None where WTForms must draw them (attributes on the field
    or an option, another option widget)."""
    if f.render_kw is not None or type(f.option_widget) is not core.RadioInput:
        return None
    flags = {}  # each option's own, as WTForms sets them: from the validators and the option widget
    for source in (*f.validators, f.option_widget):
        flags.update(getattr(source, "field_flags", {}))
    if any(type(flags.get(flag, False)) is not bool for flag in core.RadioInput.validation_attrs):
        return None  # a flag with a value of its own: WTForms writes it as an attribute's value
    disabled = "disabled " if flags.get("disabled") else ""
    required = "required " if flags.get("required") else ""
    name, options = escape(f.name), []
    for i, option in enumerate(f._iter_choices_normalized()):
        if option.render_kw:
            return None
        box = escape(f"{f.id}-{i}")
        checked = "checked " if option.selected else ""
        options.append(f'<div class="field-check"><input {checked}{disabled}id="{box}" name="{name}" {required}'
                       f'type="radio" value="{_attribute_value(str(option.value))}"> '
                       f'<label for="{box}">{escape(option.label or option.value)}</label></div>')
    return "\n".join(options)


def consent(f, statement) -> Markup:
    """The separate, unticked health-data consent box; the statement describes the tick box. The
    caller decides whether it is needed (only while the client has not, or no longer, agreed)."""
    box = f(aria_describedby=f"{f.id}-statement" + (f" {f.id}-error" if f.errors else ""),
            aria_invalid="true" if f.errors else False)
    invalid = " field-invalid" if f.errors else ""
    return Markup(f'<fieldset class="choice-group consent{invalid}">\n<legend>Your consent</legend>\n'  # nosec B704
                  f'<p id="{escape(f.id)}-statement">{escape(statement)}</p>\n'
                  f'<div class="field-check">{box} {f.label}</div>\n{errors(f)}\n</fieldset>')


def pain_input(f) -> Markup:
    """A 0-10 pain score box; its label is the caller's (a table header or a visually hidden one)."""
    return f(class_="pain-input", aria_invalid="true" if f.errors else "false",
             aria_describedby=f"{f.id}-error" if f.errors else False)


def pain_field(f, label) -> Markup:
    """A pain score with its own visible label, e.g. one area of the check-in."""
    invalid = " field-invalid" if f.errors else ""
    return Markup(f'<div class="field{invalid}">\n<label for="{escape(f.id)}">{escape(label)}</label>\n'  # nosec B704
                  f"{pain_input(f)}\n{errors(f)}\n</div>")


FIELD_WRITERS = {writer.__name__: writer for writer in (
    errors, hint_text, control, field, choice, checkboxes, radios, consent, pain_input, pain_field)}


def install(jinja_env=None) -> None:
    """Every WTForms widget and label writes its attributes with `html_params` above; templates
    draw fields with the writers above (imported from templates/_forms.html, which names them)."""
    if jinja_env is not None:
        jinja_env.globals.update(described_by=described_by, wired=wired,
                                 **{f"form_{name}": writer for name, writer in FIELD_WRITERS.items()})
    core.html_params = html_params
    widgets.html_params = html_params
    core.Input.html_params = staticmethod(html_params)
    core.Button.html_params = staticmethod(html_params)
    fields_choices.SelectField.widget = Select()
    fields_core.Flags.__dir__ = _flag_names


def _flag_names(flags) -> list[str]:
    """The flags set on this field: what `dir` found before, less the class's own dunder names."""
    return list(vars(flags))
