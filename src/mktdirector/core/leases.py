"""Who holds a lease, and whether that holder can be known to be dead.

A lease owner is `host:pid:random[:pidns]`. A lease normally frees up when its time runs out,
but a user who re-runs a command right after a crash (kill -9, a closed laptop lid, OOM) should
not wait the full lease: when the owner ran on this very host, in this PID namespace, and its
process no longer exists, it can never send anything again, so its lease may be taken over at
once. Anything we cannot be sure about (another host, another container, a PID that exists,
possibly reused) keeps the lease until it expires: the safe side is waiting, never sending twice.
"""

from __future__ import annotations

import os
import uuid


def _pid_namespace() -> str | None:
    """The PID namespace's inode on Linux (`pid:[4026531836]` → `4026531836`), else None.

    Two containers may share a hostname (`--network host`) and reuse the same PIDs; recording
    the namespace keeps one from reading the other's live process as dead.
    """
    try:
        link = os.readlink("/proc/self/ns/pid")
    except OSError:
        return None
    digits = "".join(ch for ch in link if ch.isdigit())
    return digits or None


def _hostname() -> str:
    import socket  # here, not at the top: every store opener imports this module (issue 17)

    return socket.gethostname()


def owner_id() -> str:
    """A lease owner naming this process: `host:pid:random[:pidns]`."""
    parts = [_hostname(), str(os.getpid()), uuid.uuid4().hex[:8]]
    ns = _pid_namespace()
    if ns:
        parts.append(ns)
    return ":".join(parts)


def _pid_exists(pid: int) -> bool:
    if pid <= 0:
        return True  # not a real process id: assume alive (keep the lease)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return True
    return True


def owner_is_gone(owner: str | None) -> bool:
    """True only when `owner` certainly names a process of this host that has exited."""
    if not owner:
        return False
    parts = owner.split(":")
    if len(parts) not in (3, 4) or not parts[1].isdigit():
        return False  # not an owner_id() (tests, other tools): never assume it is dead
    host, pid = parts[0], int(parts[1])
    ns = parts[3] if len(parts) == 4 else None
    if host != _hostname() or ns != _pid_namespace():
        return False
    if pid == os.getpid():
        return False  # this very process (another Publisher in it) is alive by definition
    return not _pid_exists(pid)
