"""Drafts, generations and plans: typed row helpers (the state machine is in agents/drafts)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mktdirector.core.errors import UsageError
from mktdirector.store.sqlite.db import immediate, new_id, now_utc

if TYPE_CHECKING:
    from sqlite_utils import Database


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in list(out):
        if key.endswith("_json") and isinstance(out[key], str):
            out[key[:-5]] = json.loads(out[key])
    return out


class ContentMixin:
    db: Database

    def insert_draft(self, row: dict[str, Any]) -> dict[str, Any]:
        now = now_utc()
        row = {"id": row.get("id") or new_id(), "created_utc": now, "updated_utc": now, **row}
        self.db["drafts"].insert(row)
        return self.get_draft(row["id"])

    def get_draft(self, draft_id: str) -> dict[str, Any]:
        rows = list(self.db.query("select * from drafts where id = ?", [draft_id]))
        if not rows:
            # Let people type the end of an id, like git's short hashes.
            rows = list(
                self.db.query(
                    "select * from drafts where id like ? limit 2", [f"%{draft_id.upper()}"]
                )
            )
            if len(rows) != 1:
                raise UsageError(f"No draft {draft_id!r}.", hint="mktd drafts list shows the ids")
        return _decode(rows[0])

    def update_draft(
        self, draft_id: str, expected_status: str | None, **fields: Any
    ) -> dict[str, Any]:
        """Update a draft; if `expected_status` is given, only from that status (atomic check)."""
        fields["updated_utc"] = now_utc()
        sets = ", ".join(f"{k} = ?" for k in fields)
        with immediate(self.db) as conn:
            if expected_status is None:
                cur = conn.execute(
                    f"update drafts set {sets} where id = ?", [*fields.values(), draft_id]
                )
            else:
                cur = conn.execute(
                    f"update drafts set {sets} where id = ? and status = ?",
                    [*fields.values(), draft_id, expected_status],
                )
            changed = cur.rowcount
        if not changed:
            current = self.get_draft(draft_id)
            raise UsageError(
                f"Draft {draft_id} is {current['status']}, not {expected_status}.",
                hint=f"mktd drafts show {draft_id}",
            )
        return self.get_draft(draft_id)

    def list_drafts(
        self, *, status: str | None = None, platform: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        where, params = ["1=1"], []
        if status:
            where.append("status = ?")
            params.append(status)
        if platform:
            where.append("platform = ?")
            params.append(platform)
        sql = f"select * from drafts where {' and '.join(where)} order by created_utc desc limit ?"
        return [_decode(r) for r in self.db.query(sql, [*params, limit])]

    def insert_generation(self, row: dict[str, Any]) -> str:
        gid = new_id()
        self.db["generations"].insert({"id": gid, "created_utc": now_utc(), **row})
        return gid

    def link_generation(
        self, generation_id: str, *, draft_id: str | None = None, plan_id: str | None = None
    ) -> None:
        fields = {k: v for k, v in {"draft_id": draft_id, "plan_id": plan_id}.items() if v}
        if fields:
            self.db["generations"].update(generation_id, fields)

    def generation(self, generation_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from generations where id = ?", [generation_id]))
        return rows[0] if rows else None

    def generations_for_draft(self, draft_id: str) -> list[dict[str, Any]]:
        sql = "select * from generations where draft_id = ? order by created_utc"
        return list(self.db.query(sql, [draft_id]))

    def insert_plan(self, row: dict[str, Any]) -> dict[str, Any]:
        pid = row.get("id") or new_id()
        self.db["plans"].insert({"id": pid, "created_utc": now_utc(), **row})
        return self.get_plan(pid)

    def get_plan(self, plan_id: str) -> dict[str, Any]:
        rows = list(self.db.query("select * from plans where id = ?", [plan_id]))
        if not rows:
            raise UsageError(f"No plan {plan_id!r}.", hint="mktd plan --list shows the plans")
        return _decode(rows[0])

    def list_plans(self, limit: int = 50) -> list[dict[str, Any]]:
        return [
            _decode(r)
            for r in self.db.query("select * from plans order by created_utc desc limit ?", [limit])
        ]

    def llm_cost_total(self, since_utc: str | None = None) -> float:
        sql = "select coalesce(sum(cost_usd), 0) as c from generations"
        params: list[Any] = []
        if since_utc:
            sql += " where created_utc >= ?"
            params.append(since_utc)
        return float(next(iter(self.db.query(sql, params)))["c"])
