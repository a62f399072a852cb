"""Issue 12 items 4 and 5: bad input on the command line is one line of error, a hint and a
non-zero exit; never a traceback, never a huge read, never accepted when it cannot be posted.

Each case ran into a traceback (or exit 0) before the fix; `catch_exceptions=True` lets a
regression show up as `result.exception` instead of aborting the test run.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from mktdirector.core import inputs

BAD_UTF8 = b"\xff\xfe bad".decode("utf-8", "surrogateescape")  # what Python makes of such argv


def run(cli: Any, *args: str, input: str | None = None) -> Any:
    return cli(*args, input=input, catch_exceptions=True)


def refused(result: Any, code: int = 2) -> str:
    """The command ended cleanly with `code` and printed one error line plus a hint."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return str(result.stderr)


@pytest.mark.parametrize(
    "argv",
    [
        ["publish", BAD_UTF8],
        ["drafts", "show", BAD_UTF8],
        ["social", "twitter", "--text", BAD_UTF8],
        ["crm", "contacts", "get", BAD_UTF8],
        ["brand", "lint", BAD_UTF8],
        ["config", "set", "schedule.timezone", BAD_UTF8],
    ],
)
def test_invalid_utf8_arguments_are_refused_before_any_command_runs(cli, home, argv):
    err = refused(run(cli, *argv))
    assert "not valid UTF-8" in err and "Hint:" in err
    assert not (home / "mktd.db").exists()  # nothing was written


def test_invalid_utf8_with_json_is_a_json_error(cli):
    import json

    result = run(cli, "drafts", "show", BAD_UTF8, "--json")
    err = refused(result)
    assert json.loads(err)["error"] == "usage"


def test_nul_and_oversized_arguments_are_refused(cli):
    assert "NUL" in refused(run(cli, "social", "twitter", "--text", "a\x00b"))
    long = "a" * (inputs.ARG_MAX + 1)
    err = refused(run(cli, "social", "twitter", "--text", long))
    assert "--text-file" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["drafts", "list", "--limit", "99999999999999999999999"],
        ["logs", "--limit", "99999999999999999999999"],
        ["notifications", "--limit", "99999999999999999999999"],
        ["email", "list", "--limit", "99999999999999999999999"],
        ["crm", "contacts", "import", "x.csv", "--skip", str(10**23)],
        ["sandbox", "env", "--port", "-5"],
        ["sandbox", "env", "--port", "70000"],
        ["sandbox", "serve", "--port", "-5"],
        ["sandbox", "serve", "--seed", str(10**23)],
        ["worker", "--once", "--interval", "1e300"],
    ],
)
def test_numbers_out_of_range_are_usage_errors(cli, argv):
    refused(run(cli, *argv))


def test_sandbox_env_state_that_is_a_file(cli, tmp_path):
    f = tmp_path / "state"
    f.write_text("x")
    err = refused(run(cli, "sandbox", "env", "--state", str(f)))
    assert "is a file" in err
    assert f.read_text() == "x"


@pytest.mark.parametrize(
    "argv",
    [
        ["crm", "contacts", "get", "a" * 100_000],
        ["email", "cancel", "b" * 100_000],
        ["email", "stats", "--category", "c" * 20_000],
    ],
)
def test_huge_ids_that_would_go_into_a_url(cli, argv):
    err = refused(run(cli, *argv))
    assert "characters" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["social", "twitter", "--text-file", "{f}"],
        ["social", "linkedin", "--text-file", "{f}"],
        ["brand", "lint", "{f}"],
        ["crm", "contacts", "import", "{f}"],
        ["email", "send", "--to", "a@example.com", "--subject", "s", "--body-file", "{f}"],
        ["email", "draft", "--subject", "s", "--body-file", "{f}"],
    ],
)
@pytest.mark.parametrize("source", ["/dev/zero", "huge"])
def test_endless_or_huge_input_files_are_refused_without_reading_them(
    cli, home, tmp_path, monkeypatch, argv, source
):
    # Credentials that would work, at an address where nothing listens: the file is refused
    # before anything is sent (a request would fail with a network error, not "larger than").
    for name, value in {
        "HUBSPOT_API_KEY": "pat-na1-test",
        "SENDGRID_API_KEY": "SG.test",
        "SENDGRID_FROM_EMAIL": "me@example.com",
        "MKTD_HUBSPOT_BASE_URL": "http://127.0.0.1:9",
        "MKTD_SENDGRID_BASE_URL": "http://127.0.0.1:9",
    }.items():
        monkeypatch.setenv(name, value)
    if source == "huge":
        path = tmp_path / "huge.txt"
        with path.open("wb") as f:  # sparse: no disk used
            f.truncate(inputs.CSV_FILE_MAX + 1)
        source = str(path)
    if not Path(source).exists():
        pytest.skip(f"{source} does not exist on this system")
    refused(run(cli, "init"), 0)
    start = time.monotonic()
    err = refused(run(cli, *[a.replace("{f}", source) for a in argv]))
    assert "larger than" in err or "longer than" in err, err
    assert time.monotonic() - start < 10


