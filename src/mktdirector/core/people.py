"""Who is acting: `MKTD_USER` (a team names its people), else the operating-system user.

Recorded on approvals, edits and publishes (drafts.approved_by / edited_by / published_by) and on
every audit row (http_calls.actor) so a team sharing one database can see who did what. A name,
never a secret.

"Who did it" for a call a worker makes: the worker runs as its host's user, but a publish job
went out because someone approved (and scheduled) that draft. So a worker's calls carry
`worker:<user>@<host>`, and a publish job's calls carry `<approver> via worker:<user>@<host>`:
the person who caused the post first, the process that sent it second (`acting(...)`).
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import os
from collections.abc import Iterator
from contextvars import ContextVar

MAX_LEN = 80

_acting: ContextVar[str | None] = ContextVar("mktd_actor", default=None)


def current_user() -> str:
    name = os.environ.get("MKTD_USER", "").strip()
    return (name or _os_user())[:MAX_LEN]


@functools.cache  # a process's OS user does not change; the lookup (passwd) is on every audit row
def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a bare container)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def current_actor() -> str:
    """Who caused what the running code does: the name `acting(...)` set (a worker's job),
    else the person running this process."""
    return _acting.get() or current_user()


@contextlib.contextmanager
def acting(name: str | None) -> Iterator[None]:
    """Attribute everything done inside the block to `name` (None keeps the outer actor)."""
    if not name:
        yield
        return
    token = _acting.set(name[:MAX_LEN])
    try:
        yield
    finally:
        _acting.reset(token)


def worker_actor(on_behalf_of: str | None = None) -> str:
    """`worker:alice@host`, or `bob via worker:alice@host` for work bob caused (approved)."""
    import socket  # here, not at the top: every command imports this module, few run a worker

    me = f"worker:{current_user()}@{socket.gethostname()}"
    return f"{on_behalf_of} via {me}" if on_behalf_of else me
