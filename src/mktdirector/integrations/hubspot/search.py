"""HubSpot contact search: filter checks and the lazily paged, 10,000-capped result."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from mktdirector.core.errors import UsageError
from mktdirector.integrations.hubspot.models import Contact

log = logging.getLogger("mktd.hubspot")

SEARCH = "/crm/v3/objects/contacts/search"
SEARCH_PAGE = 200  # page size maximum
SEARCH_CAP = 10_000  # a query never pages past this many results (paging beyond is a 400)
# Aug 2024 changelog: 5 groups, 10 filters per group, 25 in all (card 1.4).
MAX_FILTER_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 10, 25
OPERATORS = frozenset(
    {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY"}
    | {"NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
)


class ContactSearch:
    """Lazily paged search results; iterate once. After iteration see `capped`, `total`."""

    def __init__(self, fetch: Callable[[str | None], dict[str, Any]], after: str | None) -> None:
        self._fetch = fetch
        self.start_after = after
        self.total: int | None = None  # matches HubSpot counted, capped or not
        self.pages = 0
        self.capped = False
        self.next_after: str | None = None  # where a narrower follow-up could resume

    def __iter__(self) -> Iterator[Contact]:
        cursor = self.start_after
        position = _offset(cursor) or 0
        while True:
            data = self._fetch(cursor)
            self.pages += 1
            if isinstance(data.get("total"), int):
                self.total = data["total"]
            for raw in data["results"]:
                yield Contact.from_api(raw)
            nxt = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not nxt:
                self.next_after = None
                return
            position = _offset(nxt) or position + len(data["results"])
            if position >= SEARCH_CAP:
                self.capped, self.next_after = True, str(nxt)
                log.warning("%s", self.message)
                return
            cursor = str(nxt)

    @property
    def message(self) -> str | None:
        """A one-line note when the 10,000-result cap cut the results short."""
        if not self.capped:
            return None
        total = f" of {self.total:,}" if self.total else ""
        return (
            f"HubSpot search returns at most {SEARCH_CAP:,} results per query; stopped at "
            f"{SEARCH_CAP:,}{total}. Narrow the query (e.g. a createdate range) to see the rest."
        )


def _offset(after: Any) -> int | None:
    try:
        return int(str(after))
    except (TypeError, ValueError):
        return None


def check_filters(groups: list[list[Mapping[str, Any]]]) -> None:
    n = sum(len(g) for g in groups)
    if (
        len(groups) > MAX_FILTER_GROUPS
        or n > MAX_FILTERS
        or any(len(g) > MAX_FILTERS_PER_GROUP for g in groups)
    ):
        raise UsageError(
            f"HubSpot search takes at most {MAX_FILTER_GROUPS} filter groups, "
            f"{MAX_FILTERS_PER_GROUP} filters per group and {MAX_FILTERS} in all."
        )
    for f in (f for g in groups for f in g):
        if not f.get("propertyName") or str(f.get("operator")) not in OPERATORS:
            raise UsageError(
                f"Bad HubSpot search filter {dict(f)!r}: needs propertyName and an operator "
                f"({', '.join(sorted(OPERATORS))})."
            )
