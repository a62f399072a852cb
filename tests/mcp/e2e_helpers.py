"""Real processes for the MCP end-to-end tests: `mktd sandbox serve`, `mktd mcp`, the mktd CLI,
and an OpenAI-compatible LLM on 127.0.0.1 (a thread in the test) that writes what is asked."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import httpx
from cryptography.fernet import Fernet

MKTD = str(Path(sys.executable).parent / "mktd")
OPENAI_KEY = "sk-mcp-e2e-" + secrets.token_urlsafe(24)
API_TOKEN = "mcp-e2e-token-" + secrets.token_urlsafe(24)


class LLMServer(ThreadingHTTPServer):
    """Chat completions: a thread of as many posts as the JSON schema asks, or plain text."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _LLMHandler)
        self.calls = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _LLMHandler(BaseHTTPRequestHandler):
    server: LLMServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.server.calls += 1
        schema = (body.get("response_format") or {}).get("json_schema", {}).get("schema", {})
        posts = schema.get("properties", {}).get("posts")
        if posts is not None:
            n = posts.get("minItems", 1)
            content = json.dumps({"posts": [f"Assistant drafted point {i} on shipping."
                                             for i in range(1, n + 1)]})  # fmt: skip
        else:
            content = "Shipping small wins: a note drafted by the assistant."
        reply = json.dumps({
            "id": "chatcmpl-mcp", "object": "chat.completion", "created": 1_800_000_000,
            "model": body.get("model", "mcp-model"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 40, "completion_tokens": 20, "total_tokens": 60},
        }).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


@contextmanager
def llm_server() -> Iterator[LLMServer]:
    server = LLMServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def sandbox_process(state_dir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`mktd sandbox serve --port 0` in its own process: (its URL, the env pointing at it)."""
    proc = subprocess.Popen(
        [MKTD, "sandbox", "serve", "--port", "0", "--quiet", "--state", str(state_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_base_env(),
    )  # fmt: skip
    try:
        url = None
        assert proc.stdout is not None
        for line in proc.stdout:  # the `export` lines it prints once it listens
            if line.startswith("export MKTD_TWITTER_BASE_URL="):
                url = shlex.split(line.partition("=")[2])[0].rsplit("/", 1)[0]
                break
        assert url, "mktd sandbox serve did not start"
        env = httpx.get(f"{url}/_sandbox/env", timeout=10).json()
        yield url, env
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        if proc.stdout is not None:
            proc.stdout.close()


def _base_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    return {k: v for k, v in os.environ.items() if k in keep}


def mktd_env(home: Path, sandbox_env: dict[str, str], llm_url: str) -> dict[str, str]:
    """A private home, the sandbox's platforms, the local LLM; no OS keyring."""
    return {
        **_base_env(),
        **sandbox_env,
        "MKTD_HOME": str(home),
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": llm_url,
        "MKTD_MODEL": "mcp-model",
        "MKTD_SECRET_KEY": Fernet.generate_key().decode(),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "MKTD_TZ": "UTC",
    }


def mktd(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MKTD, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def sandbox_posts(url: str) -> list[dict[str, Any]]:
    state = httpx.get(f"{url}/_sandbox/state", timeout=10).json()
    return [p for p in state["posts"].get("x", []) if not p["deleted"]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def secrets_in(env: dict[str, str]) -> dict[str, str]:
    """The secret values a run used: tokens, keys (long enough to be distinctive)."""
    names = [k for k in env if any(w in k for w in ("TOKEN", "KEY", "SECRET"))]
    return {k: env[k] for k in names if len(env[k]) >= 12 and k != "PYTHON_KEYRING_BACKEND"}


async def within_two_minutes(fn: Any, *args: Any) -> Any:
    with anyio.fail_after(120):  # a hung server fails the test instead of hanging it
        return await fn(*args)
