"""The front door: public pages are the same for everyone (a logged-in person's home page
redirects to their dashboard); a salon's details are the admin's to edit."""

from __future__ import annotations

from tests.routes import LOGIN, ROLES


def _city_centre(app, users):
    from tests.booking_support import seed_salon

    return f"/admin/locations/{seed_salon(app, users).city}"


ROUTES = {
    "public.salons": ("GET", "/salons", dict.fromkeys(ROLES, 200)),
    "public.therapists": ("GET", "/our-therapists", dict.fromkeys(ROLES, 200)),
    "public.massage_right": ("GET", "/is-massage-right-for-me", dict.fromkeys(ROLES, 200)),
    "public.free_times": ("GET", "/free-times", dict.fromkeys(ROLES, 200)),
    "public.sitemap": ("GET", "/sitemap.xml", dict.fromkeys(ROLES, 200)),
    "public.robots": ("GET", "/robots.txt", dict.fromkeys(ROLES, 200)),
    "public.edit_location": ("GET", _city_centre, {"anonymous": LOGIN, "client": 403, "therapist": 403, "admin": 200}),
}
