"""CLI flows of the marketing brain: exit codes, --json, the no-LLM error, --text offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mktdirector.wiring import Deps

from fakes import FakeLLM

LAUNCH = Path(__file__).resolve().parents[2] / "examples" / "launch.md"


@pytest.fixture
def fake_llm(monkeypatch):
    llm = FakeLLM()
    monkeypatch.setattr(Deps, "llm", lambda self: llm)
    return llm


def test_readme_main_job_works_offline_with_nothing_configured(cli, home):
    r = cli("social", "twitter", "--text-file", str(LAUNCH), "--dry-run", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["saved"] is False and data["kind"] == "thread" and len(data["body"]) >= 2
    assert all(seg.endswith(f"/{len(data['body'])}") for seg in data["body"])
    assert not home.exists()  # a dry run writes nothing, not even the home


def test_text_draft_saved_without_llm(cli):
    r = cli("social", "linkedin", "--text", "Hello https://acme.io", "--json")
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert (
        d["status"] == "draft"
        and d["source"] == "text"
        and f"utm_content={d['id']}" in d["body"][0]
    )


def test_topic_without_llm_exits_3_with_three_ways(cli):
    r = cli("social", "linkedin", "--topic", "AI ROI")
    assert r.exit_code == 3
    assert "No LLM is configured" in r.stderr
    for way in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "--text"):
        assert way in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "args,code,fragment",
    [
        (["social", "facebook", "--text", "x"], 2, "Unknown platform"),
        (["social", "hubspot", "--text", "x"], 2, "linkedin or twitter"),
        (["social", "linkedin"], 2, "exactly one of"),
        (["social", "linkedin", "--text", "a", "--topic", "b"], 2, "exactly one of"),
        (["social", "linkedin", "--text-file", "/nope/missing.md"], 2, "No such file"),
        (["social", "linkedin", "--text", "   "], 2, "empty"),
        (["social", "linkedin", "--text", "x" * 3001], 2, "3001 characters"),
        (["drafts", "show", "NOPE"], 2, "No draft"),
        (["drafts", "list", "--status", "flying"], 2, "Unknown status"),
    ],
)
def test_bad_input_is_one_line_with_hint(cli, args, code, fragment):
    r = cli(*args)
    assert r.exit_code == code, (r.stdout, r.stderr)
    assert fragment in r.stderr
    if "Error:" in r.stderr:
        assert "Hint:" in r.stderr
    assert "Traceback" not in r.stderr


def test_topic_flow_with_llm_saves_draft_and_provenance(cli, fake_llm):
    fake_llm.replies.append("AI ROI: measure it before you buy it.\n\nWhat do you measure?")
    r = cli("social", "linkedin", "--topic", "AI ROI", "--style", "casual", "--json")
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["source"] == "llm" and d["style"] == "casual" and d["generation_id"]
    show = cli("drafts", "show", d["id"], "--provenance", "--json")
    prov = json.loads(show.stdout)["provenance"][0]
    assert prov["model"] == "fake-model" and prov["template"] == "linkedin_post"
    text = cli("drafts", "show", d["id"], "--provenance")
    assert "linkedin_post v1" in text.stdout and "fake-model" in text.stdout


def test_five_part_thread_from_topic(cli, fake_llm):
    fake_llm.replies.append({"posts": [f"Point {i}" for i in range(1, 6)]})
    r = cli("social", "x", "--topic", "AI ROI", "--thread-length", "5", "--json")
    d = json.loads(r.stdout)
    assert d["kind"] == "thread" and d["body"] == [f"Point {i} {i}/5" for i in range(1, 6)]


def test_approve_needs_tty_or_yes_and_nothing_changes_without(cli, store):
    d = json.loads(cli("social", "linkedin", "--text", "Ship it", "--json").stdout)
    r = cli("drafts", "approve", d["id"])  # CliRunner's stdin is not a TTY
    assert r.exit_code == 2 and "--yes" in r.stderr
    assert store.get_draft(d["id"])["status"] == "draft"
    ok = cli("drafts", "approve", d["id"], "--yes", "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["status"] == "approved"


def test_edit_after_approve_via_editor_returns_to_draft(cli, store, tmp_path, monkeypatch):
    d = json.loads(cli("social", "linkedin", "--text", "First text", "--json").stdout)
    cli("drafts", "approve", d["id"], "--yes")
    script = tmp_path / "ed.sh"
    script.write_text('#!/bin/sh\nprintf "Second text, with synergy" > "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    (store.path.parent / "brand.toml").write_text('avoid = ["synergy"]\n')
    r = cli("drafts", "edit", d["id"], "--json")
    assert r.exit_code == 0, r.stderr
    e = json.loads(r.stdout)
    assert e["status"] == "draft" and e["body"] == ["Second text, with synergy"]
    assert e["findings"][0]["rule"] == "banned-phrase"


def test_failed_editor_changes_nothing(cli, store, monkeypatch):
    d = json.loads(cli("social", "linkedin", "--text", "Keep me", "--json").stdout)
    monkeypatch.setenv("EDITOR", "false")
    r = cli("drafts", "edit", d["id"])
    assert r.exit_code == 2 and "nothing was changed" in r.stderr
    assert store.get_draft(d["id"])["body"] == ["Keep me"]


def test_reject_and_list_filters(cli):
    a = json.loads(cli("social", "linkedin", "--text", "A", "--json").stdout)
    cli("social", "twitter", "--text", "B", "--json")
    cli("drafts", "reject", a["id"], "--reason", "meh")
    rejected = json.loads(cli("drafts", "list", "--status", "rejected", "--json").stdout)
    assert [r["id"] for r in rejected] == [a["id"]] and rejected[0]["rejected_reason"] == "meh"
    tw = json.loads(cli("drafts", "list", "--platform", "x", "--json").stdout)
    assert [r["platform"] for r in tw] == ["twitter"]


def test_brand_lint_file_exit_codes(cli, home, tmp_path):
    cli("init")
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_text("A plain, useful post.")
    bad.write_text("Line one\nThis synergy is a game-changer")
    assert cli("brand", "lint", str(good)).exit_code == 0
    r = cli("brand", "lint", str(bad), "--platform", "linkedin")
    assert r.exit_code == 1 and "line 2:6" in r.stdout and "banned-phrase" in r.stdout
    j = json.loads(cli("brand", "lint", str(bad), "--json").stdout)
    assert {f["rule"] for f in j["findings"]} == {"banned-phrase"} and j["brand"] != "none"


def test_brand_lint_draft(cli):
    d = json.loads(cli("social", "twitter", "--text", "ok #a #b #c #d", "--json").stdout)
    r = cli("brand", "lint", "--draft", d["id"], "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["findings"][0]["rule"] == "hashtags"


def test_brand_edit_refuses_invalid_file_and_keeps_old(cli, home, tmp_path, monkeypatch):
    cli("init")
    before = (home / "brand.toml").read_bytes()
    script = tmp_path / "ed.sh"
    script.write_text('#!/bin/sh\nprintf "company = " > "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    r = cli("brand", "edit")
    assert r.exit_code == 3 and "not valid TOML" in r.stderr
    assert (home / "brand.toml").read_bytes() == before


def test_topics_and_plan_commands(cli, fake_llm):
    topics = [
        {
            "title": f"T{i}",
            "angle": "a",
            "audience": "b",
            "why_now": "c",
            "suggested_platform": "twitter",
        }
        for i in range(2)
    ]
    fake_llm.replies.append({"topics": topics})
    r = cli("topics", "--for", "linkedin", "--count", "2", "--based-on", "course", "--json")
    assert r.exit_code == 0, r.stderr
    assert [t["title"] for t in json.loads(r.stdout)] == ["T0", "T1"]

    from datetime import date, timedelta

    day = (date.today() + timedelta(days=1)).isoformat()
    day2 = (date.today() + timedelta(days=2)).isoformat()
    steps = [
        {"day": day, "channel": "linkedin", "topic": "Tease", "angle": "x", "kind": "post"},
        {"day": day2, "channel": "linkedin", "topic": "Launch", "angle": "y", "kind": "post"},
    ]
    fake_llm.replies += [{"steps": steps}, "Tease post", "Launch post"]
    r = cli(
        "plan",
        "Launch course",
        "--timeframe",
        "2 days",
        "--channels",
        "linkedin",
        "--create-drafts",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    plan = json.loads(r.stdout)
    assert len(plan["steps"]) == 2 and len(plan["draft_ids"]) == 2
    listed = json.loads(cli("plan", "--list", "--json").stdout)
    assert listed[0]["id"] == plan["id"]
    bad = cli("plan", "X", "--timeframe", "forever")
    assert bad.exit_code == 2 and "timeframe" in bad.stderr


def test_email_draft_from_topic_and_from_text(cli, fake_llm, tmp_path):
    fake_llm.replies.append(
        {
            "subject": "Your seat is ready",
            "preheader": "Starts Monday",
            "text": "Join at https://a.io",
        }
    )
    r = cli("email", "draft", "--topic", "Course launch", "--json")
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["kind"] == "email" and d["body"]["subject"] == "Your seat is ready"
    assert "utm_medium=email" in d["body"]["text"] and "<a href=" in d["body"]["html"]
    body = tmp_path / "mail.txt"
    body.write_text("Hello,\n\nIt starts Monday.")
    t = json.loads(
        cli("email", "draft", "--subject", "Hi", "--body-file", str(body), "--json").stdout
    )
    assert t["source"] == "file" and t["body"]["text"] == "Hello,\n\nIt starts Monday."
    bad = cli("email", "draft", "--subject", "Hi")
    assert bad.exit_code == 2 and "--body-file" in bad.stderr
