"""`mktd crm contacts import|get`, `mktd crm sync`, `mktd crm attribution` (HubSpot).

Each command that talks to a CRM takes `--platform` (default: config `crm.platform`).
"""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mktdirector.cli._options import JsonOpt

if TYPE_CHECKING:
    from mktdirector.integrations.capabilities import CrmClient
    from mktdirector.wiring import Deps

app = typer.Typer(help="HubSpot contacts, and which posts brought them.", no_args_is_help=True)
contacts_app = typer.Typer(help="Import and look up HubSpot contacts.", no_args_is_help=True)
app.add_typer(contacts_app, name="contacts")

SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="Contacts created since YYYY-MM-DD (or 30d, 4w)."),
]
PlatformOpt = Annotated[
    str | None,
    typer.Option("--platform", help="CRM platform, e.g. hubspot (default: config crm.platform)."),
]
MAX_BAD_SHOWN = 20


@contacts_app.command("import")
def import_contacts(
    file: Annotated[str, typer.Argument(help="CSV with a header row and an email column.")],
    skip: Annotated[
        int, typer.Option("--skip", min=0, help="Skip the first N data rows (to resume).")
    ] = 0,
    platform: PlatformOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Upsert contacts from a CSV by email; bad rows are reported by line and skipped.

    Exit 0: every row imported; 1: some rows bad (the good ones imported); 5: stopped by a
    HubSpot rate limit (the message says how to resume).
    """
    from mktdirector.agents.crm.workflows import import_contacts as run
    from mktdirector.cli import _deps, _output

    client = crm_client(_deps.current(), platform)
    client.require_connection()
    with _output.progress("Importing contacts") as tick:
        result = run(client, file, skip=skip, progress=tick)
    _render_import(result, json_out)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@contacts_app.command("get")
def get_contact(
    email: Annotated[str, typer.Argument(help="The contact's email address.")],
    platform: PlatformOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a HubSpot contact, where it came from, and the mktd post behind it if any."""
    from mktdirector.agents.crm.workflows import get_contact as run
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    data = run(deps.store, crm_client(deps, platform), email)
    if json_out:
        _output.emit_json(data)
        return
    a, p, d = data["attribution"], data["properties"], data["draft"] or {}
    name = " ".join(filter(None, [p.get("firstname"), p.get("lastname")])) or None
    _output.key_values([
        ("id", data["id"]), ("email", p.get("email")), ("name", name), ("company", p.get("company")),
        ("created", p.get("createdate")), ("original source", _source(a)),
        ("latest source", a.get("latest_source")), ("campaign", a.get("campaign")),
        ("utm_content", a.get("draft_id")), ("mktd draft", d.get("id")),
        ("post", ", ".join(d.get("urls") or []) or None),
    ])  # fmt: skip


@app.command("sync")
def sync(since: SinceOpt = None, platform: PlatformOpt = None, json_out: JsonOpt = False) -> None:
    """Pull contacts with their attribution into the local database (for `crm attribution`)."""
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    result = _sync(deps, crm_client(deps, platform), since)
    if json_out:
        _output.emit_json(result)
        return
    _output.success(
        f"Synced {result.contacts:,} contact(s); {result.linked:,} came from a mktd post."
    )
    if result.note:
        _output.warn(result.note)


@app.command("attribution")
def attribution(
    since: SinceOpt = None,
    sync_first: Annotated[
        bool, typer.Option("--sync", help="Sync contacts from the CRM first.")
    ] = False,
    platform: PlatformOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Contacts grouped by source / campaign / utm_content, with the draft and post behind them."""
    from mktdirector.agents.crm.workflows import attribution as run
    from mktdirector.agents.periods import parse_since
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    if sync_first:
        client = crm_client(deps, platform)
        synced = _sync(deps, client, since).contacts
        _output.info(f"Synced {synced:,} contact(s) from {client.label}.")
    rows = (
        run(deps.store, since=parse_since(since, default_days=None)) if deps.store.exists() else []
    )
    if json_out:
        _output.emit_json(rows)
        return
    if not rows:
        _output.info("No contacts synced yet: mktd crm sync (or add --sync).")
        return
    for r in rows:
        r["post"] = _first_url(r["post_urls"])
        r["draft"] = _short(r["draft_id"]) or r["utm_content"]
    cols = ["contacts", "source", "campaign", "draft", "post"]
    _output.table(rows, cols, title="Contacts by source")


# helpers ---------------------------------------------------------------------------------------
def crm_client(deps: "Deps", platform: str | None) -> "CrmClient":
    """The CRM client for `--platform`, else config `crm.platform`; exit 2 for a non-CRM."""
    from mktdirector.core.platforms import Capability, resolve_capable
    from mktdirector.integrations.capabilities import as_crm_client

    pid = resolve_capable(platform or deps.config.get("crm.platform"), Capability.CRM)
    return as_crm_client(deps.integration(pid))


def _sync(deps: "Deps", client: "CrmClient", since: str | None) -> Any:
    from mktdirector.agents.crm.workflows import sync_contacts
    from mktdirector.agents.periods import parse_since
    from mktdirector.cli import _output

    client.require_connection()
    with _output.progress("Syncing contacts") as tick:
        return sync_contacts(deps.store, client, since=parse_since(since, default_days=None),
                             progress=tick)  # fmt: skip


def _render_import(result: Any, json_out: bool) -> None:
    from mktdirector.cli import _output

    if json_out:
        _output.emit_json(result)
        return
    bad = sorted(result.bad, key=lambda b: b.line)
    for b in bad[:MAX_BAD_SHOWN]:
        _output.warn(f"line {b.line}: {b.reason}")
    if len(bad) > MAX_BAD_SHOWN:
        _output.warn(f"... and {len(bad) - MAX_BAD_SHOWN} more bad rows (--json lists them all).")
    skipped = f", {result.skipped:,} skipped with --skip" if result.skipped else ""
    summary = (f"Imported {result.imported:,} contact(s) ({result.created:,} new, "
               f"{result.updated:,} updated) in {result.requests:,} request(s); "
               f"{len(bad):,} bad row(s){skipped}.")  # fmt: skip
    (_output.warn if bad else _output.success)(summary)
    if result.hint:
        _output.info(result.hint)
    if result.stopped:
        _output.error(result.stopped)


def _source(a: dict[str, Any]) -> str | None:
    drill = [a.get("original_source_data_1"), a.get("original_source_data_2")]
    extra = " / ".join(filter(None, drill))
    return f"{a.get('original_source')} ({extra})" if extra else a.get("original_source")


def _short(draft_id: str | None) -> str | None:
    # Drafts can be named by the end of their id (like git's short hashes).
    return draft_id[-8:] if draft_id else None


def _first_url(urls: list[str]) -> str | None:
    if not urls:
        return None
    return urls[0] + (f" (+{len(urls) - 1})" if len(urls) > 1 else "")
