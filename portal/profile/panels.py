"""What the client dashboard shows from the health profile: the guidance summary."""

from __future__ import annotations

from portal.client_guidance import guidance_for_client
from portal.guidance.rules import Guidance
from portal.profile.services import content_for_use, facts_from


def dashboard_context(client_id: int, guidance: Guidance | None = None) -> dict:
    """`guidance`: the client's guidance when the page has worked it out already."""
    content = content_for_use(client_id)  # read and opened once for the whole panel
    if guidance is None:
        guidance = guidance_for_client(client_id, facts=facts_from(content))
    return {"guidance": guidance, "has_profile": content is not None}
