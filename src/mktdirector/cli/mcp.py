"""`mktd mcp [--http]`: the MCP server for AI assistants (Claude, Cursor, any MCP client)."""

from typing import Annotated

import typer

app = typer.Typer()


@app.command("mcp")
def mcp(
    http: Annotated[
        bool, typer.Option("--http", help="Serve streamable HTTP on 127.0.0.1, not stdio.")
    ] = False,
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="With --http (0: any free).")
    ] = 8485,
    show_token: Annotated[
        bool, typer.Option("--show-token", help="Print the bearer token --http requires; exit.")
    ] = False,
) -> None:
    """Tools, resources and prompts for AI assistants over stdio (or --http). No tool
    approves a draft: a person does, with mktd drafts approve ID."""
    from mktdirector.mcp.server import build

    if show_token:
        return typer.echo(_token())
    server = build()
    if not http:
        return server.run()  # stdio: stdout belongs to the protocol from here on
    from mktdirector.cli import _output
    from mktdirector.mcp.http import serve

    def ready(url: str) -> None:
        _output.info(f"mktd MCP on {url} (Authorization: Bearer, see mktd mcp --show-token)")

    serve(server, port=port, token=_token(), on_ready=ready)


def _token() -> str:
    """The API token shared with `mktd serve` (MKTD_API_TOKEN, else the secret store's)."""
    from mktdirector.agents.ops.api_token import WeakTokenError, api_token
    from mktdirector.cli import _deps
    from mktdirector.core.errors import ConfigError
    from mktdirector.core.redact import register

    try:
        token = api_token(_deps.current().credentials.backend)
    except WeakTokenError as e:
        hint = "Unset MKTD_API_TOKEN to use the stored token, or set a longer one"
        raise ConfigError(str(e), hint=hint) from None
    register(token)
    return token
