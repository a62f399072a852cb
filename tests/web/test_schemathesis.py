"""schemathesis against /openapi.json of a real `mktd serve` process: a few hundred generated
requests (each operation, then stateful sequences), 0 server errors, 0 answers off the schema."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

TOKEN = "schemathesis-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(home: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MKTD_HOME": str(home), "MKTD_API_TOKEN": TOKEN}
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mktdirector", "serve", "--no-open", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"mktd serve did not start: {log.read_text()}")


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(home, tmp_path):
    port = free_port()
    proc = start_serve(home, port, tmp_path / "serve.log")
    report = tmp_path / "st.json"
    st = Path(sys.executable).with_name("st")
    try:
        run = subprocess.run(
            [str(st), "run", f"http://127.0.0.1:{port}/openapi.json",
             "-H", f"Authorization: Bearer {TOKEN}",
             "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
             "--max-examples", "25", "--seed", "13", "--generation-deterministic",
             "--report", "ndjson", "--report-ndjson-path", str(report)],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    statuses = answered(report)
    assert sum(statuses.values()) >= 300, statuses  # "a few hundred cases"
    assert not [code for code in statuses if code >= 500], statuses
    assert statuses.get(200, 0) > 0  # not only refusals: the generated requests got through


def answered(report: Path) -> Counter[int]:
    """Status code -> how many answers, over every request schemathesis sent."""
    out: Counter[int] = Counter()
    for line in report.read_text().splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if event is None:
            continue
        for interaction in event["recorder"].get("interactions", {}).values():
            response = interaction.get("response") or {}
            if "status_code" in response:
                out[int(response["status_code"])] += 1
    return out
