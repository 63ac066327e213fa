"""Reads for reception: find clients (never staff), one client, their precautions in force."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from portal.accounts.models import User, phone_digits
from portal.extensions import db
from portal.guidance.rules import Precaution, precautions_for
from portal.profile.services import content_for_use, facts_from
from portal.reception.search import LIKE_ESCAPE, like_pattern, phone_variants
from portal.roles import CLIENT

PER_PAGE = 20


@dataclass
class ClientPage:
    clients: list[User]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _matching(text: str):
    """Clients whose name or email contains `text` (any case), or whose phone holds its digits.
    On PostgreSQL each of the three is a trigram index (accounts.models), so a search of three
    characters or more reads the clients who match, not every client of the chain."""
    query = select(User).where(User.role == CLIENT)
    text = text.strip()
    if not text:
        return query
    pattern = like_pattern(text)
    found = [User.name.ilike(pattern, escape=LIKE_ESCAPE), User.email.ilike(pattern, escape=LIKE_ESCAPE)]
    found += [phone_digits(User.phone).contains(variant, autoescape=True) for variant in phone_variants(text)]
    return query.where(or_(*found))


def find_clients(text: str, page: int = 1, per_page: int = PER_PAGE) -> ClientPage:
    """One page of the clients matching `text` (all clients when empty), by name; a page past
    the last shows the last."""
    matching = _matching(text)
    total = db.session.scalar(select(func.count()).select_from(matching.subquery()))
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    clients = list(db.session.scalars(
        matching.order_by(func.lower(User.name), User.id).limit(per_page).offset((page - 1) * per_page)))
    return ClientPage(clients, total, page, per_page)


def client(client_id: int) -> User | None:
    """The client with this id; a staff account (or none) reads as missing."""
    return db.session.scalar(select(User).where(User.id == client_id, User.role == CLIENT))


def precautions_in_force(client_id: int, on: date) -> list[Precaution] | None:
    """The client's precautions as of `on`, strictest first; None without a consented profile
    (then booking asks the screening question instead)."""
    content = content_for_use(client_id)  # one read (and decryption) of the profile
    if content is None:
        return None
    return precautions_for(facts_from(content), on)
