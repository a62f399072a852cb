"""How report figures read, shared by the terminal, CSV-free views and the HTML report."""

from __future__ import annotations

from typing import Any

from mktdirector.core.platforms import PLATFORMS

LABELS = {
    "channel": "channel",
    "posts": "posts",
    "draft_id": "draft",
    "published_utc": "published",
    "topic": "topic",
    "approved_by": "approved by",
    "published_by": "published by",
    "by": "by",
    "impressions": "impressions",
    "reach": "reach",
    "engagements": "engagements",
    "engagement_rate": "eng. rate",
    "link_clicks": "link clicks",
    "sessions": "sessions",
    "key_events": "key events",
    "leads": "leads",
    "cost_usd": "cost",
    "cost_per_engagement": "cost/eng.",
    "cost_per_lead": "cost/lead",
}
# Channels that are not platforms; a platform's label is its spec's (X, not X (Twitter)).
OTHER_CHANNELS = {"email": "Email", "all": "All"}
# Each platform's brand colour; any other channel is drawn in the report's grey.
CHANNEL_COLORS = {"linkedin": "#0a66c2", "twitter": "#1d9bf0", "email": "#e37400"}
OTHER_COLOR = "#6b7280"


def channel_label(channel: str) -> str:
    """How a channel is named in a report: the platform's short label, or the channel itself."""
    spec = PLATFORMS.get(channel)
    return spec.name if spec else OTHER_CHANNELS.get(channel, channel)


def channel_color(channel: str) -> str:
    return CHANNEL_COLORS.get(channel, OTHER_COLOR)


UNKNOWN_COSTS = ("cost_usd", "llm_cost_usd")


def fmt(field: str, value: Any) -> str:
    """One figure as a person reads it; unknown figures are a dash, never 0."""
    if value is None:  # a cost nobody can know (an unpriced model) says so; other gaps: a dash
        return "unknown" if field in UNKNOWN_COSTS else "–"
    if field == "channel":
        return channel_label(str(value))
    if field == "engagement_rate":
        return f"{value * 100:.2f}%"
    if field.startswith("cost") or field.endswith("cost_usd"):
        return usd(float(value))
    if field == "published_utc":
        return str(value)[:16].replace("T", " ")
    if field == "key_events":
        v = float(value)
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.2f}"
    if isinstance(value, int | float):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return str(value)


def usd(v: float) -> str:
    # Per-engagement costs are fractions of a cent: keep enough digits to compare them.
    if v == 0:
        return "$0"
    if abs(v) >= 100:
        return f"${v:,.0f}"
    if abs(v) >= 1:
        return f"${v:,.2f}"
    return f"${v:.4f}"


# Who a post's people columns name (issue 16): the terminal has room for one short "by" column,
# the HTML report and the CSV/JSON give approved_by and published_by apart.
PEOPLE_SHORT = ("by",)
PEOPLE_APART = ("approved_by", "published_by")


def columns(
    shown: list[str], *, per_post: bool, people: tuple[str, ...] = PEOPLE_SHORT
) -> list[str]:
    """Table columns for the chosen metrics (posts first, cost last)."""
    head = ["published_utc", "channel", "draft_id", "topic", *people] if per_post else [
        "channel", "posts"
    ]  # fmt: skip
    return [*head, *shown, "cost_usd"]


def person_name(identity: str) -> str:
    """How a table names a person: a team's identities are often emails (MKTD_USER), and the
    start of one is the name a reader knows; the whole identities are in the CSV and JSON."""
    return identity.split("@", 1)[0] or identity


def people(post: dict[str, Any]) -> str | None:
    """Who approved and who published a post, in one short cell: "carol" when one person did
    both, "carol / svc" when a worker (or someone else) published what carol approved."""
    approver, publisher = post.get("approved_by"), post.get("published_by")
    if approver and publisher and approver != publisher:
        return f"{approver} / {publisher}"
    return approver or publisher
