"""mktd: an AI marketing director in the terminal."""

__version__ = "0.1.0"
