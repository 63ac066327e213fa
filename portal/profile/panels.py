"""What the client dashboard shows from the health profile: the guidance summary."""

from __future__ import annotations

from portal.profile.guidance_service import guidance_for_client
from portal.profile.services import content_for_use


def dashboard_context(client_id: int) -> dict:
    return {"guidance": guidance_for_client(client_id), "has_profile": content_for_use(client_id) is not None}
