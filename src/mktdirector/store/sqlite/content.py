"""Drafts, generations and plans: typed row helpers (the state machine is in agents/content)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, cast

from mktdirector.store.errors import RecordNotFoundError, Refusal, StateRefusedError
from mktdirector.store.rows import Draft, Generation, Plan
from mktdirector.store.sqlite.db import Connected, immediate
from mktdirector.store.sqlite.dialect import SQLITE
from mktdirector.store.stamps import new_id, now_utc


def decode_json_columns(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row with each set `x_json` column also given decoded as `x`."""
    out = dict(row)
    for key in list(out):
        if key.endswith("_json") and isinstance(out[key], str):
            out[key[:-5]] = json.loads(out[key])
    return out


class ContentMixin(Connected):
    def insert_draft(self, row: Mapping[str, Any]) -> Draft:
        now = now_utc()
        values = {"id": row.get("id") or new_id(), "created_utc": now, "updated_utc": now, **row}
        self.db.table("drafts").insert(values)
        return self.get_draft(values["id"])

    def get_draft(self, draft_id: str) -> Draft:
        rows = list(self.db.query("select * from drafts where id = ?", [draft_id]))
        if not rows:
            # Let people type the end of an id, like git's short hashes.
            rows = list(
                self.db.query(
                    "select * from drafts where id like ? limit 2", [f"%{draft_id.upper()}"]
                )
            )
            if len(rows) != 1:
                raise RecordNotFoundError("draft", draft_id, matches=len(rows))
        return cast(Draft, decode_json_columns(rows[0]))

    def update_draft(
        self,
        draft_id: str,
        expected_status: str | None,
        *,
        expected_hash: str | None = None,
        **fields: Any,
    ) -> Draft:
        """Update a draft; if `expected_status` is given, only from that status, and if
        `expected_hash` is given, only while its content hash is that one (both checked in
        the one UPDATE, so an edit landing after the caller's read refuses it)."""
        fields["updated_utc"] = now_utc()
        sets = ", ".join(f"{k} = ?" for k in fields)
        where, params = ["id = ?"], [draft_id]
        if expected_status is not None:
            where.append("status = ?")
            params.append(expected_status)
        if expected_hash is not None:
            where.append("content_hash = ?")
            params.append(expected_hash)
        with immediate(self.db) as conn:
            cur = conn.execute(
                f"update drafts set {sets} where {' and '.join(where)}",
                [*fields.values(), *params],
            )
            changed = cur.rowcount
        if not changed:
            current = self.get_draft(draft_id)
            if expected_hash is not None and current["content_hash"] != expected_hash:
                raise StateRefusedError(
                    f"Draft {draft_id} changed since it was read; nothing was updated.",
                    entity="draft",
                    ref=draft_id,
                    reason=Refusal.CHANGED_SINCE_APPROVAL,
                )
            raise StateRefusedError(
                f"Draft {draft_id} is {current['status']}, not {expected_status}.",
                entity="draft",
                ref=draft_id,
                reason=Refusal.WRONG_STATUS,
            )
        return self.get_draft(draft_id)

    def list_drafts(
        self,
        *,
        status: str | None = None,
        platform: str | None = None,
        limit: int = 100,
        offset: int = 0,
        campaign: str | None = None,
        after: tuple[str, str] | None = None,
    ) -> list[Draft]:
        """Newest first by (created_utc, id); `after` = the (created_utc, id) of the previous
        page's last row (a keyset: m020's index finds it without counting the rows before)."""
        where, params = ["1=1"], []
        if after is not None:
            where.append("(created_utc < ? or (created_utc = ? and id < ?))")
            params += [after[0], after[0], after[1]]
        if status:
            where.append("status = ?")
            params.append(status)
        if platform:
            where.append("platform = ?")
            params.append(platform)
        if campaign:
            where.append("campaign = ?")
            params.append(campaign)
        sql = (
            f"select * from drafts where {' and '.join(where)} "
            "order by created_utc desc, id desc limit ? offset ?"
        )
        rows = self.db.query(sql, [*params, limit, offset])
        return [cast(Draft, decode_json_columns(r)) for r in rows]

    def find_draft_by_input_key(self, input_key: str, statuses: Iterable[str]) -> Draft | None:
        """The newest draft made by the same request (see m010) that is in one of `statuses`."""
        wanted = list(statuses)
        sql = (
            f"select id from drafts where input_key = ? and status in ({SQLITE.marks(len(wanted))}) "
            "order by created_utc desc limit 1"
        )
        rows = list(self.db.query(sql, [input_key, *wanted]))
        return self.get_draft(rows[0]["id"]) if rows else None

    def draft_counts(self) -> list[dict[str, Any]]:
        """How many drafts there are per platform and status: {platform, status, n}."""
        sql = "select platform, status, count(*) as n from drafts group by platform, status"
        return list(self.db.query(sql))

    def insert_generation(self, row: Mapping[str, Any]) -> str:
        gid = new_id()
        self.db.table("generations").insert({"id": gid, "created_utc": now_utc(), **row})
        return gid

    def link_generation(
        self, generation_id: str, *, draft_id: str | None = None, plan_id: str | None = None
    ) -> None:
        fields = {k: v for k, v in {"draft_id": draft_id, "plan_id": plan_id}.items() if v}
        if fields:
            self.db.table("generations").update(generation_id, fields)

    def generation(self, generation_id: str) -> Generation | None:
        rows = list(self.db.query("select * from generations where id = ?", [generation_id]))
        return cast(Generation, rows[0]) if rows else None

    def generations_for_draft(self, draft_id: str) -> list[Generation]:
        sql = "select * from generations where draft_id = ? order by created_utc"
        return cast(list[Generation], list(self.db.query(sql, [draft_id])))

    def insert_plan(self, row: Mapping[str, Any]) -> Plan:
        pid = row.get("id") or new_id()
        self.db.table("plans").insert({"id": pid, "created_utc": now_utc(), **row})
        return self.get_plan(pid)

    def get_plan(self, plan_id: str) -> Plan:
        rows = list(self.db.query("select * from plans where id = ?", [plan_id]))
        if not rows:
            raise RecordNotFoundError("plan", plan_id)
        return cast(Plan, decode_json_columns(rows[0]))

    def set_plan_generation(self, plan_id: str, generation_id: str) -> None:
        """Record the generation that wrote the plan (known only after the plan row exists)."""
        self.db.table("plans").update(plan_id, {"generation_id": generation_id})

    def plan_draft_ids(self, plan_id: str) -> list[str]:
        """The plan's drafts in step order."""
        sql = "select id from drafts where plan_id = ? order by plan_step"
        return [r["id"] for r in self.db.query(sql, [plan_id])]

    def plan_steps_drafted(self, plan_id: str) -> set[int]:
        """The steps of a plan that already have a draft."""
        sql = "select plan_step from drafts where plan_id = ? and plan_step is not null"
        return {int(r["plan_step"]) for r in self.db.query(sql, [plan_id])}

    def list_plans(self, limit: int = 50) -> list[Plan]:
        sql = "select * from plans order by created_utc desc limit ?"
        return [cast(Plan, decode_json_columns(r)) for r in self.db.query(sql, [limit])]

    def llm_cost_total(self, since_utc: str | None = None) -> float:
        sql = "select coalesce(sum(cost_usd), 0) as c from generations"
        params: list[Any] = []
        if since_utc:
            sql += " where created_utc >= ?"
            params.append(since_utc)
        return float(next(iter(self.db.query(sql, params)))["c"])
