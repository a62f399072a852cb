"""The log file: opened by the first record (a run that logs nothing loads no logging.handlers),
private, redacted and rotated as before."""

from __future__ import annotations

import logging
import stat
import sys
from pathlib import Path

import pytest

from mktdirector.cli import _logging


def _mktd_logger() -> logging.Logger:
    return logging.getLogger("mktd.test_log_file")


def test_the_file_exists_private_before_any_record_and_gets_the_records(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "mktd.log"
    token = "sk-test-abcdefghijklmnopqrstuvwxyz0123456789"
    try:
        _logging.setup_logging(log, verbose=False)
        assert log.exists() and stat.S_IMODE(log.stat().st_mode) == 0o600
        assert log.read_text() == ""

        _mktd_logger().info("sent with %s", token)
        _mktd_logger().debug("below the file's level")
        for handler in logging.getLogger("mktd").handlers:
            handler.flush()

        text = log.read_text()
        assert "sent with" in text and token not in text
        assert "below the file's level" not in text
    finally:
        _logging.setup_logging(None, verbose=False)


def test_the_file_rotates_at_2_mb(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "mktd.log"
    try:
        _logging.setup_logging(log, verbose=False)
        line = "x" * 1000
        for _ in range(2_100):
            _mktd_logger().info(line)
    finally:
        _logging.setup_logging(None, verbose=False)  # closes the file
    assert (tmp_path / "logs" / "mktd.log.1").exists()
    assert log.stat().st_size < 2_000_000


@pytest.mark.slow
def test_a_run_that_logs_nothing_never_opens_the_rotating_handler(tmp_path: Path) -> None:
    import subprocess

    probe = (
        "import sys, pathlib, logging\n"
        "from mktdirector.cli import _logging\n"
        "_logging.setup_logging(pathlib.Path(sys.argv[1]), verbose=False)\n"
        "print('logging.handlers' in sys.modules)\n"
        "logging.getLogger('mktd.x').info('one record')\n"
        "print('logging.handlers' in sys.modules)\n"
    )
    log = tmp_path / "mktd.log"
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(log)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True"]
    assert "one record" in log.read_text()
