"""Reading contact CSV files: a header row with an `email` column, then one contact per row.

Bad rows never stop a file: a row with a malformed email, the wrong number of columns, or
bytes that are not UTF-8 is reported with its line number and skipped, and the good rows are
kept. Each line is decoded on its own, so one stray Latin-1 byte costs one row, not the file.
Column names become HubSpot property names: lowercased as they are (`firstname`, `company`,
a custom `favorite_color`), with a few common spellings mapped (`First Name` → `firstname`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mktdirector.core import inputs
from mktdirector.core.errors import UsageError

# Loose on purpose: HubSpot validates the rest and its refusals are reported per row too.
EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
)
ALIASES = {
    "e-mail": "email", "email address": "email", "e-mail address": "email",
    "first name": "firstname", "first_name": "firstname", "given name": "firstname",
    "last name": "lastname", "last_name": "lastname", "surname": "lastname",
    "family name": "lastname", "company name": "company", "job title": "jobtitle",
    "job_title": "jobtitle", "phone number": "phone", "website url": "website",
}  # fmt: skip


@dataclass(frozen=True)
class BadRow:
    """A row that was not imported. `row` is its position among the data rows (from 1)."""

    line: int
    row: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CsvContact:
    line: int  # where the row starts in the file (from 1; the header is line 1 usually)
    row: int  # position among the data rows (from 1): what `--skip N` counts
    properties: dict[str, str]


@dataclass(frozen=True)
class DuplicateEmail:
    """An email on more than one row: the CRM keeps one contact, later rows' values winning."""

    email: str
    lines: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"email": self.email, "lines": list(self.lines)}


def duplicate_emails(contacts: list[CsvContact], key: str = "email") -> list[DuplicateEmail]:
    """Emails (already lowercased) found on several rows, with every line, in file order."""
    lines: dict[str, list[int]] = {}
    for c in contacts:
        lines.setdefault(c.properties.get(key, ""), []).append(c.line)
    return [DuplicateEmail(e, tuple(n)) for e, n in lines.items() if e and len(n) > 1]


@dataclass
class ContactsFile:
    columns: list[str]  # HubSpot property names, in file order
    contacts: list[CsvContact] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    rows: int = 0  # data rows seen (good and bad)

    @property
    def encoding_errors(self) -> int:
        return sum(1 for b in self.bad if b.reason.startswith("not UTF-8"))


def is_email(value: str) -> bool:
    return bool(EMAIL.fullmatch(value)) and ".." not in value


def property_name(column: str) -> str:
    name = " ".join(column.strip().lower().split())
    return ALIASES.get(name, name)


def read_contacts_csv(path: str | Path, *, required: str = "email") -> ContactsFile:
    """Parse a contacts CSV; raises UsageError only for problems with the file as a whole.

    The file is streamed line by line and capped (`core.inputs.CSV_FILE_MAX`, one line at most
    `CSV_LINE_MAX`): `/dev/zero` or a runaway export is refused, never read whole.
    """
    p = Path(path).expanduser()
    # readline splits at \n only; old Mac files end lines with a lone \r, as splitlines knows
    lines = (part for line in inputs.iter_lines(p) for part in line.splitlines(keepends=True))
    return _parse(lines, name=str(p), required=required)


def parse_contacts_csv(
    data: bytes, *, name: str = "the file", required: str = "email"
) -> ContactsFile:
    """Parse CSV bytes (see `read_contacts_csv`)."""
    return _parse(data.splitlines(keepends=True), name=name, required=required)


def _parse(lines: Iterable[bytes], *, name: str, required: str) -> ContactsFile:
    reader_state = _Lines(lines)
    first = _first_text_line(reader_state, name)
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(reader_state.iterate(first), delimiter=delimiter)
    header = next(reader, None) or []
    columns = [property_name(c) for c in header]
    _check_header(columns, name, required)
    out = ContactsFile(columns)
    while True:
        start = len(reader_state.given)
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:  # e.g. a NUL byte, or a quote never closed before the end
            line = (
                reader_state.given[start] if start < len(reader_state.given) else reader_state.last
            )
            out.rows += 1
            out.bad.append(BadRow(line, out.rows, f"unreadable CSV ({e})"))
            continue
        for n, reason in reader_state.take_bad():
            out.rows += 1
            out.bad.append(BadRow(n, out.rows, reason))
        if not record or all(not v.strip() for v in record):
            continue  # blank lines are not rows
        out.rows += 1
        line = reader_state.given[start] if start < len(reader_state.given) else reader_state.last
        _add_row(out, record, line, required)
    for n, reason in reader_state.take_bad():
        out.rows += 1
        out.bad.append(BadRow(n, out.rows, reason))
    return out


def _add_row(out: ContactsFile, record: list[str], line: int, required: str) -> None:
    if len(record) != len(out.columns):
        out.bad.append(
            BadRow(line, out.rows, f"{len(record)} columns where the header has {len(out.columns)}")
        )
        return
    props = {c: v.strip() for c, v in zip(out.columns, record, strict=True) if v.strip()}
    value = props.get(required, "")
    if not value:
        out.bad.append(BadRow(line, out.rows, f"no {required}"))
        return
    if not is_email(value):
        out.bad.append(BadRow(line, out.rows, f"bad email {value[:80]!r}"))
        return
    props[required] = value.lower() if required == "email" else value
    out.contacts.append(CsvContact(line, out.rows, props))


def _check_header(columns: list[str], name: str, required: str) -> None:
    if required not in columns:
        raise UsageError(
            f"{name} has no {required!r} column in its header row (found: "
            f"{', '.join(c or '(empty)' for c in columns[:8]) or 'nothing'}).",
            hint=f"The first line must name the columns, e.g. {required},firstname,lastname,company",
        )
    if "" in columns:
        raise UsageError(f"{name} has a column without a name in its header row.",
                         hint="Name every column or delete the empty ones")  # fmt: skip
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise UsageError(f"{name} names the column(s) {', '.join(dupes)} twice.",
                         hint="Keep one column per HubSpot property")  # fmt: skip


def _first_text_line(lines: _Lines, name: str) -> str:
    for n, raw in lines.raw:
        text = lines.decode(n, raw)
        if text is None:
            raise UsageError(
                f"The header row (line {n}) of {name} is not UTF-8 text.",
                hint="Save the file as UTF-8 (Excel: CSV UTF-8)",
            )
        if text.strip():
            return text
    raise UsageError(f"{name} is empty.", hint="The first line must name the columns (email,...)")


class _Lines:
    """Physical lines decoded one by one; the csv reader pulls them, we note which it got."""

    def __init__(self, raw: Iterable[bytes]) -> None:
        self.raw: Iterator[tuple[int, bytes]] = iter(enumerate(raw, 1))
        self.given: list[int] = []  # line numbers handed to the csv reader, in order
        self.last = 0
        self._bad: list[tuple[int, str]] = []

    def decode(self, n: int, raw: bytes) -> str | None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self._bad.append((n, f"not UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})"))
            return None
        return text.lstrip("\ufeff") if n == 1 else text

    def iterate(self, first: str) -> Iterator[str]:
        # The header line was read already: hand it over first, then the rest.
        self._bad.clear()
        yield first
        for n, raw in self.raw:
            text = self.decode(n, raw)
            if text is not None:
                self.given.append(n)
                self.last = n
                yield text

    def take_bad(self) -> list[tuple[int, str]]:
        bad, self._bad = self._bad, []
        return bad
