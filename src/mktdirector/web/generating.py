"""Generation in the background: an LLM call can take a minute, so the generate form starts a
task on a small thread pool and the page polls it (htmx) for the text written so far.

Tasks live in this process's memory for an hour; the draft itself is saved by the same flow
as `mktd social` / `mktd email draft` the moment the model has finished.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from mktdirector.core.errors import MktdError
from mktdirector.wiring import Deps

KEEP_S = 3600.0
WORKERS = 2  # at most two LLM calls at once; more wait their turn without blocking the server


@dataclass
class Task:
    id: str
    platform: str
    topic: str
    status: str = "running"  # running | done | failed
    text: str = ""
    draft_id: str | None = None
    error: str | None = None
    hint: str | None = None
    started: float = field(default_factory=time.time)

    @property
    def shown(self) -> str:
        """The text so far as a reader wants it: a thread's streamed JSON as its posts."""
        return posts_so_far(self.text) if self.text.lstrip().startswith("{") else self.text


@dataclass(frozen=True)
class Ask:
    platform: str  # linkedin | twitter | email
    topic: str
    style: str = "professional"
    include_cta: bool = True
    thread_length: int | None = None


class Generator:
    def __init__(self, deps_factory: Callable[[], Deps]) -> None:
        self._deps_factory = deps_factory
        self._tasks: dict[str, Task] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="mktd-generate")

    def start(self, ask: Ask) -> Task:
        task = Task(secrets.token_urlsafe(9), ask.platform, ask.topic)
        with self._lock:
            cutoff = time.time() - KEEP_S
            self._tasks = {k: t for k, t in self._tasks.items() if t.started > cutoff}
            self._tasks[task.id] = task
        self._pool.submit(self._run, task, ask)
        return task

    def get(self, task_id: str) -> Task | None:
        with self._lock:
            return self._tasks.get(task_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, task: Task, ask: Ask) -> None:
        deps = self._deps_factory()

        def more(chunk: str) -> None:
            with self._lock:
                task.text += chunk

        try:
            task.draft_id = _generate(deps, ask, more)
            task.status = "done"
        except MktdError as e:
            task.error, task.hint, task.status = e.message, e.hint, "failed"
        except Exception as e:  # a bug must not leave the page polling for ever
            task.error, task.status = f"Unexpected error: {type(e).__name__}", "failed"
        finally:
            deps.close()


def _generate(deps: Deps, ask: Ask, on_text: Callable[[str], None]) -> str:
    """The CLI's flows: `mktd social P --topic T` or `mktd email draft --topic T`."""
    if ask.platform == "email":
        from mktdirector.agents.email.drafting import EmailDraftRequest, draft_email

        request = EmailDraftRequest(topic=ask.topic, style=ask.style, include_cta=ask.include_cta)
        view: Any = draft_email(deps.store, deps.brand(), deps.llm, request, read_text=_no_files)
        return str(view.id)
    from mktdirector.agents.social.posting import PostRequest
    from mktdirector.agents.social.submit import submit

    request_ = PostRequest(
        ask.platform, topic=ask.topic, style=ask.style, include_cta=ask.include_cta,
        thread_length=ask.thread_length,
    )  # fmt: skip
    return submit(deps, request_, new=True, on_text=on_text).prepared.view.id


_STRING = re.compile(r'"((?:[^"\\]|\\.)*\\?)("|$)', re.S)


def posts_so_far(partial_json: str) -> str:
    """The posts of a thread's JSON reply as far as it has arrived (the last one may be cut),
    one per paragraph, `---` between them as the draft editor shows a thread."""
    # The last reply only: a repair round after an invalid one streams a second JSON object.
    _, sep, rest = partial_json.rpartition('"posts"')
    if not sep:
        return ""
    out = []
    for m in _STRING.finditer(rest):
        raw = m.group(1)
        if not m.group(2) and (len(raw) - len(raw.rstrip("\\"))) % 2:
            raw = raw[:-1]  # a cut escape sequence waits for its next chunk
        try:
            out.append(json.loads(f'"{raw}"'))
        except ValueError:
            out.append(raw)
    return "\n---\n".join(out)


def _no_files(path: Any) -> str:
    raise MktdError("The dashboard does not read files.")
