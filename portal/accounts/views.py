"""Account pages: thin views over accounts.services."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.access import ANONYMOUS, EVERYONE, allow, public
from portal.accounts import bp, services
from portal.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    EmptyForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from portal.extensions import limiter
from portal.security import is_safe_next

SIGNED_IN = tuple(EVERYONE - {ANONYMOUS})


def home_for(user) -> str:
    return url_for({
        "client": "dashboard.client",
        "therapist": "dashboard.therapist",
        "admin": "dashboard.admin",
    }[user.role])


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _submitted_email() -> str:
    return "login-email:" + services.email_fingerprint(request.form.get("email", ""))


def _failed(response) -> bool:
    """Only failed attempts use up the allowance; a successful login redirects."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], key_func=_submitted_email, deduct_when=_failed)
@public
def login():
    """Log in with email and password; back to where the visitor was going."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("That email and password do not match an account.")
        elif user.email_confirmed_at is None:
            services.send_confirmation(user)
            form.email.errors.append("Please confirm your email address first: we have just sent you a new link.")
        else:
            session.clear()  # a fresh session at login: nothing carried over from before
            login_user(user, remember=form.remember.data)
            services.record_login(user)
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else home_for(user))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(*SIGNED_IN)
def logout():
    """Log out on this device."""
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash("You have logged out. See you soon.", "success")
    return redirect(url_for("dashboard.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@public
def register():
    """Create a client account; the email link finishes it."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        services.register(form.name.data, form.email.data, form.password.data)
        session["check_email"] = "register"
        return redirect(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form)


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
        user = services.confirm_email(token)
        if user is None:
            return render_template("accounts/link_invalid.html", purpose="confirm"), 400
        flash("Thank you, your email address is confirmed. Please log in.", "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/confirm_email.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
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
        services.reset_password(token, form.password.data)
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash("Your new password is set. Please log in with it.", "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/")
@allow(*SIGNED_IN)
def account():
    """The account overview: who you are, and what you can change."""
    return render_template("accounts/account.html", logout_form=EmptyForm())


@bp.route("/password", methods=["GET", "POST"])
@allow(*SIGNED_IN)
def change_password():
    """Change the password; other devices are logged out, this one stays in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if services.change_password(user, form.current_password.data, form.password.data):
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            session.clear()
            login_user(user, remember=remembered)
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
            logout_user()
            session.clear()
            flash("Your account and everything in it have been deleted. Thank you for visiting us.", "success")
            return redirect(url_for("dashboard.home"))
    return render_template("accounts/delete.html", form=form), 422 if form.errors else 200
