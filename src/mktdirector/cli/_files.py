"""Reading a text file the user named on the command line ('-' = stdin), as one clean error.

At most `core.inputs.TEXT_FILE_MAX` bytes are read (stdin included): `/dev/zero` or a huge
file is refused with one line, never read whole.
"""

from pathlib import Path


def read_text(path: Path) -> str:
    import sys

    from mktdirector.core import inputs

    hint = "Give the path of a UTF-8 text file of at most 1 MiB"
    if str(path) == "-":
        data = inputs.read_capped(sys.stdin.buffer, inputs.TEXT_FILE_MAX, "stdin", hint=hint)
        return inputs.decode_text(data, "stdin")
    return inputs.read_text(path, hint=hint)
