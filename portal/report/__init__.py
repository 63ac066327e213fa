"""A report for the GP or physio: a printable page, a PDF and a CSV of the client's own pain
story, and share links the client makes, sees and revokes."""

from flask import Blueprint

bp = Blueprint("report", __name__)
