"""Issue 16: `mktd report` says who approved and who published each post (CSV/JSON columns
approved_by and published_by; the table's "by" column within 80 and 120 columns; the HTML)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from tests.web.test_posts_paging import seed

N = 3


def seeded(store: Any) -> list[str]:
    ids = seed(store, N)
    store.db.execute("update drafts set approved_by = 'carol', published_by = 'carol' where id = ?",
                     [ids[0]])  # fmt: skip
    store.db.execute("update drafts set approved_by = 'carol', published_by = 'svc' where id = ?",
                     [ids[1]])  # fmt: skip
    store.db.conn.commit()  # ids[2] names nobody: a draft from before people were recorded
    return ids


def test_csv_has_approved_by_and_published_by(cli: Any, store: Any) -> None:
    ids = seeded(store)
    r = cli("report", "--format", "csv", "--timeframe", "7d")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    header = r.stdout.splitlines()[0].split(",")
    assert header[header.index("topic") + 1 : header.index("topic") + 3] == [
        "approved_by",
        "published_by",
    ]
    assert [(x["draft_id"], x["approved_by"], x["published_by"]) for x in rows] == [
        (ids[0], "carol", "carol"),
        (ids[1], "carol", "svc"),
        (ids[2], "", ""),
    ]


def test_json_posts_carry_both_people_or_null(cli: Any, store: Any) -> None:
    ids = seeded(store)
    r = cli("report", "--json", "--timeframe", "7d")
    assert r.exit_code == 0, r.stderr
    posts = json.loads(r.stdout)["posts"]
    assert [(p["draft_id"], p["approved_by"], p["published_by"]) for p in posts] == [
        (ids[0], "carol", "carol"),
        (ids[1], "carol", "svc"),
        (ids[2], None, None),
    ]


def test_the_table_has_a_by_column_that_fits(cli: Any, store: Any) -> None:
    seeded(store)
    for width in (80, 120):
        out = cli("report", "--timeframe", "7d", env={"COLUMNS": str(width)}).stdout
        lines = out.splitlines()
        assert all(len(line) <= width for line in lines), (width, out)
        posts = out[out.index("Posts") :].split("Posts (continued)")[0]  # the first table
        head = next(line for line in posts.splitlines() if "published" in line)
        assert [c.strip() for c in head.split("┃")[1:-1]][4] == "by", head
        # Newest first (ranked by engagements); the narrow cell names the approver.
        by = [line.split("│")[5].strip() for line in posts.splitlines() if line.startswith("│")]
        assert by == ["–", "carol", "carol"], (width, out)
    # At 120 the posts are still one table: "by" never pushes figures into another.
    assert "Posts (continued)" not in out


def test_the_html_report_names_them(cli: Any, store: Any, tmp_path: Path) -> None:
    seeded(store)
    html = tmp_path / "r.html"
    assert cli("report", "--timeframe", "7d", "-f", "html", "-o", str(html)).exit_code == 0
    page = html.read_text()
    assert '<th class="text person" scope="col">by</th>' in page
    assert '<td class="text person">carol / svc</td>' in page
    assert '<td class="text person">carol</td>' in page


def test_by_is_left_out_rather_than_pushing_figures_into_another_table(
    cli: Any, store: Any
) -> None:
    ids = seeded(store)
    store.db.execute("update drafts set approved_by = ? where id = ?",
                     ["marketing-operations-approver@example.org", ids[0]])  # fmt: skip
    store.db.conn.commit()
    out = cli("report", "--timeframe", "7d", env={"COLUMNS": "120"}).stdout
    posts = out[out.index("Posts") :]
    head = next(line for line in posts.splitlines() if "published" in line)
    assert "by" not in [c.strip() for c in head.split("┃")[1:-1]]
    assert "Posts (continued)" not in out and "cost" in head
    csv_out = cli("report", "--format", "csv", "--timeframe", "7d").stdout
    assert "marketing-operations-approver@example.org" in csv_out  # still in the full exports


def test_the_html_report_names_a_person_by_the_start_of_their_email(
    cli: Any, store: Any, tmp_path: Path
) -> None:
    # Team identities are often emails (MKTD_USER): the full one would widen every posts table
    # past a 1280-pixel window (tests/cli/test_tables_fit.py), shredded into a column of letters.
    ids = seeded(store)
    store.db.execute("update drafts set approved_by = ?, published_by = ? where id = ?",
                     ["carol@example.com", "svc@example.com", ids[0]])  # fmt: skip
    store.db.conn.commit()
    html = tmp_path / "r.html"
    assert cli("report", "--timeframe", "7d", "-f", "html", "-o", str(html)).exit_code == 0
    page = html.read_text()
    # The name shows; the whole identities are the cell's title (and in the CSV and JSON).
    assert (
        '<td class="text person" title="carol@example.com / svc@example.com">carol / svc</td>'
        in page
    )
    assert '<td class="text person">carol / svc</td>' in page  # no title when nothing is cut


def test_the_table_names_a_person_by_the_start_of_their_email(cli: Any, store: Any) -> None:
    ids = seeded(store)
    store.db.execute("update drafts set approved_by = ? where id = ?",
                     ["carol@example.com", ids[0]])  # fmt: skip
    store.db.conn.commit()
    out = cli("report", "--timeframe", "7d", env={"COLUMNS": "80"}).stdout
    posts = out[out.index("Posts") :].split("Posts (continued)")[0]
    by = [line.split("│")[5].strip() for line in posts.splitlines() if line.startswith("│")]
    assert by == ["–", "carol", "carol"], out  # one line per post: no email wrapped in its cell
    assert "example.com" not in out
