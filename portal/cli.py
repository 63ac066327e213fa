"""Command-line tasks: `flask demo load`, `flask demo scale`, `flask health ...`, `flask booking check`,
`flask users create-admin`, `flask db-file backup|restore`, `flask reminders run` and
`flask outbox status|undelivered`."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import text

from portal.extensions import db

demo_cli = AppGroup("demo", help="Demo data for development.")
health_cli = AppGroup("health", help="Health-data encryption keys and retention.")
booking_cli = AppGroup("booking", help="Bookings and the double-booking guard.")
users_cli = AppGroup("users", help="Accounts made by the operator.")
db_file_cli = AppGroup("db-file", help="Online backup and restore of the SQLite database file.")
reminders_cli = AppGroup("reminders", help="The messages between visits (reminders, follow-ups, nudges).")
outbox_cli = AppGroup("outbox", help="Queued email and the job queue.")


@demo_cli.command("load")
def load_demo() -> None:
    """Load (or refresh) the demo salon and logins. Refused in production."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Demo data is never loaded into production.")
    from portal.demo import DEMO_PASSWORD, USERS, load_demo_data

    counts = load_demo_data()
    db.session.commit()  # the loader and the feature demos flush; the command commits once
    click.echo("Demo data ready: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    for user in USERS:
        click.echo(f"  {user['role']:<9} {user['email']}  password: {DEMO_PASSWORD}")


@demo_cli.command("scale")
@click.option("--clients", default=20_000, show_default=True, help="How many clients.")
@click.option("--years", default=2.0, show_default=True, help="Years of past appointments.")
@click.option("--seed", default=14, show_default=True, help="Random seed (the same seed gives the same salon).")
def scale_demo(clients: int, years: float, seed: int) -> None:
    """Fill the database with a large salon (on top of the demo salon) for measuring. Refused in production."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Demo data is never loaded into production.")
    from portal.demo_scale import AlreadyScaled, scale_salon

    try:
        done = scale_salon(clients=clients, years=years, seed=seed)
    except (AlreadyScaled, ValueError) as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()  # the loader flushes; the command commits once
    # Planner statistics for what was just loaded, as after any bulk load. Without them PostgreSQL
    # guesses until autovacuum gets round to it (a client's 9 appointments as 394, and a generic
    # plan that reads all 20,000 users: 4.5 ms instead of 0.1), and the large salon measures the
    # guesses. On PostgreSQL a VACUUM too (outside a transaction): it marks the freshly written
    # pages all-visible, as autovacuum has long since done on a salon's two years of rows, so an
    # index-only scan (the admin's week counts) is one here as it would be there, not a heap
    # fetch per row.
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    click.echo("Scaled salon ready: " + ", ".join(f"{n} {what}" for what, n in done.counts().items()))
    click.echo("Seconds: " + ", ".join(f"{what} {seconds}" for what, seconds in done.timings.items()))
    click.echo(f"Scaled clients log in as client1@scale.example.com ... with the demo password.")


@health_cli.command("new-key")
def new_key() -> None:
    """Print a fresh key entry: put it FIRST in HEALTH_DATA_KEYS, then run rotate-keys."""
    from portal.encryption import new_key_entry

    click.echo(new_key_entry())


@health_cli.command("rotate-keys")
def rotate_keys() -> None:
    """Re-seal all health data under the first key in HEALTH_DATA_KEYS."""
    from portal.sealing import RotationFailed
    from portal.sealing import rotate_keys as rotate

    try:
        report = rotate()
    except RotationFailed as error:
        raise click.ClickException(f"{error}. Is every old key still in HEALTH_DATA_KEYS?") from error
    for done in report:
        click.echo(f"{done.table}.{done.column}: re-sealed {done.resealed} of {done.rows} row(s) under the current key.")
    click.echo("Every sealed field is under the current key: old keys can now be removed.")


@health_cli.command("forget-inactive")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def forget_inactive(dry_run: bool) -> None:
    """Remove the health data of clients with no appointment and no login for
    HEALTH_DATA_RETENTION_DAYS (accounts and appointments stay). Prints counts only."""
    from portal import clock
    from portal.retention import forget_inactive as forget
    from portal.retention import retention_cutoff

    days = current_app.config["HEALTH_DATA_RETENTION_DAYS"]
    try:
        cutoff = retention_cutoff(clock.now(), days)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    found = forget(cutoff, dry_run=dry_run)
    if not dry_run:
        db.session.commit()  # the deletions flush; the command commits once
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} the health data of {found.clients} client(s) inactive for {days} days "
               f"(nothing since {cutoff:%Y-%m-%d}): {found.profiles} health profile(s), "
               f"{found.checkins} pain check-in(s), {found.feedback} session feedback record(s).")


@booking_cli.command("check")
@click.option("--repair", is_flag=True, help="Delete orphaned cells and add missing ones where free.")
def booking_check(repair: bool) -> None:
    """Report cells held by cancelled appointments or outside their appointment's time."""
    from portal.booking import integrity

    report, unfixable = integrity.repair() if repair else (integrity.check(), None)
    if repair:
        db.session.commit()  # the command is the unit of work
    click.echo(f"{len(report.cancelled)} cell(s) held by cancelled appointments")
    click.echo(f"{len(report.outside)} cell(s) outside their appointment's own time")
    click.echo(f"{len(report.missing)} cell(s) missing from booked appointments")
    for therapist_id, cell, appointment_id in report.orphaned + report.missing:
        click.echo(f"  therapist={therapist_id} cell={cell:%Y-%m-%d %H:%M}Z appointment={appointment_id}")
    if repair:
        click.echo(f"Repaired: {len(report.orphaned)} orphaned cell(s) deleted, "
                   f"{len(report.missing) - unfixable} missing cell(s) added.")
        if unfixable:
            raise click.ClickException(f"{unfixable} missing cell(s) are held by another appointment: "
                                       "a double booking to sort out with the client.")
    elif not report.ok:
        raise click.ClickException("The guard's cells don't match the appointments: run with --repair.")


@users_cli.command("create-admin")
@click.option("--email", required=True, help="The admin's login address.")
@click.option("--name", required=True, help="The admin's name, as the portal shows it.")
@click.option("--password-env", metavar="VAR",
              help="Read the password from this environment variable (automation) instead of asking.")
def create_admin(email: str, name: str, password_env: str | None) -> None:
    """Create a confirmed admin (production has no demo data, so no default admin)."""
    from portal.accounts.services import CannotCreate, create_admin as create

    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.ClickException(f"The environment variable {password_env} is not set or empty.")
    else:
        # Hidden and asked twice: never an argument, so it stays out of the shell history and `ps`.
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create(name, email, password)
    except CannotCreate as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()  # the operation flushes; the command commits once
    click.echo(f"Admin {user.email} created (user id {user.id}). They can log in now.")


def _database_file():
    from portal.db_file import DatabaseFileError, sqlite_path

    try:
        return sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
    except DatabaseFileError as error:
        raise click.ClickException(str(error)) from error


@db_file_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_file_backup(path: Path) -> None:
    """Copy the SQLite database to PATH while the portal keeps running."""
    from portal.db_file import DatabaseFileError, backup

    database = _database_file()
    try:
        backup(database, path)
    except DatabaseFileError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up {database} to {path}. It holds health data: keep it as safe as the database.")


@db_file_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.confirmation_option("--yes", prompt="This replaces everything in the database with the backup. Continue?")
def db_file_restore(path: Path) -> None:
    """Replace the SQLite database's content with the backup at PATH (asks, or pass --yes)."""
    from portal.db_file import DatabaseFileError, backup_revision, head_revision, restore

    database = _database_file()
    migrations = current_app.extensions["migrate"].directory
    try:
        revision = backup_revision(path, migrations)
    except DatabaseFileError as error:
        raise click.ClickException(str(error)) from error
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps reading the old pages
    restore(path, database)
    click.echo(f"Restored {path} into {database} (schema revision {revision}).")
    if revision != head_revision(migrations):
        click.echo("The backup is from an older schema: run `flask db upgrade` now.")


@reminders_cli.command("run")
def reminders_run() -> None:
    """Run every reminder scan once, now (the job queue runs them periodically)."""
    from portal import clock
    from portal.reminder_scans import run_all

    counts = run_all(clock.now())
    db.session.commit()  # the scans queue (flush); the command commits once
    click.echo("Queued: " + ", ".join(f"{n} {scan}" for scan, n in counts.items()))


@outbox_cli.command("status")
def outbox_status():
    """Messages per status, and the jobs waiting in the queue."""
    from portal import jobs
    from portal.outbox import services as outbox_services

    counts = outbox_services.counts()
    click.echo("email: " + ", ".join(f"{status} {count}" for status, count in counts.items()))
    click.echo(f"queue: {jobs.backend()}, {jobs.huey.pending_count()} jobs waiting, "
               f"{jobs.huey.scheduled_count()} scheduled")


@outbox_cli.command("undelivered")
def outbox_undelivered():
    """The failed and dead messages (the admin's /admin/outbox page), newest first."""
    from portal.outbox import services as outbox_services

    for message in outbox_services.undelivered():
        click.echo(f"{message.id}\t{message.status}\t{message.attempts} tries\t{message.to}\t"
                   f"{message.subject}\t{message.last_error or ''}")


def init_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(health_cli)
    app.cli.add_command(booking_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(db_file_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(outbox_cli)
