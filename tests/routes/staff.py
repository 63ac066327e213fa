"""Staff, invitations, therapists' details and clients added by phone: admin only."""

from tests.routes import LOGIN, ROLES

ADMIN_ONLY = {"anonymous": LOGIN, "client": 403, "therapist": 403, "admin": 200}


def _therapist_page(app, users):
    from portal.extensions import db
    from portal.salon.models import Therapist

    with app.app_context():
        therapist = Therapist(display_name="Grace Liddell")
        db.session.add(therapist)
        db.session.commit()
        return f"/admin/staff/therapists/{therapist.id}"


ROUTES = {
    "staff.index": ("GET", "/admin/staff", ADMIN_ONLY),
    "staff.invite": ("GET", "/admin/staff/invite", ADMIN_ONLY),
    # Nobody is waiting for an invitation: an admin gets 404, the others never reach it.
    "staff.resend": ("POST", "/admin/staff/999999/resend", {**ADMIN_ONLY, "admin": 404}),
    "staff.edit_therapist": ("GET", _therapist_page, ADMIN_ONLY),
    "staff.new_client": ("GET", "/admin/clients/new", ADMIN_ONLY),
    "staff.check_client": ("POST", "/admin/clients/new/check", ADMIN_ONLY),
    # A forged invitation link: the same clear page for everyone.
    "accounts.accept_invitation": ("GET", "/account/welcome/forged", dict.fromkeys(ROLES, 400)),
}
