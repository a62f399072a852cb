"""Rendering helpers for commands: how an agent flow's typed result looks on a terminal or as
--json. Commands parse, call one flow, and hand its result to a view; printing stays in _output."""
