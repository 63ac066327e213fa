"""Demo health profile for the demo client: a desk worker with a sore lower back."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.profile.content import ProfileContent
from portal.profile.services import profile_of, save_profile

DEMO_PROFILE = ProfileContent(
    lifestyle=frozenset({"desk_worker", "chronic_back_pain"}),
    problem_areas=frozenset({"lower_back", "neck"}),
    pressure_preference="medium",
    notes_for_therapist="Lower back is worst after long days at the laptop. Please go easy on the left shoulder.",
    goals=frozenset({"less_pain_at_work", "sleep_better"}),
    goals_own_words="Sit through a full workday without my back aching",
)


def load_demo_profiles() -> dict[str, int]:
    """Give the demo client a profile once; a profile they have edited since is left alone."""
    client = db.session.scalar(select(User).where(User.email == "client@example.com"))
    if client is not None and profile_of(client.id) is None:
        save_profile(client, DEMO_PROFILE, consent_given=True)
    return {"health profiles": 1 if client is not None else 0}
