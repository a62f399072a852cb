"""The sliver of SOQL mktd sends, parsed and run over the sandbox's records.

`SELECT f1, f2 FROM Object [WHERE cond AND cond ...] [ORDER BY f [, f]] [LIMIT n]` with
conditions `field = 'x'`, `!=`, `<`, `<=`, `>`, `>=` (strings, true/false, dateTime literals),
and `field IN ('a', 'b')`. Anything else is MALFORMED_QUERY; an unknown field INVALID_FIELD,
with Salesforce's messages (errorcodes page, reference card 4.6).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<obj>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.I | re.S,
)
_STR = r"'(?:[^'\\]|\\.)*'"
_COND = re.compile(
    rf"\s*(?P<field>\w+)\s*(?P<op>!=|>=|<=|=|>|<|\bIN\b)\s*"
    rf"(?P<value>{_STR}|\((?:\s*{_STR}\s*,?)*\)|[\w:.+\-]+)\s*",
    re.I,
)
_AND = re.compile(r"AND\b", re.I)


class SoqlError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Query:
    obj: str
    fields: list[str]
    conditions: list[tuple[str, str, Any]]
    order: list[str]
    limit: int | None


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m[1], m[1]), body)


def _value(text: str) -> Any:
    if text.startswith("("):
        return [_unquote(m) for m in re.findall(_STR, text)]
    if text.startswith("'"):
        return _unquote(text)
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    return text  # dateTime literal or number: compared as text (ISO sorts as time)


def parse(soql: str, known: Callable[[str], set[str] | None]) -> Query:
    m = _QUERY.match(soql)
    if m is None:
        raise SoqlError(
            "MALFORMED_QUERY", f"unexpected token: '{soql.split()[0] if soql.split() else ''}'"
        )
    obj = m["obj"]
    names = known(obj)
    if names is None:
        raise SoqlError(
            "INVALID_TYPE",
            f"sObject type '{obj}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name.",
        )
    fields = [f.strip() for f in m["fields"].split(",")]
    conditions: list[tuple[str, str, Any]] = []
    where = m["where"] or ""
    pos = 0
    while pos < len(where):
        c = _COND.match(where, pos)
        if c is None:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{where[pos:].split()[0]}'")
        conditions.append((c["field"], c["op"].upper(), _value(c["value"])))
        pos = c.end()
        a = _AND.match(where, pos)
        if a is not None:
            pos = a.end()
        elif pos < len(where):
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{where[pos:].split()[0]}'")
    order = [o.strip().split()[0] for o in (m["order"] or "").split(",") if o.strip()]
    for f in [*fields, *(c[0] for c in conditions), *order]:
        if f not in names:
            raise SoqlError(
                "INVALID_FIELD",
                f"\n{', '.join(fields)}\n       ^\nERROR at Row:1:Column:8\nNo such column "
                f"'{f}' on entity '{obj}'. If you are attempting to use a custom field, be sure "
                "to append the '__c' after the custom field name.",
            )
    return Query(obj, fields, conditions, order, int(m["limit"]) if m["limit"] else None)


def _match(rec: dict[str, Any], field: str, op: str, value: Any) -> bool:
    have = rec.get(field)
    if op == "IN":
        return isinstance(have, str) and have.lower() in {str(v).lower() for v in value}
    if isinstance(value, str) and isinstance(have, str) and op in ("=", "!="):
        have, value = have.lower(), value.lower()  # SOQL compares text case-insensitively
    if op == "=":
        return bool(have == value)
    if op == "!=":
        return bool(have != value)
    if have is None:
        return False
    a, b = _comparable(have), _comparable(value)
    return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]


def _comparable(v: Any) -> str:
    # Salesforce dateTimes come back as 2026-09-03T09:00:00.000+0000; literals as ...Z.
    return str(v).replace(".000+0000", "Z").replace("+0000", "Z")[:20]


def _sort_key(name: str, rec: dict[str, Any]) -> tuple[bool, str]:
    return rec.get(name) is None, str(rec.get(name) or "")


def run(q: Query, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [r for r in records if all(_match(r, *c) for c in q.conditions)]
    for name in reversed(q.order):
        found.sort(key=functools.partial(_sort_key, name))
    if q.limit is not None:
        found = found[: q.limit]
    return found
