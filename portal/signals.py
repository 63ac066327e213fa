"""Domain events one feature sends and others react to, so the sender needs no import of them.

Receivers run in the sender's request, after its transaction committed.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent by the profile services after a save, a healed condition, a consent withdrawal or a
# deletion, with `client_id=`: what the portal may act on for that client has changed.
health_profile_changed = _signals.signal("health-profile-changed")
