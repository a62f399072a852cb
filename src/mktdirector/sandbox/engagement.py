"""Engagement that grows over time, the same on every run: a function of post age and a seed.

Every count follows `total * (1 - exp(-age / tau))`, floored: zero at publication, rising fast
for a few hours, levelling off near `total`. `total` and `tau` come from a hash of
(seed, post id, metric), so two sandboxes with the same seed report the same numbers for the
same post at the same age, and a number never goes down as the post ages.

Link traffic and leads hang off the same curves: a post whose links carry UTM parameters
sends sessions (GA4 rows) and, a few percent of them, contacts (HubSpot) whose attribution
properties point back at the link, with `utm_content` (the mktd draft id) intact.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mktdirector.core.urls import extract_urls

HOUR = 3600.0
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
FIRST_NAMES = (
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Margaret",
    "Dennis",
    "Radia",
    "Tim",
    "Sophie",
    "Linus",
    "Hedy",
    "Guido",
)
LAST_NAMES = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Perlman",
    "Berners-Lee",
    "Wilson",
    "Torvalds",
)


def unit(seed: int | str, *parts: object) -> float:
    """A number in [0, 1) fixed by the seed and the parts."""
    text = ":".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2**64


def between(lo: float, hi: float, u: float) -> float:
    return lo + (hi - lo) * u


def curve(total: float, age: float, tau: float) -> int:
    """How much of `total` has accrued at `age` seconds (0 before publication)."""
    if age <= 0 or total <= 0:
        return 0
    return int(math.floor(total * (1.0 - math.exp(-age / tau))))


def age_of(total: int, k: int, tau: float) -> float | None:
    """The age at which `curve(total, age, tau)` reaches k (None: never)."""
    if k <= 0:
        return 0.0
    if k >= total:
        return None
    # A hair past the exact crossing so floor() has certainly moved on.
    return -tau * math.log(1.0 - k / total) + 1e-6


@dataclass(frozen=True)
class Profile:
    """One post's engagement constants."""

    impressions: int
    tau: float
    rates: dict[str, float]
    clicks: int  # link clicks at saturation (0 without a link)
    leads: int  # contacts at saturation


def profile(seed: int | str, post_id: str, *, has_link: bool) -> Profile:
    u = lambda name: unit(seed, post_id, name)  # noqa: E731 - a local shorthand
    impressions = int(between(300, 6000, u("impressions")))
    tau = between(3, 12, u("tau")) * HOUR
    rates = {
        "like": between(0.01, 0.05, u("like")),
        "repost": between(0.001, 0.01, u("repost")),
        "reply": between(0.001, 0.006, u("reply")),
        "quote": between(0.0, 0.002, u("quote")),
        "bookmark": between(0.001, 0.01, u("bookmark")),
        "profile": between(0.002, 0.01, u("profile")),
        "reach": between(0.55, 0.85, u("reach")),
    }
    # A post with a link always brings some traffic and a few leads, so a rehearsal shows them.
    clicks = max(int(impressions * between(0.01, 0.04, u("clicks"))), 30) if has_link else 0
    sessions = int(clicks * between(0.8, 0.95, u("sessions")))
    leads = max(int(sessions * between(0.03, 0.08, u("leads"))), 3) if has_link else 0
    return Profile(impressions, tau, rates, clicks, leads)


def counts(p: Profile, age: float) -> dict[str, int]:
    """Every count of a post at `age` seconds; each one only grows with age."""
    imp = curve(p.impressions, age, p.tau)
    out = {"impressions": imp}
    for name in ("like", "repost", "reply", "quote", "bookmark", "profile", "reach"):
        out[name] = int(imp * p.rates[name])
    out["clicks"] = curve(p.clicks, age, p.tau)
    out["engagements"] = sum(
        out[k] for k in ("like", "repost", "reply", "quote", "bookmark", "profile", "clicks")
    )
    return out


def links(text: str) -> list[dict[str, str]]:
    """The links of a post with their UTM parameters (`url`, `path`, `query`, utm_*)."""
    out = []
    for url in extract_urls(text):
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items() if v}
        item = {"url": url, "path": parts.path or "/", "query": parts.query, "host": parts.netloc}
        item.update({k: query[k] for k in UTM_KEYS if k in query})
        out.append(item)
    return out


def sessions_between(
    p: Profile, start_age: float, end_age: float, seed: int | str, post_id: str
) -> int:
    """Sessions that arrived through the post's links between two ages."""
    ratio = between(0.8, 0.95, unit(seed, post_id, "sessions"))
    total = int(p.clicks * ratio)
    return max(curve(total, end_age, p.tau) - curve(total, start_age, p.tau), 0)


def lead_ages(p: Profile) -> list[float]:
    """When (post age, seconds) each of the post's future contacts converts."""
    ages = []
    for k in range(1, p.leads):
        a = age_of(p.leads, k, p.tau * 1.5)  # leads trail the clicks a little
        if a is not None:
            ages.append(a)
    return ages


def lead_person(seed: int | str, post_id: str, k: int) -> dict[str, Any]:
    """A made-up but stable person for the k-th lead of a post."""
    first = FIRST_NAMES[int(unit(seed, post_id, k, "first") * len(FIRST_NAMES))]
    last = LAST_NAMES[int(unit(seed, post_id, k, "last") * len(LAST_NAMES))]
    tag = hashlib.sha256(f"{seed}:{post_id}:{k}".encode()).hexdigest()[:8]
    email = f"{first}.{last}.{tag}@leads.sandbox.test".lower().replace("-", "")
    return {"firstname": first, "lastname": last, "email": email}
