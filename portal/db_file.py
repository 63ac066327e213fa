"""Online backup and restore of the SQLite database file (`flask db-file backup|restore`).

Both use sqlite3's backup API, which copies page by page under SQLite's own locking, so the
portal can keep serving while a backup is taken (a plain file copy could catch a half-written
transaction). PostgreSQL has its own tools (pg_dump / pg_restore), so these refuse it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseFileError(RuntimeError):
    """Why the backup or restore was refused, in words for the operator."""


def sqlite_path(database_url: str) -> Path:
    """The database file behind the portal's URL; refused for anything but an SQLite file."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise DatabaseFileError(
            f"The database is {url.get_backend_name()}, not SQLite: back it up with pg_dump "
            "(e.g. pg_dump --format=custom) and restore with pg_restore.")
    if not url.database or url.database == ":memory:":
        raise DatabaseFileError("The database is in memory: there is no file to back up or restore.")
    return Path(url.database)


def _open_read_only(path: Path) -> sqlite3.Connection:
    # mode=ro: a backup never writes to (or creates) the file it reads.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()


def backup(database: Path, destination: Path) -> None:
    """Copy the live database into a new file at `destination`."""
    if not database.is_file():
        raise DatabaseFileError(f"There is no database file at {database}.")
    if destination.exists():
        raise DatabaseFileError(f"{destination} already exists: choose a new file name.")
    if not destination.parent.is_dir():
        raise DatabaseFileError(f"The folder {destination.parent} does not exist.")
    _copy(_open_read_only(database), sqlite3.connect(destination))


def backup_revision(path: Path, migrations: str) -> str:
    """The schema revision a backup file was taken at, after checking it is one of ours."""
    if not path.is_file():
        raise DatabaseFileError(f"There is no file at {path}.")
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise DatabaseFileError(f"{path} is not an SQLite database.")
    connection = _open_read_only(path)
    try:
        if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise DatabaseFileError(f"{path} is damaged (SQLite's quick_check fails).")
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise DatabaseFileError(f"{path} is not a portal database: {error}.") from error
    finally:
        connection.close()
    known = {script.revision for script in ScriptDirectory(migrations).walk_revisions()}
    if revision is None or revision[0] not in known:
        raise DatabaseFileError(f"{path} is not a portal database (its schema revision is not one of ours).")
    return revision[0]


def head_revision(migrations: str) -> str | None:
    return ScriptDirectory(migrations).get_current_head()


def restore(backup_file: Path, database: Path) -> None:
    """Replace the database's content with the backup's (checked with `backup_revision` first)."""
    _copy(_open_read_only(backup_file), sqlite3.connect(database))
