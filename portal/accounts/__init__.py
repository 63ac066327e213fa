"""Accounts: register, confirm email, log in and out, passwords."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account")
