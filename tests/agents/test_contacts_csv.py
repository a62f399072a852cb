"""Contact CSV parsing: bad rows reported by line number and skipped, good rows kept."""

from __future__ import annotations

import pytest

from mktdirector.agents.crm.contacts_csv import parse_contacts_csv, property_name
from mktdirector.core.errors import UsageError

MESSY = (
    b"\xef\xbb\xbfEmail,First Name,Company\r\n"  # BOM, CRLF, a header alias
    b"ada@example.org,Ada,Analytical\r\n"  # 2: good
    b"not-an-email,Bob,Nowhere\r\n"  # 3: bad email
    b"carol@example.org,Carol\r\n"  # 4: too few columns
    b"dan@example.org,D\xe9nis,Caf\xe9\r\n"  # 5: Latin-1 bytes
    b"\r\n"  # 6: blank, not a row
    b'"eve@example.org","Eve, the second","Multi\r\nLine Co"\r\n'  # 7-8: quoted newline
    b"frank@example.org,Frank,F,extra\r\n"  # 9: too many columns
    b"GRACE@Example.ORG,,\r\n"  # 10: good, empty values dropped, email lowercased
    b",NoMail,X\r\n"  # 11: no email
)


def test_bad_rows_have_line_numbers_and_good_rows_are_kept() -> None:
    parsed = parse_contacts_csv(MESSY)
    assert parsed.columns == ["email", "firstname", "company"]
    good = {c.properties["email"]: c for c in parsed.contacts}
    assert list(good) == ["ada@example.org", "eve@example.org", "grace@example.org"]
    assert good["ada@example.org"].line == 2
    assert good["eve@example.org"].line == 7
    assert good["eve@example.org"].properties["company"] == "Multi\r\nLine Co"
    assert good["grace@example.org"].properties == {"email": "grace@example.org"}
    bad = {b.line: b.reason for b in parsed.bad}
    assert set(bad) == {3, 4, 5, 9, 11}
    assert bad[3].startswith("bad email")
    assert "2 columns where the header has 3" in bad[4]
    assert bad[5].startswith("not UTF-8") and "0xe9" in bad[5]
    assert "4 columns" in bad[9]
    assert bad[11] == "no email"
    assert parsed.rows == 8 and parsed.encoding_errors == 1
    # Row numbers count data rows in file order: what --skip counts.
    assert [b.row for b in sorted(parsed.bad, key=lambda b: b.line)] == [2, 3, 4, 6, 8]


def test_semicolon_files_and_property_names() -> None:
    parsed = parse_contacts_csv(b"email;lastname;favorite_color\na@b.io;Lovelace;blue\n")
    assert parsed.contacts[0].properties == {
        "email": "a@b.io",
        "lastname": "Lovelace",
        "favorite_color": "blue",
    }
    assert property_name(" Job  Title ") == "jobtitle"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "is empty"),
        (b"name,company\nAda,X\n", "no 'email' column"),
        (b"email,,x\n", "without a name"),
        (b"email,Email\n", "twice"),
        (b"\xffemail\n", "not UTF-8"),
    ],
)
def test_whole_file_problems_are_one_usage_error(data: bytes, fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        parse_contacts_csv(data)