def test_stdin_is_capped_too(cli):
    err = refused(run(cli, "social", "twitter", "--text-file", "-", input="a" * (2 << 20)))
    assert "larger than 1 MiB" in err


def test_nul_bytes_in_post_text_and_brand_files_are_refused(cli, tmp_path):
    post = tmp_path / "post.txt"
    post.write_bytes(b"hello\x00world")
    assert "NUL" in refused(run(cli, "social", "twitter", "--text-file", str(post)))
    assert "NUL" in refused(run(cli, "brand", "lint", str(post)))


def test_a_text_longer_than_25_posts_is_refused_and_says_why(cli, tmp_path):
    post = tmp_path / "long.txt"
    post.write_text("This sentence is here to fill a long thread. " * 4500)  # ~200 KB
    err = refused(run(cli, "social", "twitter", "--text-file", str(post)))
    assert "more than 25 posts" in err and "X readers" in err


def test_a_thread_of_25_posts_is_still_fine(cli, home, tmp_path):
    post = tmp_path / "ok.txt"
    post.write_text("\n---\n".join(f"Post number {i} of a long thread." for i in range(25)))
    result = run(cli, "social", "twitter", "--text-file", str(post))
    assert result.exit_code == 0, result.stderr


def test_building_a_thread_from_a_megabyte_is_fast():
    from mktdirector.agents.content.agent import body_from_text
    from mktdirector.core.errors import UsageError
    from mktdirector.core.xtext import weighted_length

    weighted_length("warm up")  # twitter-text's import is not the splitter's cost
    for text in (
        "word " * 200_000,
        "Sentence number one. " * 50_000,
        "x" * 1_000_000,
        "https://example.com/" + "a" * 1_000_000,
        "日本語の文章です。" * 110_000,
    ):
        start = time.monotonic()
        with pytest.raises(UsageError):
            body_from_text("twitter", text)
        assert time.monotonic() - start < 2.0


def test_a_brand_file_with_a_nul_byte_is_a_config_error(cli, home):
    refused(run(cli, "init"), 0)
    (home / "brand.toml").write_bytes(b'company = "Acme\x00"\n')
    err = refused(run(cli, "brand", "show"), 3)
    assert "brand.toml" in err and "Hint:" in err


def test_a_huge_brand_file_is_refused_not_read(cli, home):
    refused(run(cli, "init"), 0)
    with (home / "brand.toml").open("wb") as f:
        f.truncate(inputs.TEXT_FILE_MAX + 1)
    err = refused(run(cli, "brand", "show"), 3)
    assert "larger than 1 MiB" in err


def test_main_turns_a_bug_into_one_line_and_exit_1(monkeypatch, capsys):
    """The last resort in main(): what still escapes is one line (traceback with MKTD_DEBUG=1)."""
    import sys

    from mktdirector import cli as cli_module

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("a bug with a secret-free message")

    monkeypatch.setattr(cli_module, "app_for", lambda args: boom)  # what main() runs
    monkeypatch.setattr(sys, "argv", ["mktd", "status"])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    err = capsys.readouterr().err
    assert exit_.value.code == 1
    assert err.count("\n") == 2 and "RuntimeError" in err and "Traceback" not in err
    monkeypatch.setenv("MKTD_DEBUG", "1")
    with pytest.raises(SystemExit):
        cli_module.main()
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.slow  # real processes
@pytest.mark.parametrize(
    "argv",
    [
        [b"publish", b"\xff\xfe bad"],
        [b"drafts", b"list", b"--limit", b"99999999999999999999999"],
        [b"social", b"twitter", b"--text-file", b"/dev/zero"],
        [b"crm", b"contacts", b"get", b"a" * 100_000],
        [b"sandbox", b"env", b"--port", b"-5"],
    ],
)
def test_the_real_command_line_never_prints_a_traceback(home, argv):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "MKTD_DEBUG"}
    cmd = [sys.executable.encode(), b"-m", b"mktdirector", *argv]
    done = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert b"Traceback" not in done.stderr and b"Error: " in done.stderr


def test_a_csv_from_a_pipe_is_streamed_and_capped(tmp_path):
    """A FIFO has no size to check up front: the cap holds while streaming, line by line."""
    import os
    import threading

    from mktdirector.core.errors import UsageError

    fifo = tmp_path / "contacts.csv"
    os.mkfifo(fifo)

    def write() -> None:
        try:
            with fifo.open("wb") as f:
                for i in range(1000):
                    f.write(b"person%d@example.com\n" % i)
        except BrokenPipeError:
            # The reader stopped at the cap, as it should: a write or the final flush on close
            # (whichever the scheduling makes meet the closed pipe) says so.
            pass

    writer = threading.Thread(target=write)
    writer.start()
    seen = 0
    with pytest.raises(UsageError, match="larger than"):
        for _ in inputs.iter_lines(fifo, cap=4 * inputs.KIB):
            seen += 1
    writer.join(5)
    assert 100 < seen < 1000  # it read up to the cap, not the whole stream
