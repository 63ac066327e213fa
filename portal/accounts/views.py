"""Account pages: thin views over accounts.services."""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.access import allow, home_for, public
from portal.roles import SIGNED_IN
from portal.accounts import bp, emails, invitations, services, throttle
from portal.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    EmptyForm,
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from portal.extensions import limiter
from portal.reminders.panels import email_panel
from portal.security import is_safe_next


# Where a visitor who registered was going, kept in their session until they confirm.
AFTER_CONFIRM_KEY = "after_confirm"


def _limit(setting: str):
    """A rate limit read from the app's config when a request is counted (the test suite and
    each deployment set their own)."""
    return lambda: current_app.config[setting]


def _submitted_email_fp() -> str:
    return services.email_fingerprint(request.form.get("email", ""))


def _per_ip_and_email() -> tuple[str, str]:
    """Failed logins count per IP address and email together: a stranger guessing from one
    place cannot lock the owner out of their account from everywhere else."""
    return current_app.config["LOGIN_RATE_LIMIT"], f"login:{request.remote_addr}:{_submitted_email_fp()}"


def _per_ip() -> tuple[str, str]:
    """...and per IP address across emails: one place guessing many accounts."""
    return current_app.config["LOGIN_IP_RATE_LIMIT"], f"login-ip:{request.remote_addr}"


def _target_address() -> str:
    """Registration and reset emails count per address they go to, shared by both forms, so
    nobody can flood one inbox from many IP addresses."""
    return "account-mail:" + _submitted_email_fp()


def _accepted(response) -> bool:
    """Only a form that was accepted (and so may send an email) counts."""
    return response.status_code == 302


def _end_browser_session() -> None:
    """Forget this browser's login. The order matters: logout_user() marks the remember-me
    cookie for deletion in the session, so the session is emptied before, never after it."""
    session.clear()
    logout_user()


def _next_target() -> str | None:
    """?next= when it is a path on this site: the login and register pages pass it on."""
    target = request.args.get("next")
    return target if is_safe_next(target) else None


def _log_in(user, remember: bool) -> None:
    """A fresh session and a new login session record for this device."""
    session.clear()  # nothing carried over from before
    services.start_login_session(user, request.headers.get("User-Agent"))
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@throttle.failed_logins_limited(_per_ip, _per_ip_and_email)
@public
def login():
    """Log in with email and password; back to where the visitor was going."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        fingerprint = services.email_fingerprint(form.email.data)
        throttle.slow_down(fingerprint)
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            throttle.record_failure(fingerprint)
            form.password.errors.append("That email and password do not match an account.")
        elif user.email_confirmed_at is None:
            emails.send_confirmation(user)
            form.email.errors.append("Please confirm your email address first: we have just sent you a new link.")
        else:
            _log_in(user, remember=form.remember.data)
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else home_for(user))
    return render_template("accounts/login.html", form=form, next=_next_target())


@bp.route("/logout", methods=["POST"])
@allow(*SIGNED_IN)
def logout():
    """Log out on this device: its session and remember-me cookies stop working, copies too."""
    form = EmptyForm()
    if form.validate_on_submit():
        services.end_login_session(current_user._get_current_object())
        _end_browser_session()
        flash("You have logged out. See you soon.", "success")
    return redirect(url_for("dashboard.home"))


@bp.route("/sessions/end-all", methods=["POST"])
@allow(*SIGNED_IN)
def end_all_sessions():
    """Log out everywhere, this device included (a lost phone, a shared computer)."""
    form = EmptyForm()
    if form.validate_on_submit():
        services.end_all_login_sessions(current_user._get_current_object())
        _end_browser_session()
        flash("You have logged out on every device, this one included.", "success")
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.account"))


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@allow(*SIGNED_IN)
def end_session(session_id: int):
    """Log out one other device from the account page."""
    form = EmptyForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if session_id == services.current_login_session_id(user):
            return logout()
        if not services.end_other_login_session(user, session_id):
            abort(404)
        flash("That device has been logged out.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_RATE_LIMIT"), methods=["POST"])
@limiter.shared_limit(_limit("ACCOUNT_MAIL_RATE_LIMIT"), "account-mail", key_func=_target_address, methods=["POST"],
                      deduct_when=_accepted)
@public
def register():
    """Create a client account; the email link finishes it."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        # Set on both paths (new or existing address) so the session cannot tell them apart.
        nonce = secrets.token_urlsafe(16)
        session["registration_nonce"] = nonce
        target = request.args.get("next")
        if is_safe_next(target):
            # Where the visitor was going (a free time they chose): confirming in this browser
            # logs them in and takes them there.
            session[AFTER_CONFIRM_KEY] = target
        services.register(form.name.data, form.email.data, form.password.data, browser_nonce=nonce)
        session["check_email"] = "register"
        return redirect(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form, next=_next_target())


