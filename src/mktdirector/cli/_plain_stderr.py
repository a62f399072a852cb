"""Messages on stderr without loading rich, when rich would print them unchanged.

cli/_output.py's stderr console never wraps (soft_wrap). When stderr is no terminal (a pipe,
a file, CI, a test runner) it prints no colour or style either: its bytes are the text minus
the control characters rich's Text drops, and a newline (tests/cli/test_plain_stderr.py
compares both on generated text). Writing them directly saves importing rich (~15-20 ms) on
runs whose only output is a message: `queue list` with nothing queued, every error (issue 17).
On a terminal, with FORCE_COLOR/TTY_COMPATIBLE set, or for text with a tab (rich expands it
by cell widths), the caller prints through rich as before.
"""

from __future__ import annotations

import os
import sys

# What rich.control.strip_control_codes removes: bell, backspace, vertical tab, form feed, CR.
RICH_STRIPS = dict.fromkeys((7, 8, 11, 12, 13))


def write(text: str) -> bool:
    """Write `text` and a newline to stderr as rich would; False (nothing written) if rich must."""
    if "\t" in text or not is_plain():
        return False
    sys.stderr.write(text.translate(RICH_STRIPS) + "\n")
    sys.stderr.flush()
    return True


def is_plain() -> bool:
    """Whether rich's stderr console would print no escape codes (its `is_terminal` false)."""
    import builtins

    if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
        return False  # rich reads both to force terminal output
    if hasattr(builtins, "get_ipython"):
        return False  # Jupyter: rich prints colour there without a terminal
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return isatty is not None and not isatty()
    except ValueError:  # a closed stream: let rich report it as it always did
        return False
