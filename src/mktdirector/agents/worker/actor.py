"""Who a worker's job acts for, as the audit log records it (core/people.py).

A worker runs as its host's user, but a publish went out because someone approved that draft:
its calls carry `<approver> via worker:<user>@<host>`, so a team lead reading `mktd logs` sees
who caused the post, not only which machine sent it. Jobs nobody asked for (analytics refresh,
token refresh) and a draft without a recorded approver carry `worker:<user>@<host>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mktdirector.core.errors import MktdError
from mktdirector.core.people import worker_actor
from mktdirector.store import StoreLike


def job_actor(store: StoreLike, job: Mapping[str, Any]) -> str:
    draft_id = job.get("draft_id")
    if not draft_id:
        return worker_actor()
    try:
        approver = store.get_draft(str(draft_id)).get("approved_by")
    except MktdError:  # the draft is gone: the job itself says so when it runs
        approver = None
    return worker_actor(approver)