@bp.route("/check-email")
@public
def check_email():
    """The same answer whether or not the address already had an account."""
    reason = session.pop("check_email", "register")
    return render_template("accounts/check_email.html", reason=reason)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm_email(token: str):
    """Confirm an email address from the link (a button, so mail scanners cannot click it)."""
    form = EmptyForm()
    if form.validate_on_submit():
        confirmed = services.confirm_email(token, browser_nonce=session.get("registration_nonce"))
        if confirmed is None:
            return render_template("accounts/link_invalid.html", purpose="confirm"), 400
        user, same_browser = confirmed
        if same_browser and not current_user.is_authenticated:
            target = session.get(AFTER_CONFIRM_KEY)
            _log_in(user, remember=False)  # a fresh session: the nonce goes with the old one
            flash("Thank you, your email address is confirmed. Welcome!", "success")
            return redirect(target if is_safe_next(target) else home_for(user))
        flash("Thank you, your email address is confirmed. Please log in.", "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/confirm_email.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_limit("PASSWORD_RESET_RATE_LIMIT"), methods=["POST"])
@limiter.shared_limit(_limit("ACCOUNT_MAIL_RATE_LIMIT"), "account-mail", key_func=_target_address, methods=["POST"],
                      deduct_when=_accepted)
@public
def forgot_password():
    """Ask for a reset link; the answer never says whether the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        session["check_email"] = "reset"
        return redirect(url_for("accounts.check_email"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@public
def reset_password(token: str):
    """Choose a new password from an emailed link (works once, for an hour)."""
    if services.user_for_reset_token(token) is None:
        return render_template("accounts/link_invalid.html", purpose="reset"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:  # whoever was logged in on this browser is logged out
            services.end_login_session(current_user._get_current_object())
        if services.reset_password(token, form.password.data) is None:  # used a moment ago
            return render_template("accounts/link_invalid.html", purpose="reset"), 400
        _end_browser_session()
        flash("Your new password is set. Please log in with it.", "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@public
def accept_invitation(token: str):
    """Choose a password from the salon's invitation (works once, for INVITATION_MAX_AGE);
    then straight in: a client to their health form, staff to their home page."""
    invited = invitations.user_for_invitation(token)
    if invited is None:
        return render_template("accounts/link_invalid.html", purpose="invitation"), 400
    form = InvitationForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:  # whoever was logged in on this browser is logged out
            services.end_login_session(current_user._get_current_object())
        user = invitations.accept(token, form.password.data)
        if user is None:  # the same link was used a moment ago (a double submit)
            return render_template("accounts/link_invalid.html", purpose="invitation"), 400
        _log_in(user, remember=False)
        if user.is_client:
            flash("Your password is set. Please fill in your health form before your visit.", "success")
            return redirect(url_for("profile.edit"))
        flash(f"Welcome, {user.first_name}: your password is set.", "success")
        return redirect(home_for(user))
    return render_template("accounts/accept_invitation.html", form=form, invited=invited), 422 if form.errors else 200


@bp.route("/")
@allow(*SIGNED_IN)
def account():
    """The account overview: who you are, where you are logged in, and what you can change."""
    user = current_user._get_current_object()
    return render_template("accounts/account.html", logout_form=EmptyForm(),
                           sessions=services.active_sessions(user),
                           this_session_id=services.current_login_session_id(user),
                           emails=email_panel(user))


@bp.get("/ping")
@allow(*SIGNED_IN)
def ping():
    """204 for anyone logged in: the floor a page is measured against (scripts/bench.py). It
    runs every request's middleware and the one user lookup of login, and nothing else."""
    return "", 204


@bp.route("/password", methods=["GET", "POST"])
@allow(*SIGNED_IN)
def change_password():
    """Change the password; other devices are logged out, this one stays in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if services.change_password(user, form.current_password.data, form.password.data):
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            _log_in(user, remember=remembered)
            flash("Your password has been changed. Other devices have been logged out.", "success")
            return redirect(url_for("accounts.account"))
        form.current_password.errors.append("That is not your current password.")
    return render_template("accounts/change_password.html", form=form)


@bp.route("/delete", methods=["GET", "POST"])
@allow("client")
def delete_account():
    """Close the account and delete everything kept about the client."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user._get_current_object(), form.password.data)
        except services.CannotDelete as refusal:
            form.password.errors.append(str(refusal))
        else:
            _end_browser_session()
            flash("Your account and everything in it have been deleted. Thank you for visiting us.", "success")
            return redirect(url_for("dashboard.home"))
    return render_template("accounts/delete.html", form=form), 422 if form.errors else 200
