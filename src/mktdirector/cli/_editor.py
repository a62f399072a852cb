"""Editing text in the user's $EDITOR (a temp file 0600; nothing lost on failure)."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile

from mktdirector.core.errors import UsageError


def edit_text(text: str, *, suffix: str = ".txt") -> str:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
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
