"""How `mktd notifications` shows the list and what `ack` marked read."""

from __future__ import annotations

from collections.abc import Sequence

from mktdirector.cli import _output
from mktdirector.store.rows import Notification


def listed(rows: Sequence[Notification], *, include_read: bool, json_out: bool) -> None:
    """The list, and (when unread ones are shown) the command that marks them read."""
    if json_out:
        return _output.emit_json(rows)
    _output.notification_list(rows)
    if rows and not include_read:
        _output.info("Mark them read: mktd notifications ack [ID]")


def acknowledged(count: int, json_out: bool) -> None:
    if json_out:
        _output.emit_json({"acknowledged": count})
    else:
        _output.info(f"{count} notification(s) marked read.")
