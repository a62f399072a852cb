"""`mktd serve`: the dashboard and the HTTP API over the same agent flows as the CLI."""
