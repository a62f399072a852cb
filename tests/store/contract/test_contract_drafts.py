"""DraftRepo: drafts CRUD, status transitions with an atomic check, short ids, plans."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mktdirector.store.errors import RecordNotFoundError, Refusal, StateRefusedError
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, DraftStatus


def test_a_draft_reads_back_with_its_body_decoded(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft(body=["one", "two"], kind="thread", topic="AI ROI")
    got = store.get_draft(d["id"])
    assert got["body"] == ["one", "two"]
    assert (got["kind"], got["topic"], got["status"]) == ("thread", "AI ROI", "draft")
    assert got["created_utc"] == got["updated_utc"] and got["created_utc"].endswith("Z")


def test_a_long_incompressible_topic_and_approver_are_stored(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    # A topic can be any text a person or an LLM gives (the CLI does not cap it); what the
    # store indexes must take it on every backend (a PostgreSQL B-tree entry has a size limit).
    import random

    rng = random.Random(3)
    topic = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(6000))
    d = add_draft(topic=topic, approved_by="a" * 80, published_by="b" * 80)
    assert store.get_draft(d["id"])["topic"] == topic


def test_the_end_of_an_id_finds_the_draft_like_a_short_git_hash(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft()
    assert store.get_draft(d["id"][-6:].lower())["id"] == d["id"]


def test_an_unknown_or_ambiguous_id_is_not_found_by_kind(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    add_draft(id="01AAAAAAAAAAAAAAAAAAAAAXYZ")
    add_draft(id="01BBBBBBBBBBBBBBBBBBBBBXYZ")
    told = {
        "nope": "No draft 'nope'.",
        "xyz": "'xyz' ends more than one draft; give more of its id.",
    }
    for ref, message in told.items():
        with pytest.raises(RecordNotFoundError) as info:
            store.get_draft(ref)
        assert (info.value.entity, info.value.ref) == ("draft", ref)
        assert info.value.message == message and info.value.hint is None


def test_update_from_the_expected_status_moves_it(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft()
    got = store.update_draft(d["id"], DraftStatus.DRAFT, status=DraftStatus.APPROVED,
                             approved_hash="h1")  # fmt: skip
    assert got["status"] == DraftStatus.APPROVED and got["approved_hash"] == "h1"
    assert store.list_drafts(status="approved")[0]["id"] == d["id"]


def test_update_from_another_status_is_refused_and_writes_nothing(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft()
    with pytest.raises(StateRefusedError) as info:
        store.update_draft(d["id"], DraftStatus.APPROVED, status=DraftStatus.PUBLISHED)
    assert info.value.reason is Refusal.WRONG_STATUS
    assert info.value.message == f"Draft {d['id']} is draft, not approved."
    assert store.get_draft(d["id"]) == d  # not even updated_utc moved


def test_list_filters_by_status_and_platform_newest_first(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    a = add_draft(platform="linkedin", created_utc="2026-05-01T09:00:00.000Z")
    b = add_draft(platform="twitter", created_utc="2026-05-01T09:00:01.000Z")
    c = add_draft(platform="twitter", approved=True, created_utc="2026-05-01T09:00:02.000Z")
    assert [d["id"] for d in store.list_drafts()] == [c["id"], b["id"], a["id"]]
    assert [d["id"] for d in store.list_drafts(platform="twitter", status="draft")] == [b["id"]]
    assert len(store.list_drafts(limit=2)) == 2
    counts = {(r["platform"], r["status"]): r["n"] for r in store.draft_counts()}
    assert counts == {("linkedin", "draft"): 1, ("twitter", "draft"): 1, ("twitter", "approved"): 1}


def test_the_same_request_finds_its_newest_unfinished_draft(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    add_draft(input_key="k1", created_utc="2026-05-01T09:00:00.000Z")
    newer = add_draft(input_key="k1", created_utc="2026-05-01T09:00:01.000Z")
    add_draft(input_key="k1", status=DraftStatus.REJECTED, created_utc="2026-05-01T09:00:02.000Z")
    found = store.find_draft_by_input_key("k1", [DraftStatus.DRAFT, DraftStatus.PUBLISHED])
    assert found is not None and found["id"] == newer["id"]
    assert store.find_draft_by_input_key("k1", [DraftStatus.PUBLISHED]) is None
    assert store.find_draft_by_input_key("k2", list(DraftStatus)) is None


def test_generations_link_to_their_draft_and_add_up(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft()
    g1 = store.insert_generation({"purpose": "linkedin_post", "model": "m", "cost_usd": 0.25})
    g2 = store.insert_generation({"purpose": "linkedin_post", "model": "m", "cost_usd": 0.5})
    store.link_generation(g1, draft_id=d["id"])
    gen = store.generation(g1)
    assert gen is not None and gen["draft_id"] == d["id"] and gen["model"] == "m"
    assert [g["id"] for g in store.generations_for_draft(d["id"])] == [g1]
    assert store.generation("missing") is None
    assert store.llm_cost_total() == pytest.approx(0.75)
    assert store.llm_cost_total(since_utc="2999-01-01") == 0.0
    assert g2


def test_plans_keep_their_steps_drafts_and_generation(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    plan = store.insert_plan({"objective": "Launch", "plan_json": '[{"step": 1}]'})
    assert plan["plan"] == [{"step": 1}] and plan["generation_id"] is None
    store.set_plan_generation(plan["id"], "G1")
    assert store.get_plan(plan["id"])["generation_id"] == "G1"
    second = add_draft(plan_id=plan["id"], plan_step=1)
    first = add_draft(plan_id=plan["id"], plan_step=0)
    assert store.plan_draft_ids(plan["id"]) == [first["id"], second["id"]]
    assert store.plan_steps_drafted(plan["id"]) == {0, 1}
    assert [p["id"] for p in store.list_plans()] == [plan["id"]]
    with pytest.raises(RecordNotFoundError) as info:
        store.get_plan("nope")
    assert info.value.entity == "plan"
