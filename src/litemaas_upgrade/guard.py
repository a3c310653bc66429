"""How a run ends: with an exit code and one line on stderr, never a traceback, whatever
stops it (an error in the input, Ctrl-C, SIGTERM, a bug). Shared by the command line
(`cli.py`) and the pre-commit path that runs without it (`launch.py`)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

from .errors import UpgradeError

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any, NoReturn


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that cleanup (temporary files) runs: by default
    SIGTERM ends the process on the spot."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# What a stop right now would leave behind, said with "terminated" (a write that had
# completed when the signal arrived: the signal is held while files are renamed).
_done_so_far: list[str] = []


def done_so_far(note: str) -> None:
    """Say `note` if the run is stopped from now on (see interrupted)."""
    _done_so_far[:] = [note]


# The exit codes of a run stopped by Ctrl-C and by SIGTERM (128 + the signal's number).
INTERRUPTED, TERMINATED = 130, 143


def interrupted(exc: BaseException | None) -> NoReturn:
    """The end of a run stopped by Ctrl-C or SIGTERM."""
    terminated = isinstance(exc, Terminated)
    word = "terminated" if terminated else "interrupted"
    say(f"{word} after {_done_so_far[0]}" if _done_so_far else word)
    raise SystemExit(TERMINATED if terminated else INTERRUPTED)


def os_error(exc: OSError, doing: str = "") -> str:
    """`PATH: cannot DOING: REASON` for an OSError (PermissionError, a full disk, ...)."""
    path = exc.filename if exc.filename is not None else "(no file named)"
    if exc.filename2 is not None:
        path = f"{path} -> {exc.filename2}"
    reason = exc.strerror or str(exc) or type(exc).__name__
    writes = {28: "write", 27: "write", 30: "write", 122: "write"}  # ENOSPC, EFBIG, EROFS
    what = doing or writes.get(exc.errno or 0, "open")
    return f"{path}: cannot {what}: {reason}"


def run(body: Callable[[], int | None]) -> NoReturn:
    """Run `body` (which returns or raises SystemExit with the exit code) and exit."""
    _done_so_far.clear()  # (a run in the same process before this one said its own)
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        code = body()
    except UpgradeError as exc:
        say(f"litemaas-upgrade: {exc}")
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt as exc:
        interrupted(exc)
    except RecursionError:
        say("litemaas-upgrade: input nested too deeply")
        raise SystemExit(3) from None
    except OSError as exc:  # a file or folder the run could not read or write
        say(f"litemaas-upgrade: {os_error(exc)}")
        raise SystemExit(3) from None
    except Exception as exc:  # noqa: BLE001 - last line of defence: never a bare traceback
        if os.environ.get("LITEMAAS_UPGRADE_DEBUG"):
            raise
        say(
            f"litemaas-upgrade: internal error: {type(exc).__name__}: {exc} "
            "(set LITEMAAS_UPGRADE_DEBUG=1 for a traceback)"
        )
        raise SystemExit(4) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    raise SystemExit(code or 0)
