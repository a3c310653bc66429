"""The program's entry: the command line, with a Ctrl-C that comes while its modules
load (or as it exits) ending as one that comes during the run does ("interrupted", exit
130), not in a traceback; and the cycle collector set for what a run allocates.

`lint FILE...` with nothing else, which is how pre-commit runs the hook on every commit,
does not go through click: file names need no parser, and importing click (with the
standard modules it brings) is about a third of that run's time (bench/README.md). Any
option, `--`, or another subcommand goes through the command line (`cli.py`).

The rest of what such a run loads is kept to what it uses (tests/test_startup.py): records
are not dataclasses (`records.py`), and the modules lint loads import `typing` for the type
checker only, under `TYPE_CHECKING = False` (which mypy reads as true)."""

from __future__ import annotations

import gc
import sys


def main() -> None:
    # A run allocates many small objects that hold no reference cycles (parsed nodes,
    # sites, values). With the default thresholds the cycle collector runs every 700
    # allocations, and each full collection walks a heap that grows with the repository:
    # a quarter of `plan`'s time at N = 1,000, more at 10,000 (bench/README.md).
    gc.set_threshold(100_000, 50, 100)
    try:
        dispatch(sys.argv[1:], freeze=True)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None


def dispatch(args: list[str], *, freeze: bool = False) -> None:
    """Run the command line `args` (sys.argv[1:]); exits. With `freeze`, what the imports
    made is moved out of the collector's sight (it is never garbage); the tests, which
    call this in one long process, leave the collector as it is."""
    if files_only_lint(args):
        from . import guard
        from .commands import lint
        from .commands.common import Inputs

        if freeze:
            gc.freeze()
        guard.run(lambda: lint.run(Inputs(args[1:])))
    from .cli import main as run

    if freeze:
        gc.freeze()
    run()


def files_only_lint(args: list[str]) -> bool:
    """`lint` and one or more file names: what `litemaas-upgrade lint` with click would
    read as `lint(paths=args[1:])` and every option at its default."""
    return len(args) >= 2 and args[0] == "lint" and not any(a.startswith("-") for a in args[1:])
