"""The admin's catalogue pages: list, add, edit in place (htmx) or on its own page, retire.

Every change is a plain POST form with its CSRF token that redirects when saved, so the pages
work without JavaScript; htmx swaps one table row instead (its edit form, then the saved row).
"""

from __future__ import annotations

import secrets

from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from portal.access import allow
from portal.catalogue import bp, services
from portal.catalogue.forms import RetireForm, RowForm, ServiceForm
from portal.catalogue.services import CatalogueProblem, StaleService
from portal.htmx import wants_fragment
from portal.salon import queries as salon_queries


def _admin():
    return current_user._get_current_object()


def _prefix(service_id: int) -> str:
    # Each row's form has its own field names and ids, so two rows open at once don't clash.
    return f"service-{service_id}"


def _respond(body: str, status: int = 200):
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def _show_problem(form: ServiceForm, problem: CatalogueProblem) -> None:
    field = getattr(form, problem.field, None) if problem.field else None
    if field is not None and not isinstance(problem, StaleService):
        field.errors = [*field.errors, str(problem)]
    else:
        form.form_errors.append(str(problem))


@bp.get("")
@allow("admin")
def index():
    """Every service, retired ones last, each row editable in place."""
    return _respond(render_template("catalogue/index.html", services=salon_queries.all_services()))


@bp.get("/new")
@allow("admin")
def new():
    return _respond(render_template("catalogue/new.html",
                                    form=ServiceForm(salons=salon_queries.locations())))


@bp.post("/new")
@allow("admin")
def create():
    form = ServiceForm(salons=salon_queries.locations())
    if form.validate():
        try:
            service = services.create_service(_admin(), form.to_input())
        except CatalogueProblem as problem:
            _show_problem(form, problem)
        else:
            flash(f"{service.name} is added to the catalogue.", "success")
            return redirect(url_for("catalogue.index"))
    return _respond(render_template("catalogue/new.html", form=form), 422)


def _edit_response(service, form: ServiceForm, status: int = 200, current=None):
    """The full edit form on its own page (description, body areas, salons and the rest)."""
    context = dict(service=service, form=form.fresh_ids(secrets.token_hex(3)), current=current)
    return _respond(render_template("catalogue/edit.html", **context), status)


def _row_response(service, form: RowForm, status: int = 200, current=None):
    """The row's own fields in place of the row (htmx): htmx swaps only 2xx answers, so a row
    with errors comes back as 200 (nothing was saved: the service rolled back). Without htmx
    (a row form sent after its script stopped) the same form on a page of its own."""
    context = dict(service=service, form=form.fresh_ids(secrets.token_hex(3)), current=current)
    if wants_fragment():
        return _respond(render_template("catalogue/_edit_row.html", **context))
    return _respond(render_template("catalogue/edit_row.html", **context), status)


@bp.get("/<int:service_id>/edit")
@allow("admin")
def edit(service_id: int):
    """htmx: the row's fields in place of the row (with a link here for the rest); else the
    full edit page."""
    service = services.get_service(service_id)
    if wants_fragment():
        return _row_response(service, RowForm.for_service(service, prefix=_prefix(service_id)))
    return _edit_response(service, ServiceForm.for_service(service, salon_queries.locations(),
                                                           prefix=_prefix(service_id)))


@bp.get("/<int:service_id>/row")
@allow("admin")
def row(service_id: int):
    """One service's row as saved: what "Cancel" swaps back in place of its edit form."""
    return _respond(render_template("catalogue/_row_only.html", service=services.get_service(service_id)))


def _save(service_id: int, form: RowForm, answer):
    """Save an edit; a stale form (someone saved since) keeps what was typed and says so.
    Saved: the row (htmx) or back to the list; else `answer(service, form, status, current)`."""
    service = services.get_service(service_id)
    current = None
    if form.validate():
        try:
            saved = services.update_service(_admin(), service_id, form.to_input(service), form.seen_version())
        except StaleService as problem:
            _show_problem(form, problem)
            current = problem.current
            # Saving again now means "mine wins, I have seen theirs".
            form.version.data = str(current.version)
        except CatalogueProblem as problem:
            _show_problem(form, problem)
        else:
            message = f"{saved.name} is saved."
            if wants_fragment():
                return _respond(render_template("catalogue/_row_only.html", service=saved, message=message))
            flash(message, "success")
            return redirect(url_for("catalogue.index"))
    return answer(service, form, 409 if current is not None else 422, current)


@bp.post("/<int:service_id>/edit")
@allow("admin")
def update(service_id: int):
    """Save the full edit page."""
    return _save(service_id, ServiceForm(prefix=_prefix(service_id), salons=salon_queries.locations()),
                 _edit_response)


@bp.post("/<int:service_id>/row")
@allow("admin")
def update_row(service_id: int):
    """Save the row's fields (name, length, price, offered); the rest stays as saved."""
    return _save(service_id, RowForm(prefix=_prefix(service_id)), _row_response)


@bp.get("/<int:service_id>/retire")
@allow("admin")
def confirm_retire(service_id: int):
    """Without JavaScript: a page that asks to confirm with a tick box."""
    service = services.get_service(service_id)
    form = RetireForm(formdata=None, version=str(service.version))
    return _respond(render_template("catalogue/retire.html", service=service, form=form))


@bp.post("/<int:service_id>/retire")
@allow("admin")
def retire(service_id: int):
    service = services.get_service(service_id)
    form = RetireForm()
    problem = None
    if form.validate():
        try:
            service = services.retire_service(_admin(), service_id, form.seen_version())
        except StaleService as stale:
            service = stale.current
            problem = (f"Someone else changed {service.name} after you opened this page. "
                       "Please check it below and confirm again.")
            if wants_fragment():
                return _respond(render_template("catalogue/_row_only.html", service=service, message=problem))
        else:
            message = f"{service.name} is retired: it can't be booked any more. Booked appointments keep their price."
            if wants_fragment():
                return _respond(render_template("catalogue/_row_only.html", service=service, message=message))
            flash(message, "success")
            return redirect(url_for("catalogue.index"))
    form.version.data = str(service.version)
    return _respond(render_template("catalogue/retire.html", service=service, form=form,
                                    problem=problem), 409 if problem else 422)
