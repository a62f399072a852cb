"""HubSpot contact search: `POST /crm/v3/objects/contacts/search` over stored contacts and leads.

At most 5 filter groups (ORed) of at most 10 filters (ANDed), 25 filters in all; pages of up to
200 with an opaque `after`; never past 10,000 results (400, as HubSpot does). Its own limit
(5 per second) and, as reported for HubSpot, no rate-limit headers. Date properties compare
as epoch milliseconds, other values numerically when both sides are numbers.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import Request, Response, json_response, route
from mktdirector.sandbox.hubspot.api import (
    DATES,
    MAX_FILTERS,
    MAX_GROUPS,
    MAX_PAGE,
    MAX_PER_GROUP,
    SEARCH_CAP,
    V,
    fail,
    guard,
    shown,
)
from mktdirector.sandbox.hubspot.leads import contacts

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator


def _value(contact: dict[str, Any], name: str) -> Any:
    raw = contact["properties"].get(name)
    if raw is not None and name in DATES:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).timestamp() * 1000
    return raw


def _cmp(a: Any, b: Any) -> tuple[Any, Any]:
    try:
        return float(a), float(b)
    except (TypeError, ValueError):
        return str(a).lower(), str(b).lower()


def matches(contact: dict[str, Any], f: dict[str, Any]) -> bool:
    op, name = f.get("operator"), f.get("propertyName", "")
    v = _value(contact, name)
    if op == "HAS_PROPERTY":
        return v not in (None, "")
    if op == "NOT_HAS_PROPERTY":
        return v in (None, "")
    if v in (None, ""):
        return op in ("NEQ", "NOT_IN")
    if op in ("IN", "NOT_IN"):
        inside = str(v).lower() in {str(x).lower() for x in f.get("values") or []}
        return inside if op == "IN" else not inside
    if op == "BETWEEN":
        lo, hi = _cmp(f.get("value"), f.get("highValue"))
        x, _ = _cmp(v, 0)
        return lo <= x <= hi if type(x) is type(lo) else False
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        has = str(f.get("value", "")).lower().strip("*") in str(v).lower()
        return has if op == "CONTAINS_TOKEN" else not has
    a, b = _cmp(v, f.get("value"))
    return {
        "EQ": a == b,
        "NEQ": a != b,
        "LT": a < b,
        "LTE": a <= b,
        "GT": a > b,
        "GTE": a >= b,
    }.get(str(op), False)


def _sorts(raw: Any) -> list[tuple[str, bool]] | Response:
    """HubSpot's spec and SDK send `sorts` as strings ("createdate", "-createdate" descending);
    its docs show objects ({"propertyName", "direction"}). Both are accepted, as HubSpot does."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        return fail(400, "Invalid input JSON: sorts must be an array", "VALIDATION_ERROR")
    out: list[tuple[str, bool]] = []
    for s in raw:
        if isinstance(s, str) and s.strip("-"):
            out.append((s.lstrip("-"), s.startswith("-")))
        elif isinstance(s, dict) and isinstance(s.get("propertyName"), str):
            out.append((s["propertyName"], s.get("direction") == "DESCENDING"))
        else:
            return fail(
                400,
                f"Invalid input JSON: a sort must be a property name or an object with "
                f"propertyName and direction, not {json.dumps(s)[:60]}",
                "VALIDATION_ERROR",
            )
    return out


def search(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req, search=True)
    if isinstance(g, Response):
        return g
    try:
        q = req.json()
        groups = [grp.get("filters") or [] for grp in q.get("filterGroups") or []]
    except (ValueError, AttributeError):
        return fail(400, "Invalid input JSON on line 1", "VALIDATION_ERROR")
    n = sum(len(grp) for grp in groups)
    if (
        len(groups) > MAX_GROUPS
        or n > MAX_FILTERS
        or any(len(grp) > MAX_PER_GROUP for grp in groups)
    ):
        return fail(
            400,
            f"Too many filters: at most {MAX_GROUPS} groups, {MAX_PER_GROUP} filters "
            f"per group and {MAX_FILTERS} in all",
            "VALIDATION_ERROR",
        )
    limit, after = int(q.get("limit") or 10), int(q.get("after") or 0)
    if not 1 <= limit <= MAX_PAGE:
        return fail(400, f"limit must be between 1 and {MAX_PAGE}", "VALIDATION_ERROR")
    if after >= SEARCH_CAP:
        return fail(400, f"Paging past {SEARCH_CAP} results is not supported", "VALIDATION_ERROR")
    found = [
        c
        for c in contacts(emu)
        if not groups or any(all(matches(c, f) for f in grp) for grp in groups)
    ]
    text = str(q.get("query") or "").lower()
    if text:
        found = [
            c
            for c in found
            if any(
                text in str(c["properties"].get(k) or "").lower()
                for k in ("email", "firstname", "lastname")
            )
        ]
    order = _sorts(q.get("sorts"))
    if isinstance(order, Response):
        return order
    for name, descending in reversed(order):
        found.sort(
            key=lambda c: (_value(c, name) is None, _cmp(_value(c, name) or "", 0)[0]),
            reverse=descending,
        )
    end = min(after + limit, SEARCH_CAP)  # a query never serves more than 10,000 results
    page = found[after:end]
    out: dict[str, Any] = {
        "total": len(found),
        "results": [shown(c, q.get("properties")) for c in page],
    }
    if end < len(found):
        out["paging"] = {"next": {"after": str(end)}}
    return json_response(200, out)


ROUTES = [route("POST", V + r"/search", "hubspot.search", search)]
