"""Entry point for gunicorn (`gunicorn wsgi:app`), the flask command (`flask --app wsgi`) and the
job queue's consumers (`huey_consumer wsgi.huey -w 2 -k thread`)."""

from portal import create_app
from portal.jobs import huey  # noqa: F401  (configured by create_app, tasks registered)

app = create_app()
