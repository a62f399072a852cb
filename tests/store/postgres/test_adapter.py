"""The store's SQL as PostgreSQL receives it (no server needed)."""

from __future__ import annotations

import pytest

from mktdirector.store.postgres.adapter import NumberLoader, params_of, translate


@pytest.mark.parametrize(
    ("sql", "sent"),
    [
        ("select * from t where a = ? and b like ?", "select * from t where a = %s and b like %s"),
        ("where p = :platform and d >= :daily_since", "where p = %(platform)s and d >= %(daily_since)s"),
        ("select x::text, '10:30' from t where a = ?", "select x::text, '10:30' from t where a = %s"),
        ("select '100%' where a = ?", "select '100%%' where a = %s"),
        ("drop table if exists temp.report_posts", "drop table if exists pg_temp.report_posts"),
        ("order by time_utc, rowid", "order by time_utc, ctid"),
    ],
)  # fmt: skip
def test_placeholders_and_sqlite_names_are_translated(sql: str, sent: str) -> None:
    assert translate(sql) == sent


def test_without_parameters_a_percent_stays_literal() -> None:
    assert translate("select 'a%b'", with_params=False) == "select 'a%b'"


def test_values_are_stored_as_sqlite_utils_stores_them() -> None:
    assert params_of([True, False, {"a": 1}, [1], b"x", None]) == [
        1,
        0,
        '{"a": 1}',
        "[1]",
        b"x",
        None,
    ]
    assert params_of({"k": True}) == {"k": 1}


@pytest.mark.parametrize(
    ("raw", "value"), [(b"42", 42), (b"-7", -7), (b"2.50", 2.5), (b"NaN", None)]
)
def test_sums_come_back_as_int_or_float_never_decimal(raw: bytes, value: float | None) -> None:
    got = NumberLoader(0).load(raw)
    if value is None:
        assert got != got  # NaN
    else:
        assert got == value and type(got) is type(value)


def test_names_are_placeholders_only_when_parameters_are_named() -> None:
    assert translate("select 'a:b' where x = ?", named=False) == "select 'a:b' where x = %s"
