"""What a person sees at a real terminal prompt (issue 11, rough edges), in a pseudo-terminal.

`[y/N]` was swallowed by rich's markup, "no" ended in "run it in a terminal" (exit 2), and
`drafts approve` asked before it found lint errors that refuse the approval anyway.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mktdirector.store import Store

pytestmark = pytest.mark.slow  # each runs the installed mktd in a pseudo-terminal

MKTD = str(Path(sys.executable).with_name("mktd"))


def run_in_pty(args: list[str], answer: str | None, env: dict[str, str]) -> tuple[int, str]:
    """Run mktd on a pseudo-terminal; type `answer` at the first prompt; all output, exit code."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([MKTD, *args], stdin=follower, stdout=follower, stderr=follower,
                            env=env, close_fds=True)  # fmt: skip
    os.close(follower)
    out = b""
    answered = answer is None
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
                if not answered and b"[y/N]" in out:
                    os.write(leader, answer.encode() + b"\n")  # type: ignore[union-attr]
                    answered = True
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
    return code, out.decode(errors="replace")


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MKTD_", "LINKEDIN_"))}
    # A platform that cannot answer: anything sent would fail loudly, nothing may be sent.
    env.update(MKTD_HOME=str(home), LINKEDIN_ACCESS_TOKEN="li-token-123456789",
               MKTD_LINKEDIN_BASE_URL="http://127.0.0.1:9", COLUMNS="100")  # fmt: skip
    return env


def test_no_at_the_publish_prompt_is_an_answer(home: Path) -> None:
    code, out = run_in_pty(["social", "linkedin", "--text", "Hello from a terminal", "--publish"],
                           "n", env_for(home))  # fmt: skip
    assert "[y/N]" in out, out
    assert "Not published." in out and "run it in a terminal" not in out.lower(), out
    assert code == 1
    store = Store(home / "mktd.db")
    [draft] = store.list_drafts()
    assert draft["status"] == "draft" and store.draft_posts(draft["id"]) == []
    store.close()


def test_approve_refuses_lint_errors_before_asking(home: Path) -> None:
    env = env_for(home)
    # More hashtags than the brand allows: a lint error, which refuses approval.
    made = subprocess.run([MKTD, "social", "linkedin", "--text", "Launch #a #b #c #d #e #f #g",
                           "--json"], env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    draft_id = json.loads(made.stdout)["id"]
    code, out = run_in_pty(["drafts", "approve", draft_id], None, env)
    assert "lint errors" in out and "[y/N]" not in out, out
    assert code == 2


def test_a_dry_run_dump_keeps_json_strings_whole(home: Path) -> None:
    text = "A long line " + "that keeps going " * 20 + "to the end."
    code, out = run_in_pty(["social", "linkedin", "--text", text, "--publish", "--dry-run"], None,
                           env_for(home) | {"COLUMNS": "80"})  # fmt: skip
    assert code == 0, out
    assert json.dumps(text)[1:-1] in out.replace("\r\n", "\n"), out
