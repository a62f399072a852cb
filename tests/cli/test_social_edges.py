"""Issue 11 rough edges on `mktd social`: options that would be silently ignored are refused."""

from __future__ import annotations

import pytest

from mktdirector.agents.social import posting
from mktdirector.agents.social.posting import PostRequest
from mktdirector.core.errors import UsageError
from mktdirector.wiring import Deps


@pytest.mark.parametrize("source", [["--text", "My own thread"], ["--text-file", "-"]])
def test_thread_length_with_own_text_is_refused_and_nothing_is_saved(cli, store, source):
    r = cli("social", "twitter", *source, "--thread-length", "3", input="From stdin")
    assert r.exit_code == 2 and "--thread-length" in r.stderr and "Traceback" not in r.stderr
    assert store.list_drafts() == []


def test_the_flow_refuses_it_for_every_front_end():
    deps = Deps()
    try:
        with pytest.raises(UsageError):
            posting.prepare(deps, PostRequest("twitter", text="Mine", thread_length=3))
        with pytest.raises(UsageError):
            posting.dry_run(deps, PostRequest("twitter", text="Mine", thread_length=3))
    finally:
        deps.close()
