"""Reading what a user hands us (files, arguments) within documented bounds.

A named file may be `/dev/zero`, a FIFO or a 4 GB log: reading it whole would exhaust memory
(MemoryError) or never end. Every input file is read through here, at most its cap plus one
byte, so an oversized file is refused with one line instead of a traceback. The caps are
documented in docs/reliability.md ("Input limits").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mktdirector.core.errors import UsageError

KIB = 1024
MIB = 1024 * KIB
TEXT_FILE_MAX = 1 * MIB  # a post, an email body, a brand file: far below this
CSV_FILE_MAX = 64 * MIB  # a contacts list: ~500,000 rows
CSV_LINE_MAX = 1 * MIB  # one physical line of a CSV
ARG_MAX = 32 * KIB  # one command-line argument (long text goes in a file)
ID_MAX = 256  # an id, an email address, a category: anything that ends up in a URL
MAX_CSV_ROWS = CSV_FILE_MAX // 2  # a row is at least one character and a newline


def _human(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB else f"{n // KIB} KiB"


def _too_big(path: Path | str, cap: int, hint: str) -> UsageError:
    return UsageError(f"{path} is larger than {_human(cap)}; mktd reads at most that.", hint=hint)


def _open_error(path: Path | str, e: OSError, hint: str) -> UsageError:
    if isinstance(e, FileNotFoundError):
        return UsageError(f"No such file: {path}.", hint=hint)
    if isinstance(e, IsADirectoryError):
        return UsageError(f"{path} is a directory, not a file.", hint=hint)
    return UsageError(f"Cannot read {path}: {e.strerror or e}.", hint=hint)


def _check_size(stream: BinaryIO, cap: int, name: str) -> None:
    """A regular file over the cap is refused at once, before a byte of it is parsed."""
    import os
    import stat

    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests, pipes): read it
        return
    if stat.S_ISREG(st.st_mode) and st.st_size > cap:
        raise _too_big(name, cap, f"Shorten or split the file (at most {_human(cap)})")


def read_capped(stream: BinaryIO, cap: int, name: str, *, hint: str) -> bytes:
    """At most `cap` bytes of `stream`; more is refused (it reads cap + 1, never all)."""
    _check_size(stream, cap, name)
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise _too_big(name, cap, hint)
    return data


def read_bytes(
    path: Path | str, *, cap: int = TEXT_FILE_MAX, hint: str = "Check the path"
) -> bytes:
    """A whole (small) file, refusing anything over `cap` bytes without reading it all."""
    p = Path(path).expanduser()
    try:
        with p.open("rb") as f:
            return read_capped(f, cap, str(p), hint=hint)
    except OSError as e:
        raise _open_error(p, e, hint) from None


def decode_text(data: bytes, name: str, *, hint: str = "Save the file as UTF-8") -> str:
    """UTF-8 text without NUL bytes (a NUL is never meant: it is a binary file or an attack)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{name} is not UTF-8 text.", hint=hint) from None
    if "\x00" in text:
        raise UsageError(f"{name} contains a NUL byte (a binary file?).", hint=hint)
    return text


def read_text(path: Path | str, *, cap: int = TEXT_FILE_MAX, hint: str = "Check the path") -> str:
    """A UTF-8 text file of at most `cap` bytes, without NUL bytes."""
    return decode_text(read_bytes(path, cap=cap, hint=hint), str(path))


def iter_lines(
    path: Path | str,
    *,
    cap: int = CSV_FILE_MAX,
    line_cap: int = CSV_LINE_MAX,
    hint: str = "Check the path",
) -> Iterator[bytes]:
    """The file's physical lines (ends kept), streamed: never more than one line in memory.

    A file over `cap` bytes or a line over `line_cap` is refused when reached (UsageError);
    what was yielded before stays valid, so callers that act per line must collect first.
    """
    p = Path(path).expanduser()
    try:
        f = p.open("rb")
    except OSError as e:
        raise _open_error(p, e, hint) from None
    total = 0
    with f:
        _check_size(f, cap, str(p))
        while True:
            try:
                line = f.readline(line_cap + 1)
            except OSError as e:
                raise _open_error(p, e, hint) from None
            if not line:
                return
            if len(line) > line_cap and not line.endswith(b"\n"):
                raise UsageError(
                    f"{p} has a line longer than {_human(line_cap)}.",
                    hint="Is it really a CSV file? Save it as CSV UTF-8",
                )
            total += len(line)
            if total > cap:
                raise _too_big(p, cap, "Split the file and import the parts one by one")
            yield line
