"""The portal's contacts: those written through the API plus leads from published posts.

A post whose first link carries `utm_content` brings contacts over time (engagement.py:
the same curves as its clicks and GA4 sessions). Each lead has HubSpot's attribution
properties as HubSpot would set them from a tracking URL (Original source SOCIAL_MEDIA, drill-
down 1 the network, drill-down 2 the utm_campaign, first/last page seen = the link) and the
link's UTM values in the portal's utm_* properties. A lead that mktd later writes to (upsert
by email) becomes a stored contact with the same id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktdirector.sandbox import engagement as eng
from mktdirector.sandbox.base import iso

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator


def leads(emu: Emulator) -> list[dict[str, Any]]:
    """Contacts that came in through published posts' links, as of the sandbox clock."""
    out, now = [], emu.now()
    sources = [("x.post", "Twitter", "id"), ("linkedin.post", "LinkedIn", "urn")]
    for kind, label, id_key in sources:
        for post in emu.state.find(kind):
            tagged = [link for link in eng.links(post["text"]) if "utm_content" in link]
            if not tagged:
                continue
            link, pid = tagged[0], post[id_key]
            prof = eng.profile(emu.seed, pid, has_link=True)
            for k, age in enumerate(eng.lead_ages(prof), 1):
                at = post["created_at"] + age
                if at > now:
                    break
                person = eng.lead_person(emu.seed, pid, k)
                cid = str(700_000_000 + int(eng.unit(emu.seed, pid, k, "id") * 99_999_999))
                props = dict(
                    person,
                    hs_object_id=cid,
                    createdate=iso(at),
                    lastmodifieddate=iso(at),
                    lifecyclestage="lead",
                    hs_analytics_source="SOCIAL_MEDIA",
                    hs_analytics_source_data_1=label,
                    hs_analytics_source_data_2=link.get("utm_campaign", ""),
                    hs_latest_source="SOCIAL_MEDIA",
                    hs_latest_source_data_1=label,
                    hs_latest_source_data_2=link.get("utm_campaign", ""),
                    hs_analytics_first_url=link["url"],
                    hs_analytics_last_url=link["url"],
                )
                props.update({k2: v for k2, v in link.items() if k2.startswith("utm_")})
                out.append(
                    {
                        "id": cid,
                        "properties": props,
                        "createdAt": iso(at),
                        "updatedAt": iso(at),
                        "archived": False,
                        "source": "lead",
                        "post": pid,
                    }
                )
    return out


def contacts(emu: Emulator) -> list[dict[str, Any]]:
    """Every contact: those written through the API, then leads not written over, by createdate."""
    stored = emu.state.find("hubspot.contact")
    emails = {str(c["properties"].get("email", "")).lower() for c in stored}
    every = stored + [c for c in leads(emu) if c["properties"]["email"] not in emails]
    return sorted(every, key=lambda c: (c["createdAt"], c["id"]))


def by_email(emu: Emulator, email: str) -> dict[str, Any] | None:
    found = emu.state.find("hubspot.contact", key=email.lower())
    if found:
        return found[0]
    return next((c for c in leads(emu) if c["properties"]["email"] == email.lower()), None)
