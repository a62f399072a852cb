"""Editing text in the user's $EDITOR (a temp file 0600; nothing lost on failure)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile

from mktdirector.core.errors import UsageError


def choose_editor() -> str:
    """$VISUAL, $EDITOR, or vi when there is a terminal for it.

    Without either variable and without a terminal (a pipe, cron, CI) vi would wait for keys
    that never come: refuse instead of hanging.
    """
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if editor:
        return editor
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "No editor to open: $EDITOR is not set and this is not a terminal.",
            hint="Set one, e.g. EDITOR=nano, or run it in a terminal",
        )
    return "vi"


def edit_text(text: str, *, suffix: str = ".txt") -> str:
    editor = choose_editor()
    fd, path = tempfile.mkstemp(prefix="mktd-", suffix=suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        try:
            code = subprocess.call([*shlex.split(editor), path])
        except FileNotFoundError:
            raise UsageError(
                f"Editor {editor!r} not found.", hint="Set EDITOR, e.g. export EDITOR=nano"
            ) from None
        if code != 0:
            raise UsageError(
                f"The editor exited with {code}; nothing was changed.", hint="Run the edit again"
            )
        with open(path, encoding="utf-8") as f:
            return f.read()
    finally:
        os.unlink(path)
