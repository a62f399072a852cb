"""`mktd social P --text … --publish --dry-run` prints the very bytes it printed before the
platform clients were imported lazily (issue 17 item 1): the files under artifacts/ were
written by the merge base f48cd21, table and --json, and this build must match them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).parent / "artifacts"
# What a release may change without changing the dry run's shape.
_VOLATILE = re.compile(r"(linkedin-version: |\"linkedin-version\": \")\d{6}|mktd/[\w.+-]+")


def _normalized(text: str) -> str:
    return _VOLATILE.sub(lambda m: m.group(1) + "YYYYMM" if m.group(1) else "mktd/VERSION", text)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "golden"),
    [([], "social-publish-dry-run-100col.txt"), (["--json"], "social-publish-dry-run.json")],
)
def test_publish_dry_run_output_is_unchanged(tmp_path: Path, extra: list[str], golden: str) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "MKTD_HOME": str(tmp_path / "home"),
        "NO_COLOR": "1",
        "COLUMNS": "100",
    }
    args = ["social", "linkedin", "--text", "Hello https://acme.io", "--publish", "--dry-run"]
    proc = subprocess.run(
        [sys.executable, "-m", "mktdirector", *args, *extra],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # as the files were written: both streams, in order
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout
    want = (ARTIFACTS / golden).read_text()
    assert _normalized(proc.stdout) == _normalized(want)
