"""The app factory: settings, extensions, every feature's blueprint and views, the domain
event listeners and the CLI, wired in one place (flaskr style)."""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import HTMX_CDN_URL, HTMX_SRI, HTMX_VERSION, check_production, load_settings
from portal.extensions import (begin_at_first_write, compress, csrf, db, limiter, login_manager, migrate,
                               ping_when_idle)
from portal.listeners import connect_listeners


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` overrides settings (tests pass PORTAL_ENV=testing and a database)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    environ = dict(os.environ)
    if config and "PORTAL_ENV" in config:
        environ["PORTAL_ENV"] = config["PORTAL_ENV"]
    app.config.update(load_settings(environ, app.instance_path))
    app.config.update(config or {})
    check_production(app.config)

    if app.config["PROXY_FIX_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_HOPS"],
                                x_proto=app.config["PROXY_FIX_HOPS"])

    _init_extensions(app)
    _bound_int_urls(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    connect_listeners()

    from portal import cli
    cli.init_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401  (every table on db.metadata before migrations look)
    from portal.access import enforce_access
    from portal.errors import init_errors
    from portal.events import commit_request
    from portal.logs import init_logging
    from portal import jobs
    from portal.outbox.tasks import queue_after_response
    from portal import reminder_jobs  # noqa: F401  (registers the periodic reminder scans)
    from portal.security import init_security
    from portal import form_html, static_assets

    init_logging(app)
    # Form fields' attributes written without string.Formatter (the same HTML; portal/form_html.py).
    form_html.install(app.jinja_env)
    init_security(app)
    # Static files from memory, under content-hashed names, compressed, cached for a year.
    static_assets.init_app(app)
    db.init_app(app)
    if app.config["DB_IDLE_PING_SECONDS"] and not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        with app.app_context():
            ping_when_idle(db.engine, app.config["DB_IDLE_PING_SECONDS"])
    with app.app_context():
        # PostgreSQL: a request that only reads sends no BEGIN and no ROLLBACK (one round trip each).
        begin_at_first_write(db.engine)
    # Batch mode lets later migrations ALTER tables on SQLite too.
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True)
    login_manager.init_app(app)
    # Access is decided before CSRF is checked, so a refused role never learns more.
    app.before_request(enforce_access)
    # The job queue's storage (portal/jobs.py); importing outbox.tasks and reminder_jobs registered its jobs.
    jobs.configure(app)
    # Registered before the commit, so it runs after it: the account emails prepared by the
    # listeners of the commit's events are queued after the response.
    app.after_request(queue_after_response)
    # Registered first, so it runs last: after every other after_request hook has had its say.
    app.after_request(commit_request)
    csrf.init_app(app)
    limiter.init_app(app)
    # Every other answer (HTML, htmx fragments, JSON) brotli- or gzip-compressed when the client
    # accepts it; static files come compressed from portal/static_assets.py and are left alone.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Brotli quality 1, not Flask-Compress's 4: on the demo's pages it compresses 4-5x faster
    # (the dashboard 0.33 -> 0.07 ms, the profile 0.42 -> 0.09 ms) for 10-15% more bytes
    # (4.1 -> 4.7 kB), and every page was paying it. Static files keep quality 11 (static_assets).
    app.config.setdefault("COMPRESS_BR_LEVEL", 1)
    app.config["COMPRESS_REGISTER"] = False
    compress.init_app(app)
    app.after_request(static_assets.skipping_static(compress.after_request))
    init_errors(app)


def _bound_int_urls(app: Flask) -> None:
    """Every `<int:...>` in a route only takes ids a row could have, so a URL with a number
    beyond the database's integer is a plain 404 instead of a database error. Registered before
    the blueprints, whose rules pick their converters when they are added."""
    from werkzeug.exceptions import NotFound
    from werkzeug.routing import IntegerConverter

    from portal.db_types import MAX_ID

    class IdConverter(IntegerConverter):
        def to_python(self, value: str) -> int:
            number = super().to_python(value)
            if number > MAX_ID:
                # NotFound, not ValidationError: werkzeug would answer 405 when the same
                # address exists for another method (GET .../move vs POST .../move).
                raise NotFound()
            return number

    app.url_map.converters["int"] = IdConverter


def _register_blueprints(app: Flask) -> None:
    """Each feature package defines only its blueprint; its views add their routes when imported
    here, so importing a feature's domain modules never loads its (or anyone's) views."""
    from portal import (accounts, audit, booking, catalogue, dashboard, feedback, health, outbox, profile, public,
                        reception, reminders, report, rota, staff)
    from portal.accounts import views as _accounts_views  # noqa: F401  (routes register on import)
    from portal.audit import views as _audit_views  # noqa: F401
    from portal.catalogue import views as _catalogue_views  # noqa: F401
    from portal.booking import views as _booking_views  # noqa: F401
    from portal.dashboard import views as _dashboard_views  # noqa: F401
    from portal.feedback import views as _feedback_views  # noqa: F401
    from portal.health import views as _health_views  # noqa: F401
    from portal.outbox import views as _outbox_views  # noqa: F401
    from portal.profile import views as _profile_views  # noqa: F401
    from portal.reminders import views as _reminders_views  # noqa: F401
    from portal.report import views as _report_views  # noqa: F401
    from portal.rota import views as _rota_views  # noqa: F401
    from portal.reception import views as _reception_views  # noqa: F401
    from portal.public import views as _public_views  # noqa: F401
    from portal.staff import views as _staff_views  # noqa: F401

    for feature in (accounts, dashboard, profile, booking, feedback, health, catalogue, audit, outbox, reminders,
                    report, rota, reception, public, staff):
        app.register_blueprint(feature.bp)

    from portal.public import page_cache
    page_cache.init_app(app)
    page_cache.connect()


def _register_template_helpers(app: Flask) -> None:
    from portal.feedback.meaning import RELIEF_RULE_IN_WORDS, RULE_IN_WORDS
    from portal.formatting import date_format, format_date, local_datetime
    from portal.guidance.rules import every
    from portal.rota.rules import time_off_words
    from portal.accounts.phones import display_uk_phone
    from portal import urls
    from portal.urls import page_url_for, url_for_each
    from portal.vocabulary import join_labels

    @app.context_processor
    def htmx_asset():
        if app.config["HTMX_FROM_CDN"]:
            src = HTMX_CDN_URL
        else:
            src = page_url_for("static", filename=f"vendor/htmx-{HTMX_VERSION}.min.js")
        return {"htmx_src": src, "htmx_sri": HTMX_SRI}

    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["long_date"] = format_date
    app.jinja_env.filters["date_format"] = date_format
    app.jinja_env.filters["every"] = every
    app.jinja_env.filters["area_labels"] = join_labels
    app.jinja_env.filters["time_off_words"] = time_off_words
    app.jinja_env.filters["phone"] = display_uk_phone
    urls.init_app(app)
    app.jinja_env.globals["url_for_each"] = url_for_each
    # How a change in pain and what lasted two days later are read: the pain page, the glance,
    # the appointments list and the brief say them; the therapist's day once for the briefs it opens.
    app.jinja_env.globals["change_rule"] = RULE_IN_WORDS
    app.jinja_env.globals["relief_rule"] = RELIEF_RULE_IN_WORDS
