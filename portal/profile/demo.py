"""Demo health profile for the demo client."""

from __future__ import annotations


def load_demo_profiles() -> dict[str, int]:
    return {}
