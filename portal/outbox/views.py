"""The admin's dead letters: email that failed or gave up, with a button to send it again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import allow
from portal.accounts.forms import EmptyForm
from portal.audit.services import record_change
from portal.outbox import bp, services


@bp.route("/")
@allow("admin")
def dead_letters():
    """Failed (still retrying) and dead messages: who, what, tries, last error; never a body."""
    return render_template("outbox/dead_letters.html", messages=services.undelivered(), form=EmptyForm())


@bp.route("/<int:message_id>/resend", methods=["POST"])
@allow("admin")
def resend(message_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        found = services.resend(current_user, message_id)
    except services.NotResendable:
        flash("That email is no longer waiting to be resent.", "info")
        return redirect(url_for("outbox.dead_letters"))
    if found is None:
        abort(404)
    message, before = found
    record_change(current_user, "resent", "email", message.id, f"{message.kind} to {message.to}",
                  {"status": (before, message.status)})
    flash(f"Sending again: {message.subject} to {message.to}.", "success")
    return redirect(url_for("outbox.dead_letters"))
