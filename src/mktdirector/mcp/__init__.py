"""`mktd mcp`: the MCP server for AI assistants, over the same agent flows as the CLI.

Inside this package `import mcp` is the official SDK (absolute imports), not this package.
"""
