"""Leads in bulk: match by email (one SOQL query per batch) or upsert by an external-id field,
through sObject Collections, 200 records per request with `allOrNone=false`.

Per batch of at most 200 rows (reference card 4.4):
- by email: `SELECT Id, Email FROM Lead WHERE IsConverted = false AND Email IN (...)`, then
  `PATCH /composite/sobjects` for the leads found and `POST /composite/sobjects` for the rest;
- by external id: one `PATCH /composite/sobjects/Lead/<Field>` (it answers `created` per row).
Each record answers `{id, success, errors[{statusCode, message, fields}]}`; refused rows are
reported with their positions and never stop the batch. A create is not idempotent: when its
answer is lost, the batch's emails are looked up again and only the leads still missing are
created, so a lead is never created twice by mktd. UNABLE_TO_LOCK_ROW rows are sent again
with backoff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import Any

import httpx

from mktdirector.core import errors as E
from mktdirector.core.retry import backoff
from mktdirector.integrations.crm_models import (
    ContactImportStopped,
    ContactRef,
    UpsertBatch,
    UpsertError,
    UpsertSummary,
)
from mktdirector.integrations.salesforce.models import FieldMap, UnknownColumnError, soql_quote

BATCH_SIZE = 200  # sObject Collections: at most 200 records per request
# The SOQL of a lookup travels in the URL, which Salesforce caps at 16,384 bytes; percent-
# encoding adds up to a third, so an `IN (...)` list is kept under this many characters and a
# batch of long addresses is looked up in two queries instead of failing.
IN_LIST_CHARS = 10_000
LOCK_RETRIES = 3
Request = Callable[..., httpx.Response]
Query = Callable[[str], list[dict[str, Any]]]
Parse = Callable[[httpx.Response], Any]  # the client's `json`: a clear error for a bad body


class _Row:
    """One lead to write: its fields and the input positions it stands for (merged dupes)."""

    def __init__(self, key: str, fields: dict[str, Any], position: int) -> None:
        self.key = key
        self.fields = fields
        self.positions = [position]
        self.id: str | None = None
        self.settled = False  # an answer for this row was recorded (written or refused)


class LeadWriter:
    def __init__(
        self,
        request: Request,
        query: Query,
        prefix: str,
        fields: FieldMap,
        *,
        external_id: str | None = None,
        sleep: Callable[[float], None],
        parse: Parse,
        lead_fields: Callable[[], set[str]],
        label: str = "Salesforce",
    ) -> None:
        self._parse = parse
        self._lead_fields = lead_fields  # the org's Lead fields (describe), asked only if needed
        self._known: dict[str, str] | None = None
        # Mapped fields sent as they are: standard ones and the configured external id.
        self._plain = {f for f in fields.targets if not f.endswith("__c") or f == external_id}
        self._request = request
        self._query = query
        self.prefix = prefix
        self.fields = fields
        self.external_id = external_id
        self._sleep = sleep
        self.label = label

    def run(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = BATCH_SIZE,
        total: int | None = None,
        on_batch: Callable[[UpsertBatch], None] | None = None,
    ) -> UpsertSummary:
        if not 1 <= batch_size <= BATCH_SIZE:
            raise E.UsageError(f"batch_size must be between 1 and {BATCH_SIZE}.")
        summary = UpsertSummary()
        it = iter(rows)
        start = 0
        while chunk := list(islice(it, batch_size)):
            batch = UpsertBatch(index=summary.batches, start=start, size=len(chunk))
            leads = self._rows(chunk, start, batch)
            try:
                if self.external_id:
                    self._upsert_external(leads, batch)
                else:
                    self._upsert_by_email(leads, batch)
            except E.RateLimitError as e:
                raise ContactImportStopped(e, summary, total) from None
            summary.add(batch)
            if on_batch is not None:
                on_batch(batch)
            start += len(chunk)
        return summary

    # input ------------------------------------------------------------------------------------
    def _rows(self, chunk: list[Mapping[str, Any]], start: int, batch: UpsertBatch) -> list[_Row]:
        by_key: dict[str, _Row] = {}
        key_field = self.external_id or "Email"
        for offset, raw in enumerate(chunk):
            fields = self._canonical(self.fields.record(raw))
            key = str(fields.get(key_field) or "").strip()
            if not key:
                batch.errors.append(
                    UpsertError(
                        f"row has no {'email' if key_field == 'Email' else key_field}",
                        rows=(start + offset,),
                    )  # fmt: skip
                )
                continue
            norm = key.lower()
            if norm in by_key:  # the same lead twice in a batch: merged, later values win
                by_key[norm].fields.update(fields)
                by_key[norm].positions.append(start + offset)
            else:
                by_key[norm] = _Row(norm, fields, start + offset)
        return list(by_key.values())

    def _canonical(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Fields under their API names. CSV headers arrive lowercased, so a column the mapping
        does not name (`region__c`) is matched to the org's field (`Region__c`) through one
        describe; one the org lacks stops the import before anything is sent. Custom fields
        the mapping names (the UTM ones) are checked the same way."""
        if self._plain.issuperset(fields):
            return fields
        out: dict[str, Any] = {}
        for name, value in fields.items():
            mapped = name in self.fields.targets
            if name in self._plain:
                out[name] = value
                continue
            if self._known is None:
                self._known = {f.lower(): f for f in self._lead_fields()}
            proper = self._known.get(name.lower())
            if proper is None:
                if not mapped:
                    raise UnknownColumnError(name)
                column = next((c for c, f in self.fields.columns.items() if f == name), name)
                raise UnknownColumnError(column, name)
            out[proper] = value
        return out

    # by external id ---------------------------------------------------------------------------
    def _upsert_external(self, leads: list[_Row], batch: UpsertBatch) -> None:
        path = f"{self.prefix}/composite/sobjects/Lead/{{field}}"
        self._write(
            "PATCH", path, leads, batch, idempotent=True, params={"field": self.external_id}
        )

    # by email ---------------------------------------------------------------------------------
    def _upsert_by_email(self, leads: list[_Row], batch: UpsertBatch) -> None:
        if not leads:
            return
        found = self._find(leads, batch)
        update = [r for r in leads if r.key in found]
        for r in update:
            r.id = found[r.key]
        create = [r for r in leads if r.key not in found]
        if update:
            self._write("PATCH", f"{self.prefix}/composite/sobjects", update, batch,
                        idempotent=True)  # fmt: skip
        if create:
            self._create(create, batch)

    def _find(self, leads: list[_Row], batch: UpsertBatch) -> dict[str, str]:
        found: dict[str, str] = {}
        for emails in in_lists([soql_quote(str(r.fields["Email"])) for r in leads]):
            batch.requests += 1
            records = self._query(
                "SELECT Id, Email FROM Lead WHERE IsConverted = false AND Email IN "
                f"({emails}) ORDER BY CreatedDate"
            )
            for rec in records:  # the oldest lead of an email is the one kept up to date
                found.setdefault(str(rec.get("Email") or "").lower(), str(rec["Id"]))
        return found

    def _create(self, create: list[_Row], batch: UpsertBatch) -> None:
        try:
            self._write("POST", f"{self.prefix}/composite/sobjects", create, batch,
                        idempotent=False)  # fmt: skip
        except (E.ApiConnectionError, E.ServerError, E.ApiResponseError) as e:
            if not E.outcome_unknown(e) and not isinstance(e, E.ServerError):
                raise
            # The answer was lost: some leads may exist now. Look before sending again (rows a
            # row-lock retry already settled are done and not looked at twice).
            unsettled = [r for r in create if not r.settled]
            found = self._find(unsettled, batch) if unsettled else {}
            missing = [r for r in unsettled if r.key not in found]
            for r in unsettled:
                if r.key in found:
                    r.settled = True
                    batch.results.append(ContactRef(found[r.key], r.fields.get("Email"), True))
            if missing:
                self._write("POST", f"{self.prefix}/composite/sobjects", missing, batch,
                            idempotent=False)  # fmt: skip

    # one collections request, with row-lock retries ------------------------------------------
    def _write(
        self,
        method: str,
        path: str,
        leads: list[_Row],
        batch: UpsertBatch,
        *,
        idempotent: bool,
        params: dict[str, Any] | None = None,
    ) -> None:
        pending = leads
        for attempt in range(LOCK_RETRIES + 1):
            records = [self._record(r) for r in pending]
            batch.requests += 1
            response = self._request(
                method, path, path_params=params, idempotent=idempotent,
                json={"allOrNone": False, "records": records},
            )  # fmt: skip
            answers = self._parse(response)
            if not isinstance(answers, list) or len(answers) != len(pending):
                raise E.ApiResponseError(
                    f"{self.label} answered {len(pending)} records with an unexpected body.",
                    platform="salesforce",
                    hint="Run with MKTD_DEBUG_HTTP=1 and report it",
                )
            locked = []
            for row, answer in zip(pending, answers, strict=True):
                if answer.get("success"):
                    row.settled = True
                    created = bool(answer.get("created", method == "POST"))
                    batch.results.append(ContactRef(str(answer["id"]), row.fields.get("Email"),
                                                    created))  # fmt: skip
                    continue
                errs = answer.get("errors") or [{}]
                code = str(errs[0].get("statusCode") or errs[0].get("errorCode") or "")
                if code == "UNABLE_TO_LOCK_ROW" and attempt < LOCK_RETRIES:
                    locked.append(row)
                    continue
                row.settled = True
                batch.errors.append(self._refusal(row, errs, code))
            if not locked:
                return
            self._sleep(backoff(attempt + 1))
            pending = locked

    def _record(self, row: _Row) -> dict[str, Any]:
        rec: dict[str, Any] = {"attributes": {"type": "Lead"}, **row.fields}
        if row.id:
            rec["Id"] = row.id
        return rec

    def _refusal(self, row: _Row, errs: list[dict[str, Any]], code: str) -> UpsertError:
        first = errs[0]
        message = str(first.get("message") or "refused")
        fields = [str(f) for f in first.get("fields") or []]
        if fields and not any(f in message for f in fields):
            message += f" ({', '.join(fields)})"
        return UpsertError(
            f"{code}: {message}" if code else message,
            code or None,
            tuple(row.positions),
            (str(row.fields.get("Email") or row.key),),
        )


def in_lists(literals: list[str]) -> list[str]:
    """The quoted literals joined into `IN (...)` lists of at most IN_LIST_CHARS characters."""
    lists: list[list[str]] = [[]]
    size = 0
    for lit in literals:
        if lists[-1] and size + len(lit) + 2 > IN_LIST_CHARS:
            lists.append([])
            size = 0
        lists[-1].append(lit)
        size += len(lit) + 2
    return [", ".join(part) for part in lists if part]
