"""The log file and `--verbose`: where records go (cli/_output.py prints; this only logs).

Everything is redacted on the way out; the file is 0600 and rotates at 2 MB x 3.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from mktdirector.core.redact import redact


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _RotatingOnFirstRecord(logging.Handler):
    """The rotating log file (2 MB x 3), opened by the first record that reaches it.

    A run that logs nothing (`drafts list`, `status`) then never imports logging.handlers,
    which loads socket and pickle: ~5 ms of every command's start (issue 17 item 1).
    """

    def __init__(self, path: Any) -> None:
        super().__init__()
        self.path = path
        self.file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.file is None:
                from logging.handlers import RotatingFileHandler

                self.file = RotatingFileHandler(
                    self.path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
                )
                self.file.setFormatter(self.formatter)
            self.file.emit(record)
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        if self.file is not None:
            self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        super().close()


def setup_logging(log_file: Any | None, *, verbose: bool) -> None:
    """Rotating log file (0600) for everything; redacted HTTP lines on stderr when verbose."""
    root = logging.getLogger("mktd")
    root.setLevel(logging.DEBUG)
    root.propagate = False
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.close(fd)
            fh: logging.Handler | None = _RotatingOnFirstRecord(log_file)
        except OSError:
            fh = None
        if fh is not None:
            fh.setLevel(logging.INFO)
            fh.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
            root.addHandler(fh)
    if verbose:
        sh = logging.StreamHandler(sys.stderr)
        sh.setLevel(logging.DEBUG)
        sh.setFormatter(RedactingFormatter("%(message)s"))
        root.addHandler(sh)
