"""The actions log (`actions`, m013): who did what through a front end, and how it ended."""

from __future__ import annotations

import json
from typing import Any, cast

from mktdirector.store.rows import ActionRow
from mktdirector.store.sqlite.db import Connected
from mktdirector.store.stamps import new_id, now_utc


class ActionsMixin(Connected):
    def record_action(
        self,
        *,
        source: str,
        action: str,
        outcome: str,
        actor: str | None = None,
        arguments: dict[str, Any] | None = None,
        detail: str | None = None,
        draft_id: str | None = None,
        correlation_id: str | None = None,
        duration_ms: int | None = None,
    ) -> str:
        row_id = new_id()
        self.db.table("actions").insert(
            {
                "id": row_id,
                "time_utc": now_utc(),
                "source": source,
                "actor": actor,
                "action": action,
                "arguments_json": json.dumps(arguments or {}, ensure_ascii=False, default=str),
                "outcome": outcome,
                "detail": detail,
                "draft_id": draft_id,
                "correlation_id": correlation_id,
                "duration_ms": duration_ms,
            }
        )
        return row_id

    def actions(
        self,
        *,
        source: str | None = None,
        draft_id: str | None = None,
        after_id: str | None = None,
        limit: int = 50,
    ) -> list[ActionRow]:
        where, params = ["1=1"], []
        if source:
            where.append("source = ?")
            params.append(source)
        if draft_id:
            where.append("draft_id = ?")
            params.append(draft_id)
        if after_id:
            where.append("id > ?")
            params.append(after_id)
        sql = (
            f"select * from actions where {' and '.join(where)} "
            "order by time_utc desc, id desc limit ?"
        )
        rows = []
        for r in self.db.query(sql, [*params, limit]):
            r["arguments"] = json.loads(r.pop("arguments_json") or "{}")
            rows.append(r)
        return cast(list[ActionRow], list(reversed(rows)))
