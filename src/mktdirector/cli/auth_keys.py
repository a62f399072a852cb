"""The API-key half of `mktd authorize` (HubSpot, SendGrid, Google Analytics 4).

`cli/auth.py` owns the `authorize` command and calls `authorize_key_command` for platforms
that do not use OAuth. The secret is read with hidden input, from stdin (`--from-stdin`), or
from a file (`--credentials FILE`, the GA4 service-account JSON); it is never echoed.
"""

import sys
from typing import Any

import typer

from mktdirector.core.platforms import PLATFORMS

# Platforms connected by a pasted key or a key file rather than an OAuth consent.
API_KEY_PLATFORMS = tuple(
    pid
    for pid, spec in PLATFORMS.items()
    if spec.auth_kind in ("api_key", "service_account") and spec.client
)


def authorize_key_command(
    platform: str,
    from_stdin: bool = False,
    credentials_file: str | None = None,
    property_id: str | None = None,
    json_out: bool = False,
    account: str | None = None,
) -> None:
    """Validate a HubSpot/SendGrid API key or a GA4 service-account key, then save it."""
    from mktdirector.agents.auth import keys as agent
    from mktdirector.cli import _deps
    from mktdirector.core.platforms import resolve_platform

    pid = resolve_platform(platform)
    deps = _deps.current()
    common: dict[str, Any] = dict(
        credentials=deps.credentials, config=deps.config.get, http_factory=deps.http,
        events=deps.store.record_auth_event, account=account,
    )  # fmt: skip
    if PLATFORMS[pid].auth_kind == "service_account":
        source = _service_account_source(from_stdin, credentials_file)
        result = agent.authorize_service_account(source, property_id=property_id, **common)
    else:
        _refuse_file_for(pid, credentials_file, property_id)
        result = agent.authorize_api_key(pid, _read_secret(pid, from_stdin), **common)
    _render(result, json_out)


def _read_secret(pid: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().strip()
    spec = PLATFORMS[pid]
    return str(typer.prompt(f"{spec.label} {spec.key_noun}", hide_input=True, err=True)).strip()


def _service_account_source(from_stdin: bool, path: str | None) -> str:
    if path:
        return path
    if from_stdin:
        from mktdirector.core import inputs
        from mktdirector.core.errors import UsageError

        text = sys.stdin.read(inputs.TEXT_FILE_MAX + 1)  # the JSON key itself: a few KB
        if len(text) > inputs.TEXT_FILE_MAX:
            raise UsageError("stdin is larger than 1 MiB: not a key.", hint="Pipe the JSON key")
        return text
    return str(typer.prompt("Path to the service-account JSON key", err=True))


def _refuse_file_for(pid: str, credentials_file: str | None, property_id: str | None) -> None:
    from mktdirector.core.errors import UsageError

    if credentials_file or property_id:
        flag = "--credentials" if credentials_file else "--property-id"
        raise UsageError(
            f"{flag} is for {_service_account_platforms()}; {pid} takes an API key.",
            hint=f"mktd authorize {pid}   (or: ... | mktd authorize {pid} --from-stdin)",
        )


def _service_account_platforms() -> str:
    return ", ".join(p for p in API_KEY_PLATFORMS if PLATFORMS[p].auth_kind == "service_account")


def _render(result: Any, json_out: bool) -> None:
    from mktdirector.cli import _output

    if json_out:
        _output.emit_json(result)
        return
    _output.success(
        f"Validated and saved the {result.platform} key ({result.detail}); "
        f"account {result.account}, {result.store} store."
    )
    for warning in result.warnings:
        _output.warn(f"Note: {warning}.")
    if result.quota and result.quota.get("tokens_per_day"):
        day = result.quota["tokens_per_day"]
        _output.info(f"GA4 tokens left today: {day['remaining']:,} ({day['consumed']:,} used).")
