"""Issue 11 rough edge: duplicate emails in an import CSV are merged, and now said so."""

from __future__ import annotations

import json

import respx
from test_crm_cli import HS, TOKEN, Upserts, hubspot_env, write_csv  # noqa: F401 (autouse)

from mktdirector.agents.crm.contacts_csv import duplicate_emails, parse_contacts_csv

DATA = (
    b"email,firstname\n"
    b"ann@example.org,Ann\n"  # line 2
    b"bob@example.org,Bob\n"  # line 3
    b"ANN@example.org,Annie\n"  # line 4: the same email, another case
    b"cat@example.org,Cat\n"  # line 5
    b"ann@example.org,Anne\n"  # line 6
    b"bob@example.org,Robert\n"  # line 7
)


def test_duplicates_are_found_with_every_line():
    found = duplicate_emails(parse_contacts_csv(DATA).contacts)
    assert [(d.email, d.lines) for d in found] == [
        ("ann@example.org", (2, 4, 6)),
        ("bob@example.org", (3, 7)),
    ]


def test_import_says_how_many_rows_were_merged_and_which_lines(cli, tmp_path):
    path = write_csv(tmp_path, DATA)
    with respx.mock(assert_all_called=False) as router:
        upserts = Upserts(router)
        r = cli("crm", "contacts", "import", path)
    assert r.exit_code == 0, r.stderr
    assert sorted(upserts.emails) == ["ann@example.org", "bob@example.org", "cat@example.org"]
    err = " ".join(r.stderr.split())
    assert "3 row(s) repeat an email" in err and "2 contact(s)" in err
    assert "ann@example.org: lines 2, 4, 6" in err and "bob@example.org: lines 3, 7" in err
    assert TOKEN not in r.stdout + r.stderr


def test_import_json_lists_the_duplicates(cli, tmp_path):
    path = write_csv(tmp_path, DATA)
    with respx.mock(assert_all_called=False) as router:
        Upserts(router)
        r = cli("crm", "contacts", "import", path, "--json")
    out = json.loads(r.stdout)
    assert out["merged_rows"] == 3
    assert out["duplicates"][0] == {"email": "ann@example.org", "lines": [2, 4, 6]}
    assert HS not in json.dumps(out["duplicates"])
