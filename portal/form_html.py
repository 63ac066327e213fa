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
an input; `Flags.__dir__` below lists the same names (no flag lives on the class).
"""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import widgets
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
    for key, value in sorted(kwargs.items()):
        if value is False:
            continue
        key = _written_key(key)
        if value is True:
            params.append(key)
        else:
            params.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    # Every key was cleaned and escaped (_written_key) and every value escaped just above.
    return Markup(" ".join(params))  # nosec B704


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


def install(jinja_env=None) -> None:
    """Every WTForms widget and label writes its attributes with `html_params` above; the
    templates' field macros (templates/_forms.html) get their aria wiring from `wired`."""
    if jinja_env is not None:
        jinja_env.globals.update(described_by=described_by, wired=wired)
    core.html_params = html_params
    widgets.html_params = html_params
    core.Input.html_params = staticmethod(html_params)
    core.Button.html_params = staticmethod(html_params)
    fields_core.Flags.__dir__ = _flag_names


def _flag_names(flags) -> list[str]:
    """The flags set on this field: what `dir` found before, less the class's own dunder names."""
    return list(vars(flags))
