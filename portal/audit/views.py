"""The admin's activity page: who changed what in the back office, newest first."""

from __future__ import annotations

from flask import request
from wtforms.fields.choices import SelectChoice

from portal.access import allow
from portal.audit import activity, bp
from portal.audit.forms import ANYONE, ActivityForm
from portal.htmx import render_page


def _number(name: str) -> int | None:
    text = request.args.get(name, "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


@bp.get("/activity", endpoint="activity")
@allow("admin")
def activity_log():
    """Filter by who, by kind of thing and by date range (salon days); 25 a page. Health data
    never appears: the services record catalogue, rota, account and booking fields only."""
    form = ActivityForm(formdata=request.args)
    form.who.choices = [SelectChoice(ANYONE, "Anyone")] + [SelectChoice(str(actor_id), name)
                                                           for actor_id, name in activity.actors()]
    form.kind.choices = [SelectChoice("", "Anything")] + [SelectChoice(kind, label) for kind, label in activity.kinds()]
    form.validate()  # a filter that can't be read is not applied; its message says why
    chosen = activity.ActivityFilter(
        actor_id=form.chosen_actor(), kind=form.chosen_kind(),
        since=None if form.since.errors else form.since.data,
        until=None if form.until.errors else form.until.data,
    )
    page = activity.activity(chosen, _number("page") or 1, upto=_number("upto"))
    # The pager keeps the filters (and only them).
    arguments = {key: request.args[key] for key in ("who", "kind", "since", "until") if request.args.get(key)}
    return render_page("audit/activity.html", block="results", form=form, page=page, arguments=arguments,
                       kind_label=activity.kind_label)
