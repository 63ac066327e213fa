"""What the client dashboard shows from the health profile: the guidance summary."""

from __future__ import annotations

from portal.guidance.rules import HealthFacts
from portal.profile.guidance_service import guidance_for_client
from portal.profile.services import content_for_use


def dashboard_context(client_id: int) -> dict:
    content = content_for_use(client_id)  # read and opened once for the whole panel
    facts = content.to_facts() if content else HealthFacts()
    return {"guidance": guidance_for_client(client_id, facts=facts), "has_profile": content is not None}
