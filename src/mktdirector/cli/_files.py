"""Reading a text file the user named on the command line ('-' = stdin), as one clean error."""

from pathlib import Path


def read_text(path: Path) -> str:
    import sys

    from mktdirector.core.errors import UsageError

    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"No such file: {path}.", hint="Check the path given to --text-file"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text.", hint="Save the file as UTF-8") from None
    except OSError as e:
        raise UsageError(
            f"Cannot read {path}: {e.strerror}.", hint="Check the path and permissions"
        ) from None
