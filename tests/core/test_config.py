"""Configuration keys, precedence, config.toml, .env, paths and platform ids."""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from mktdirector.core import paths
from mktdirector.core.config import Config, find_key
from mktdirector.core.config_toml import dump_toml
from mktdirector.core.errors import ConfigError, UsageError
from mktdirector.core.platforms import env_prefix, resolve_platform, url_override


@pytest.fixture
def config(home: Path) -> Config:
    return Config(paths.config_path(home))


def test_home_from_env_and_default(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.home() == home
    assert paths.db_path() == home / "mktd.db"
    assert paths.log_path() == home / "logs" / "mktd.log"
    monkeypatch.delenv("MKTD_HOME")
    from platformdirs import user_data_dir

    assert paths.home() == Path(user_data_dir("mktd", appauthor=False))


@pytest.mark.parametrize(
    ("key", "pattern"),
    [
        ("llm.model", "llm.model"),
        ("http.max_wait", "http.max_wait"),
        ("linkedin.base_url", "*.base_url"),
        ("google-analytics.token_url", "*.token_url"),
        ("twitter.account", "*.account"),
    ],
)
def test_find_key(key: str, pattern: str) -> None:
    assert find_key(key).pattern == pattern


@pytest.mark.parametrize("key", ["llm.modle", "nosuch", "myspace.base_url", "linkedin.colour"])
def test_unknown_keys_are_refused_with_a_hint(key: str) -> None:
    with pytest.raises(UsageError) as info:
        find_key(key)
    assert info.value.hint == "mktd config show --all lists every key"
    assert int(info.value.exit_code) == 2


def test_precedence_flag_env_config_default(config: Config, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert config.get_with_source("llm.model") == ("gpt-5-mini", "default")
    config.set("llm.model", "from-config")
    assert config.get_with_source("llm.model") == ("from-config", "config")
    monkeypatch.setenv("MKTD_MODEL", "from-env")
    assert Config(config.path).get_with_source("llm.model") == ("from-env", "env:MKTD_MODEL")
    flagged = Config(config.path, overrides={"llm.model": "from-flag"})
    assert flagged.get_with_source("llm.model") == ("from-flag", "flag")
    # a blank environment variable does not count
    monkeypatch.setenv("MKTD_MODEL", "  ")
    assert Config(config.path).get("llm.model") == "from-config"


def test_platform_url_overrides_from_env(config: Config, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert env_prefix("google-analytics") == "MKTD_GOOGLE_ANALYTICS"
    monkeypatch.setenv("MKTD_GOOGLE_ANALYTICS_BASE_URL", "http://127.0.0.1:9999/")
    assert config.get_with_source("google-analytics.base_url") == (
        "http://127.0.0.1:9999",
        "env:MKTD_GOOGLE_ANALYTICS_BASE_URL",
    )
    assert url_override("google-analytics", "base") == "http://127.0.0.1:9999"
    monkeypatch.setenv("MKTD_LINKEDIN_TOKEN_URL", "http://auth.test/token")
    assert url_override("linkedin", "token") == "http://auth.test/token"
    assert url_override("linkedin", "auth") is None


def test_set_validates_and_writes_a_private_toml_file(config: Config, home: Path) -> None:
    assert config.set("http.timeout", "12.5") == 12.5
    assert config.set("google-analytics.base_url", "https://ga.test/") == "https://ga.test"
    assert config.set("llm.model", 'say "hi" \\ now') == 'say "hi" \\ now'
    assert stat.S_IMODE(config.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    data = tomllib.loads(config.path.read_text())
    assert data == {
        "http": {"timeout": 12.5},
        "google-analytics": {"base_url": "https://ga.test"},
        "llm": {"model": 'say "hi" \\ now'},
    }
    fresh = Config(config.path)
    assert fresh.get("http.timeout") == 12.5
    assert fresh.get("google-analytics.base_url") == "https://ga.test"
    assert [p.name for p in home.iterdir()] == ["config.toml"]  # no temp files left


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("http.timeout", "0"),
        ("http.timeout", "fast"),
        ("http.max_retries", "-1"),
        ("linkedin.version", "2026-10"),
        ("linkedin.version", "202613"),
        ("linkedin.base_url", "ftp://x"),
    ],
)
def test_set_refuses_invalid_values(config: Config, key: str, value: str) -> None:
    with pytest.raises(UsageError) as info:
        config.set(key, value)
    assert key in info.value.message
    assert not config.path.exists()


def test_invalid_value_in_file_or_env_is_a_config_error(config: Config, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    paths.write_private(config.path, '[http]\ntimeout = "soon"\n')
    with pytest.raises(ConfigError) as info:
        Config(config.path).get("http.timeout")
    assert str(config.path) in info.value.message
    assert info.value.hint == "mktd config set http.timeout VALUE"
    monkeypatch.setenv("MKTD_MAX_WAIT", "-3")
    with pytest.raises(ConfigError) as info:
        Config(config.path).get("http.max_wait")
    assert "MKTD_MAX_WAIT" in info.value.message


def test_corrupt_toml_is_one_clear_error(config: Config) -> None:
    paths.write_private(config.path, "[llm\nmodel = 1\n")
    with pytest.raises(ConfigError) as info:
        config.get("llm.model")
    assert "is not valid TOML" in info.value.message
    assert "\n" not in info.value.message
    assert str(config.path) in (info.value.hint or "")


def test_unset_and_rows(config: Config, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    config.set("llm.model", "m1")
    config.set("twitter.account", "brand")
    monkeypatch.setenv("MKTD_MAX_WAIT", "5")
    rows = {r["key"]: (r["value"], r["source"]) for r in config.rows()}
    assert rows["llm.model"] == ("m1", "config")
    assert rows["twitter.account"] == ("brand", "config")
    assert rows["http.max_wait"] == (5.0, "env:MKTD_MAX_WAIT")
    assert rows["http.timeout"] == (30.0, "default")
    assert "llm.base_url" not in rows  # unset None defaults are hidden...
    assert {r["key"] for r in config.rows(include_defaults=True)} >= {
        "llm.base_url"
    }  # ...unless asked
    assert config.unset("twitter.account") is True
    assert config.unset("twitter.account") is False
    assert "twitter" not in tomllib.loads(config.path.read_text())


def test_rows_show_unknown_keys_in_the_file(config: Config) -> None:
    paths.write_private(config.path, '[llm]\nmodle = "typo"\n')
    rows = {r["key"]: r for r in Config(config.path).rows()}
    assert rows["llm.modle"]["source"] == "config (unknown key)"


def test_dump_toml_round_trips_every_type() -> None:
    flat = {
        "a.s": 'q"uote\\back\nline',
        "a.b": True,
        "a.i": 3,
        "a.f": 1.5,
        "a.l": ["x", 1],
        "google-analytics.base_url": "https://x",
    }
    assert tomllib.loads(dump_toml(flat)) == {
        "a": {"s": 'q"uote\\back\nline', "b": True, "i": 3, "f": 1.5, "l": ["x", 1]},
        "google-analytics": {"base_url": "https://x"},
    }


def test_ensure_dir_and_write_private_explain_failures(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ConfigError) as info:
        paths.ensure_dir(blocker / "home")
    assert "MKTD_HOME" in (info.value.hint or "")
    with pytest.raises(ConfigError):
        paths.write_private(blocker / "home" / "config.toml", "x")
    d = paths.ensure_dir(tmp_path / "loose")
    d.chmod(0o755)
    paths.ensure_dir(d)
    assert stat.S_IMODE(d.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("name", "pid"),
    [
        ("x", "twitter"),
        ("X", "twitter"),
        ("ga", "google-analytics"),
        (" LinkedIn ", "linkedin"),
        ("google_analytics", "google-analytics"),
        ("hubspot", "hubspot"),
    ],
)
def test_platform_aliases(name: str, pid: str) -> None:
    assert resolve_platform(name) == pid


def test_unknown_platform_lists_the_known_ones() -> None:
    with pytest.raises(UsageError) as info:
        resolve_platform("myspace")
    assert "linkedin" in (info.value.hint or "") and "twitter" in (info.value.hint or "")


def test_dotenv_in_working_directory_is_read_and_real_env_wins(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mktdirector.cli import _deps

    Path(".env").write_text("HUBSPOT_API_KEY=from-dotenv\nMKTD_MODEL=dotenv-model\n")
    monkeypatch.setenv("MKTD_MODEL", "real-env-model")
    monkeypatch.setattr(sys.modules[_deps.load_dotenv_once.__module__], "_dotenv_loaded", False)
    try:
        deps = _deps.Deps()
        assert os.environ["HUBSPOT_API_KEY"] == "from-dotenv"
        assert deps.config.get("llm.model") == "real-env-model"
    finally:
        os.environ.pop("HUBSPOT_API_KEY", None)
