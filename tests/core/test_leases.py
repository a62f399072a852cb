"""Lease owners: a dead process of this host is recognised; anything uncertain is not."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from mktdirector.core.leases import owner_id, owner_is_gone


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped (a zombie would still exist)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def owner_with_pid(pid: int) -> str:
    parts = owner_id().split(":")
    parts[1] = str(pid)
    return ":".join(parts)


def test_owner_names_host_and_pid() -> None:
    parts = owner_id().split(":")
    assert parts[0] == socket.gethostname() and parts[1] == str(os.getpid())
    assert owner_id() != owner_id()  # two Publishers in one process are two owners


def test_a_dead_process_of_this_host_is_gone() -> None:
    assert owner_is_gone(owner_with_pid(dead_pid()))


def test_a_live_process_is_not_gone() -> None:
    assert not owner_is_gone(owner_id())  # this process
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as proc:
        try:
            assert not owner_is_gone(owner_with_pid(proc.pid))
        finally:
            proc.kill()


def test_uncertain_owners_keep_their_lease() -> None:
    pid = dead_pid()
    parts = owner_with_pid(pid).split(":")
    other_host = ":".join(["another-host", *parts[1:]])
    assert not owner_is_gone(other_host)
    if len(parts) == 4:  # Linux: another PID namespace (a container) is not ours to judge
        assert not owner_is_gone(":".join([*parts[:3], "1"]))
        assert not owner_is_gone(":".join(parts[:3]))  # an owner without its namespace
    for odd in (None, "", "w1", "dead-process", "host:notapid:x", f"{parts[0]}:0:x"):
        assert not owner_is_gone(odd)
