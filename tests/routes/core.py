"""Accounts and dashboards."""

from tests.routes import LOGIN, ROLES

ROUTES = {
    "dashboard.home": ("GET", "/", {"anonymous": 200, "client": 302, "therapist": 302, "admin": 302}),
    "dashboard.client": ("GET", "/dashboard", {"anonymous": LOGIN, "client": 200, "therapist": 403, "admin": 403}),
    "dashboard.therapist": ("GET", "/therapist", {"anonymous": LOGIN, "client": 403, "therapist": 200, "admin": 403}),
    "dashboard.admin": ("GET", "/admin", {"anonymous": LOGIN, "client": 403, "therapist": 403, "admin": 200}),
    "accounts.login": ("GET", "/account/login", {"anonymous": 200, "client": 302, "therapist": 302, "admin": 302}),
    "accounts.logout": ("POST", "/account/logout", {"anonymous": LOGIN, "client": 302, "therapist": 302, "admin": 302}),
    "accounts.register": ("GET", "/account/register", {"anonymous": 200, "client": 302, "therapist": 302, "admin": 302}),
    "accounts.check_email": ("GET", "/account/check-email", dict.fromkeys(ROLES, 200)),
    "accounts.confirm_email": ("GET", "/account/confirm/some-token", dict.fromkeys(ROLES, 200)),
    "accounts.forgot_password": ("GET", "/account/forgot-password", dict.fromkeys(ROLES, 200)),
    "accounts.reset_password": ("GET", "/account/reset-password/forged", dict.fromkeys(ROLES, 400)),
    "accounts.account": ("GET", "/account/", {"anonymous": LOGIN, "client": 200, "therapist": 200, "admin": 200}),
    "accounts.delete_account": ("GET", "/account/delete",
                                {"anonymous": LOGIN, "client": 200, "therapist": 403, "admin": 403}),
    # The benchmark's floor: 204 for anyone logged in (scripts/bench.py).
    "accounts.ping": ("GET", "/account/ping", {"anonymous": LOGIN, "client": 204, "therapist": 204, "admin": 204}),
    "accounts.change_password": ("GET", "/account/password",
                                 {"anonymous": LOGIN, "client": 200, "therapist": 200, "admin": 200}),
    "accounts.end_all_sessions": ("POST", "/account/sessions/end-all",
                                  {"anonymous": LOGIN, "client": 302, "therapist": 302, "admin": 302}),
    # No such login session for anyone: only its owner can end one.
    "accounts.end_session": ("POST", "/account/sessions/999999/end",
                             {"anonymous": LOGIN, "client": 404, "therapist": 404, "admin": 404}),
    # The admin's undelivered email (portal/outbox); no such message to resend.
    "outbox.dead_letters": ("GET", "/admin/outbox/", {"anonymous": LOGIN, "client": 403, "therapist": 403, "admin": 200}),
    "outbox.resend": ("POST", "/admin/outbox/999999/resend",
                      {"anonymous": LOGIN, "client": 403, "therapist": 403, "admin": 404}),
    # The load balancer's probes: no login, the same answer for everyone.
    "health.healthz": ("GET", "/healthz", dict.fromkeys(ROLES, 200)),
    "health.readyz": ("GET", "/readyz", dict.fromkeys(ROLES, 200)),
}
