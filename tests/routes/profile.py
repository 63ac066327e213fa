"""Health profile and guidance: the client's own, nobody else's."""

from tests.routes import LOGIN

CLIENT_ONLY_GET = {"anonymous": LOGIN, "client": 200, "therapist": 403, "admin": 403}

ROUTES = {
    "profile.edit": ("GET", "/profile", CLIENT_ONLY_GET),
    "profile.guidance": ("GET", "/guidance", CLIENT_ONLY_GET),
    "profile.history": ("GET", "/profile/history", CLIENT_ONLY_GET),
    "profile.privacy": ("GET", "/profile/privacy", CLIENT_ONLY_GET),
    "profile.export": ("GET", "/profile/export", CLIENT_ONLY_GET),
    # Without HX-Request the preview sends a plain browser back to the form.
    "profile.preview": ("POST", "/profile/preview", {"anonymous": LOGIN, "client": 302, "therapist": 403, "admin": 403}),
    # Nothing to heal for a fresh client: a clear 400, not a crash.
    "profile.mark_healed": ("POST", "/profile/healed/severe_sunburn",
                            {"anonymous": LOGIN, "client": 400, "therapist": 403, "admin": 403}),
    "profile.withdraw_consent": ("POST", "/profile/consent/withdraw",
                                 {"anonymous": LOGIN, "client": 302, "therapist": 403, "admin": 403}),
    "profile.delete": ("POST", "/profile/delete", {"anonymous": LOGIN, "client": 302, "therapist": 403, "admin": 403}),
}
