"""What the client dashboard shows from the health profile: the guidance summary."""

from __future__ import annotations

from portal.client_guidance import guidance_for_client
from portal.profile.services import content_for_use, facts_from


def dashboard_context(client_id: int) -> dict:
    content = content_for_use(client_id)  # read and opened once for the whole panel
    facts = facts_from(content)
    return {"guidance": guidance_for_client(client_id, facts=facts), "has_profile": content is not None}
