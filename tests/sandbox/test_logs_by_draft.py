"""`mktd logs --draft ID`: every call one publish made, and none of any other command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mktdirector.sandbox import Sandbox

THREAD = " ".join(
    f"Point {n} of the launch thread says something worth reading on its own." for n in range(12)
)


def sandbox_requests(sb: Sandbox) -> list[dict[str, Any]]:
    return list(httpx.get(f"{sb.url}/_sandbox/requests", timeout=10).json()["requests"])


@pytest.mark.slow  # a real sandbox server and a full thread publish
def test_logs_draft_lists_every_call_of_a_thread_publish(home: Path, sb: Sandbox, cli: Any) -> None:
    assert cli("init").exit_code == 0
    # A call of another command, before: it must not show up under the draft.
    assert cli("test-integration", "twitter", "--json").exit_code == 0
    sb.set_faults("x.create:429=1@2")  # a short rate limit: the retried segment is its call too
    before = len(sandbox_requests(sb))
    published = cli("social", "twitter", "--text", THREAD, "--publish", "--yes", "--json")
    assert published.exit_code == 0, published.stderr
    result = json.loads(published.stdout)
    draft_id = result["draft_id"]
    assert len(result["thread_results"]) == 4
    sent = sandbox_requests(sb)[before:]

    logged = cli("logs", "--draft", draft_id, "--json")
    assert logged.exit_code == 0, logged.stderr
    rows = [json.loads(line) for line in logged.stdout.splitlines()]
    # One row per request the platform saw, in order, each tied to the draft.
    assert [(r["method"], r["path"], str(r["status"])) for r in rows] == [
        (x["method"], x["path"].removeprefix("/x"), x["outcome"]) for x in sent
    ]
    assert [r["status"] for r in rows] == [201, 429, 201, 201, 201]
    assert {r["correlation_id"] for r in rows} == {draft_id}

    # The other command's call is in the log, under its own run, not under the draft.
    everything = [json.loads(line) for line in cli("logs", "--json").stdout.splitlines()]
    others = [r for r in everything if r["correlation_id"] != draft_id]
    assert [r["path"] for r in others] == ["/2/users/me"] and others[0]["correlation_id"]

    # The table, with the short id people type (the end of it, as for `mktd drafts show`).
    table = cli("logs", "--draft", draft_id[-6:])
    assert table.exit_code == 0 and table.stdout.count("/2/tweets") == 5
    assert "/2/users/me" not in table.stdout
    unknown = cli("logs", "--draft", "NO-SUCH-DRAFT")
    assert unknown.exit_code == 2 and "No draft" in unknown.stderr
