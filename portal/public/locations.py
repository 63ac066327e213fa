"""The admin edits a salon's public details: address, phone and its booking-platform pages."""

from __future__ import annotations

from dataclasses import dataclass, fields

from portal.accounts.models import User
from portal.audit.services import record_change
from portal.extensions import db
from portal.salon import versions
from portal.salon.models import Location


@dataclass(frozen=True)
class LocationDetails:
    address: str
    phone: str
    treatwell_url: str | None = None
    fresha_url: str | None = None
    booksy_url: str | None = None


def update_location(admin: User, location_id: int, details: LocationDetails,
                    seen_version: int | None) -> Location | None:
    """Change a salon's details, drawn at `seen_version`, and record who changed what; None if
    there is no such salon, versions.Stale if they were saved since. Flushes, never commits (the
    request does)."""
    location = db.session.get(Location, location_id)
    if location is None:
        return None
    if not versions.claim(Location, location, seen_version):
        raise versions.Stale(location, f"{location.name}'s details")
    changes = {}
    for item in fields(details):
        new = getattr(details, item.name)
        new = (new.strip() or None) if isinstance(new, str) else new
        if item.name in ("address", "phone"):
            new = new or ""
        changes[item.name] = (getattr(location, item.name), new)
        setattr(location, item.name, new)
    db.session.flush()
    record_change(admin, "updated", "location", location.id, location.name, changes)
    return location
