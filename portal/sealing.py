"""The one home for health data sealed at rest: its column type, the field that seals and
opens it, and the registry of every sealed field that key rotation walks.

A model declares a sealed field with two attributes: the stored column, of type `SealedBlob`,
and a `SealedField` that reads and writes the plaintext through it with the context taken from
the row (so a ciphertext copied onto another row fails to open):

    sealed: Mapped[Sealed] = mapped_column(SealedBlob())
    content = SealedField("sealed", context=lambda row: row.profile.seal_context)

Declaring the `SealedField` registers it, so `rotate_keys` re-seals every field there is;
tests/test_sealing.py fails if a `SealedBlob` column has no `SealedField`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import LargeBinary, select
from sqlalchemy.types import TypeDecorator

from portal.encryption import Sealed, SealBroken, keyring
from portal.extensions import db

log = logging.getLogger("portal.sealing")

ROTATION_BATCH = 200


def pack(sealed: Sealed) -> bytes:
    """One value per column: a length byte, the key id, then nonce + ciphertext + tag.

    The key id travels with its blob, so no column can be re-sealed and its key id forgotten;
    the database migration produced the same layout without needing any key.
    """
    key_id = sealed.key_id.encode()
    if not 0 < len(key_id) < 256:
        raise ValueError("a key id is 1-255 bytes")
    return bytes([len(key_id)]) + key_id + sealed.blob


def unpack(raw: bytes) -> Sealed:
    size = raw[0] if raw else 0
    if size == 0 or len(raw) <= 1 + size:
        raise SealBroken("a sealed column does not hold a key id and a blob")
    try:
        key_id = raw[1:1 + size].decode()
    except UnicodeDecodeError as error:
        raise SealBroken("a sealed column's key id is not readable") from error
    return Sealed(key_id, bytes(raw[1 + size:]))


class SealedBlob(TypeDecorator):
    """A `Sealed` value (key id and blob together) in one binary column on every backend."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else pack(value)

    def process_result_value(self, value, dialect):
        return None if value is None else unpack(bytes(value))


class SealedField:
    """The plaintext (str) of a `SealedBlob` column, sealed and opened with the row's context.

    `load` gives loader options rotation needs to compute the context of a batch of rows
    without one query per row (e.g. the profile a revision belongs to).
    """

    def __init__(self, column: str, context: Callable[[Any], str], load: Callable[[], tuple] = tuple):
        self.column, self.context, self.load = column, context, load
        self.model: type | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.model, self.name = owner, name
        FIELDS.append(self)

    @property
    def table(self) -> str:
        return self.model.__tablename__

    def __get__(self, row, owner=None):
        if row is None:
            return self
        sealed = getattr(row, self.column)
        return None if sealed is None else keyring().open(sealed, self.context(row)).decode()

    def __set__(self, row, text: str | None) -> None:
        sealed = None if text is None else keyring().seal(text.encode(), self.context(row))
        setattr(row, self.column, sealed)


FIELDS: list[SealedField] = []


@dataclass(frozen=True)
class Rotated:
    table: str
    column: str
    rows: int
    resealed: int


class RotationFailed(RuntimeError):
    """A sealed value did not open with any key: rotation stops there (earlier batches stay done)."""


def rotate_keys(batch_size: int = ROTATION_BATCH) -> list[Rotated]:
    """Re-seal every sealed field of every row under the current key, in committed batches.

    The one operation that commits itself, on purpose: it is a CLI batch job (`flask health
    rotate-keys`), not a request, and committing each batch keeps the work done if a later
    batch fails or the job is interrupted; everything else flushes and lets its caller commit.

    Rows already under the current key are left as they are, so running it again (e.g. after
    an interruption) only finishes the work.
    """
    ring = keyring()
    report = []
    for field in FIELDS:
        model, column = field.model, getattr(field.model, field.column)
        rows = resealed = last_id = 0
        while True:
            batch = db.session.scalars(
                select(model).options(*field.load()).where(model.id > last_id, column.is_not(None))
                .order_by(model.id).limit(batch_size)
            ).all()
            if not batch:
                break
            for row in batch:
                try:
                    fresh = ring.reseal(getattr(row, field.column), field.context(row))
                except SealBroken as error:
                    db.session.rollback()
                    raise RotationFailed(f"{field.table} row {row.id} does not open: {error}") from error
                if fresh is not None:
                    setattr(row, field.column, fresh)
                    resealed += 1
            rows += len(batch)
            last_id = batch[-1].id
            db.session.commit()
        log.info("health data re-sealed table=%s rows=%s resealed=%s", field.table, rows, resealed)
        report.append(Rotated(field.table, field.column, rows, resealed))
    return report
