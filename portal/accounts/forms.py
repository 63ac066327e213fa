"""Forms for accounts; every new password goes through the same policy check."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from portal.accounts.passwords import MAX_LENGTH, password_problem
from portal.fields import one_line


class NewPassword:
    """Validator: the password policy, told in words, with the person's own details as hints."""

    def __init__(self, *related_fields: str):
        self.related_fields = related_fields

    def __call__(self, form, field):
        hints = [getattr(form, name).data or "" for name in self.related_fields if hasattr(form, name)]
        problem = password_problem(field.data or "", hints)
        if problem:
            raise ValidationError(problem)


def email_field(label: str = "Email", *, required: str | None = "Please enter your email address.") -> EmailField:
    """An email address, stripped and lower-cased; `required=None` makes it optional."""
    return EmailField(label, validators=[
        DataRequired(required) if required else Optional(),
        Length(max=254, message="That email address is too long."),
        Email("Please enter an email address like name@example.com.", check_deliverability=False),
    ], filters=[lambda v: v.strip().lower() if isinstance(v, str) else v])


class EmptyForm(FlaskForm):
    """A button-only POST (log out, confirm) that still carries the CSRF token."""

    submit = SubmitField("Continue")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Please enter your email address."), Length(max=254)],
                       filters=[lambda v: v.strip().lower() if isinstance(v, str) else v])
    password = PasswordField("Password", validators=[DataRequired("Please enter your password."),
                                                     Length(max=MAX_LENGTH)])
    remember = BooleanField("Keep me logged in on this device")
    submit = SubmitField("Log in")


class RegisterForm(FlaskForm):
    name = StringField("Your name", validators=[
        DataRequired("Please tell us your name."), Length(max=120, message="Please keep your name under 120 characters."),
    ], filters=[one_line])
    email = email_field()
    password = PasswordField("Choose a password", validators=[
        DataRequired("Please choose a password."), NewPassword("name", "email"),
    ])
    confirm = PasswordField("Type it again", validators=[
        DataRequired("Please type the password again."), EqualTo("password", "The two passwords do not match."),
    ])
    submit = SubmitField("Create my account")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[
        DataRequired("Please enter your current password."), Length(max=MAX_LENGTH),
    ])
    password = PasswordField("New password", validators=[DataRequired("Please choose a new password."), NewPassword()])
    confirm = PasswordField("Type the new password again", validators=[
        DataRequired("Please type the new password again."), EqualTo("password", "The two passwords do not match."),
    ])
    submit = SubmitField("Change password")


class ForgotPasswordForm(FlaskForm):
    email = email_field()
    submit = SubmitField("Send me a reset link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Please choose a new password."), NewPassword()])
    confirm = PasswordField("Type it again", validators=[
        DataRequired("Please type the password again."), EqualTo("password", "The two passwords do not match."),
    ])
    submit = SubmitField("Set my new password")


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired("Please enter your password."),
                                                          Length(max=MAX_LENGTH)])
    confirm = BooleanField("Yes, delete my account and everything in it", validators=[
        DataRequired("Please tick to confirm.")])
    submit = SubmitField("Delete my account")


class InvitationForm(FlaskForm):
    password = PasswordField("Choose a password", validators=[
        DataRequired("Please choose a password."), NewPassword()])
    confirm = PasswordField("Type it again", validators=[
        DataRequired("Please type the password again."), EqualTo("password", "The two passwords do not match."),
    ])
    submit = SubmitField("Set my password")
