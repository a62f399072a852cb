"""Drafts, the generations that wrote them, and plans."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from mktdirector.store.rows import Draft, Generation, Plan


class DraftRepo(Protocol):
    """Drafts (the state machine is agents/content/drafts.py), their generations and plans."""

    def insert_draft(self, row: Mapping[str, Any]) -> Draft: ...

    def get_draft(self, draft_id: str) -> Draft:
        """By id, or by the end of exactly one id; else RecordNotFoundError."""
        ...

    def update_draft(
        self,
        draft_id: str,
        expected_status: str | None,
        *,
        expected_hash: str | None = None,
        **fields: Any,
    ) -> Draft:
        """Only from `expected_status` and while the content hash is `expected_hash`, when
        given (checked atomically); else StateRefusedError."""
        ...

    def list_drafts(
        self,
        *,
        status: str | None = None,
        platform: str | None = None,
        limit: int = 100,
        offset: int = 0,
        campaign: str | None = None,
        after: tuple[str, str] | None = None,
    ) -> list[Draft]: ...

    def find_draft_by_input_key(self, input_key: str, statuses: Iterable[str]) -> Draft | None:
        """The newest draft made by the same request that is in one of `statuses`."""
        ...

    def draft_counts(self) -> list[dict[str, Any]]:
        """{platform, status, n} per platform and status."""
        ...

    def insert_generation(self, row: Mapping[str, Any]) -> str: ...

    def link_generation(
        self, generation_id: str, *, draft_id: str | None = None, plan_id: str | None = None
    ) -> None: ...

    def generation(self, generation_id: str) -> Generation | None: ...

    def generations_for_draft(self, draft_id: str) -> list[Generation]: ...

    def llm_cost_total(self, since_utc: str | None = None) -> float: ...

    def insert_plan(self, row: Mapping[str, Any]) -> Plan: ...

    def get_plan(self, plan_id: str) -> Plan: ...

    def set_plan_generation(self, plan_id: str, generation_id: str) -> None: ...

    def plan_draft_ids(self, plan_id: str) -> list[str]: ...

    def plan_steps_drafted(self, plan_id: str) -> set[int]: ...

    def list_plans(self, limit: int = 50) -> list[Plan]: ...
