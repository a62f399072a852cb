"""SOQL reads: one query, paged lazily through `nextRecordsUrl` (at most 2,000 rows a page).

`GET /query?q=...` answers `{totalSize, done, nextRecordsUrl?, records[]}`; while `done` is
false the next page is `GET nextRecordsUrl` (`/services/data/vXX.X/query/01g...-2000`), a
locator the audit log records as `{locator}` (reference card 4.4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from mktdirector.integrations.salesforce.models import Record

# fetch(path, params, path_params) -> the JSON page
Fetch = Callable[[str, "Mapping[str, str] | None", "Mapping[str, str] | None"], dict[str, Any]]


def next_page(url: str) -> tuple[str, dict[str, str]]:
    """A `nextRecordsUrl` as (path template, path params) below the API version prefix."""
    head, sep, locator = url.rpartition("/query/")
    if not sep:  # queryAll pages and unknown shapes: sent as given
        return url, {}
    return head + "/query/{locator}", {"locator": locator}


class QueryPages:
    """The records of one or more SOQL queries, read page by page; iterate once.

    After iteration `total` is the sum of the queries' `totalSize` and `pages` the requests
    made. The CRM capability's `ContactPages`: `message` is None (SOQL has no result cap).
    """

    message: str | None = None

    def __init__(
        self,
        fetch: Fetch,
        queries: Sequence[str],
        utm_fields: Mapping[str, Mapping[str, str]] | None = None,
        *,
        prefix: str = "",
        enrich: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self._fetch = fetch
        self.prefix = prefix  # /services/data/vXX.X
        self._enrich = enrich  # completes a page's records in place before they are yielded
        self.queries = list(queries)
        self._utm = utm_fields or {}
        self.total: int | None = None
        self.pages = 0

    def raw(self) -> Iterator[dict[str, Any]]:
        """The records as Salesforce sent them (with their `attributes`)."""
        for soql in self.queries:
            data = self._fetch(self.prefix + "/query", {"q": soql}, None)
            # Each page repeats the query's totalSize: it is counted from the first page.
            if isinstance(data.get("totalSize"), int):
                self.total = (self.total or 0) + data["totalSize"]
            while True:
                self.pages += 1
                records = data.get("records") or []
                if self._enrich is not None and records:
                    self._enrich(records)
                yield from records
                nxt = data.get("nextRecordsUrl")
                if data.get("done", True) or not nxt:
                    break
                path, params = next_page(str(nxt))
                data = self._fetch(path, None, params)

    def __iter__(self) -> Iterator[Record]:
        for raw in self.raw():
            kind = str((raw.get("attributes") or {}).get("type") or "Lead")
            yield Record.from_api(raw, self._utm.get(kind, {}))
