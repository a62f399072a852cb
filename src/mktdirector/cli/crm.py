"""`mktd crm contacts import|get`, `mktd crm sync`, `mktd crm attribution` (HubSpot).

Each command that talks to a CRM takes `--platform` (default: config `crm.platform`).
"""

from typing import TYPE_CHECKING, Annotated

import typer

from mktdirector.cli._options import AccountOpt, JsonOpt, short_text
from mktdirector.core.inputs import MAX_CSV_ROWS

if TYPE_CHECKING:
    from mktdirector.agents.crm.workflows import SyncResult
    from mktdirector.integrations.capabilities import CrmClient
    from mktdirector.wiring import Deps

app = typer.Typer(
    help="HubSpot or Salesforce contacts, and which posts brought them.", no_args_is_help=True
)
contacts_app = typer.Typer(
    help="Import and look up CRM contacts (HubSpot, Salesforce leads).", no_args_is_help=True
)
app.add_typer(contacts_app, name="contacts")

SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="Contacts created since YYYY-MM-DD (or 30d, 4w)."),
]
PlatformOpt = Annotated[
    str | None,
    typer.Option("--platform", help="CRM platform, e.g. hubspot (default: config crm.platform)."),
]


@contacts_app.command("import")
def import_contacts(
    file: Annotated[str, typer.Argument(help="CSV with a header row and an email column.")],
    skip: Annotated[
        int,
        typer.Option(
            "--skip", min=0, max=MAX_CSV_ROWS, help="Skip the first N data rows (to resume)."
        ),
    ] = 0,
    platform: PlatformOpt = None,
    account: AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Upsert contacts from a CSV by email; bad rows are reported by line and skipped.

    Exit 0: every row imported; 1: some rows bad (the good ones imported); 5: stopped by a
    HubSpot rate limit (the message says how to resume).
    """
    from mktdirector.agents.crm.workflows import import_contacts as run
    from mktdirector.cli import _deps, _output
    from mktdirector.cli.views import crm as view

    client = crm_client(_deps.current(), platform, account)
    client.require_connection()
    with _output.progress("Importing contacts") as tick:
        result = run(client, file, skip=skip, progress=tick)
    view.imported(result, json_out)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@contacts_app.command("get")
def get_contact(
    email: Annotated[str, typer.Argument(help="The contact's email address.", callback=short_text)],
    platform: PlatformOpt = None,
    account: AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a CRM contact (a Salesforce lead), where it came from, and the mktd post behind it if any."""
    from mktdirector.agents.crm.workflows import get_contact as run
    from mktdirector.cli import _deps
    from mktdirector.cli.views import crm as view

    deps = _deps.current()
    view.contact(run(deps.store, crm_client(deps, platform, account), email), json_out)


@app.command("sync")
def sync(
    since: SinceOpt = None,
    platform: PlatformOpt = None,
    account: AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Pull contacts with their attribution into the local database (for `crm attribution`)."""
    from mktdirector.cli import _deps
    from mktdirector.cli.views import crm as view

    deps = _deps.current()
    view.synced(_sync(deps, crm_client(deps, platform, account), since), json_out)


@app.command("attribution")
def attribution(
    since: SinceOpt = None,
    sync_first: Annotated[
        bool, typer.Option("--sync", help="Sync contacts from the CRM first.")
    ] = False,
    platform: PlatformOpt = None,
    account: AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Contacts grouped by source / campaign / utm_content, with the draft and post behind them."""
    from mktdirector.agents.crm.workflows import attribution as run
    from mktdirector.agents.periods import parse_since
    from mktdirector.cli import _deps
    from mktdirector.cli.views import crm as view

    deps = _deps.current()
    if sync_first:
        client = crm_client(deps, platform, account)
        view.synced_first(_sync(deps, client, since), client.label)
    # No database yet: nothing synced, whatever --since says.
    rows = (
        run(deps.store, since=parse_since(since, default_days=None)) if deps.store.exists() else []
    )
    view.attribution(rows, json_out)


@app.command("campaigns")
def campaigns(
    since: SinceOpt = None, platform: PlatformOpt = None, json_out: JsonOpt = False
) -> None:
    """Make the leads each mktd post brought members of its campaign's CRM Campaign.

    Salesforce: the Campaign is found by name (or salesforce.campaign_external_id_field) and
    created once; running it again adds only leads that are not members yet.
    """
    from mktdirector.agents.crm.campaigns import sync_campaigns
    from mktdirector.agents.periods import parse_since
    from mktdirector.cli import _deps
    from mktdirector.cli.views import crm_campaigns as view

    deps = _deps.current()
    client = crm_client(deps, platform)
    client.require_connection()
    result = sync_campaigns(deps.store, client, since=parse_since(since, default_days=None))
    view.campaigns(result, client.label, json_out)


# helpers ---------------------------------------------------------------------------------------
def crm_client(deps: "Deps", platform: str | None, account: str | None = None) -> "CrmClient":
    """The CRM client for `--platform`, else config `crm.platform`; exit 2 for a non-CRM."""
    from mktdirector.core.platforms import Capability, resolve_capable
    from mktdirector.integrations.capabilities import as_crm_client

    pid = resolve_capable(platform or deps.config.get("crm.platform"), Capability.CRM)
    return as_crm_client(deps.integration(pid, account))


def _sync(deps: "Deps", client: "CrmClient", since: str | None) -> "SyncResult":
    from mktdirector.agents.crm.incremental import sync
    from mktdirector.agents.periods import parse_since
    from mktdirector.cli import _output

    client.require_connection()
    with _output.progress("Syncing contacts") as tick:
        # Salesforce reads what changed since the last sync when --since is not given.
        return sync(deps.store, client, since=parse_since(since, default_days=None),
                    progress=tick)  # fmt: skip
