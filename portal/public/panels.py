"""What the public pages draw, shared with the home page (`dashboard.home` for visitors)."""

from __future__ import annotations

from flask import Flask

from portal.public import content
from portal.salon import queries
from portal.urls import external_url

# Public pages draw no CSRF token (templates/base.html reads this), so they set no cookie.
PUBLIC = {"public_page": True}


def page_meta(endpoint: str) -> dict:
    """The canonical address (also og:url) of a public page, and the no-cookie switch."""
    return {**PUBLIC, "canonical": external_url(endpoint)}


def _salons_and_offers(url: str) -> dict:
    services = queries.active_services()
    salons = content.salon_cards(queries.locations())
    return {"services": services, "salons": salons,
            "structured_data": [content.salon_json_ld(card, services, url) for card in salons]}


def home_context() -> dict:
    """The salon in a few lines: massages with price, length, areas and who each suits, both
    salons with their hours, and the first steps (free times, an account)."""
    context = _salons_and_offers(external_url("public.salons"))
    return {**context, **page_meta("dashboard.home"), "cards": content.service_cards(context["services"])}


def salons_context() -> dict:
    return {**_salons_and_offers(external_url("public.salons")), **page_meta("public.salons")}


def private_prefixes(app: Flask, public_endpoints: tuple[str, ...]) -> list[str]:
    """The start of every address that is not a public page (logged-in pages, health pages,
    account forms, probes), shortest covering prefix only, for robots.txt. A new route is kept
    out of search engines the day it is added, unless it is listed as public."""
    keep = set(public_endpoints) | {"public.sitemap", "public.robots", "static"}
    prefixes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in keep:
            continue
        path = rule.rule.split("<", 1)[0]
        segments = path.strip("/").split("/")
        if not segments[0]:
            continue
        prefixes.add("/" + segments[0] + ("/" if path.count("/") > 1 else ""))
    ordered = sorted(prefixes, key=len)
    return sorted(p for p in ordered if not any(p != q and p.startswith(q) for q in ordered))
