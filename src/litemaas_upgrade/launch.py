"""The program's entry: the command line, with a Ctrl-C that comes while its modules
load (or as it exits) ending as one that comes during the run does ("interrupted", exit
130), not in a traceback; and the cycle collector set for what a run allocates.

`lint FILE...` with nothing else, which is how pre-commit runs the hook on every commit,
does not go through click: file names need no parser, and importing click (with the
standard modules it brings) is a large share of that run's time (measured in
bench/README.md, "Start-up"). Any
option, `--`, or another subcommand goes through the command line (`cli.py`).

The rest of what such a run loads is kept to what it uses (tests/test_startup.py): records
are not dataclasses (`records.py`), and the modules lint loads import `typing` for the type
checker only, under `TYPE_CHECKING = False` (which mypy reads as true)."""

from __future__ import annotations

import gc
import os
import sys

TYPE_CHECKING = False  # (typing is not loaded at run time: see above)
if TYPE_CHECKING:
    from typing import NoReturn


def main() -> None:
    # A run allocates many small objects that hold no reference cycles (parsed nodes,
    # sites, values). With the default thresholds the cycle collector runs every 700
    # allocations, and each full collection walks a heap that grows with the repository:
    # a share of `plan`'s time that grows faster than the repository (measured in
    # bench/README.md, "The cycle collector").
    gc.set_threshold(100_000, 50, 100)
    # An interrupted run ends here with its code (130, or 143 for SIGTERM), through
    # end_now: CPython counts a KeyboardInterrupt that passed through code `exec` ran
    # from a string (classes built from source, as click's imports and records.py do) as
    # unhandled even once it is caught, and under `python -m` would end the process by
    # SIGINT instead (-2 to the caller, not 130). tests/test_interrupt.py makes it happen.
    try:
        dispatch(sys.argv[1:], program=True)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        end_now(130)
    except SystemExit as exc:
        from .guard import INTERRUPTED, TERMINATED  # (loaded by now: every run has it)

        if isinstance(exc.code, int) and exc.code in (INTERRUPTED, TERMINATED):
            end_now(exc.code)
        raise


def dispatch(args: list[str], *, program: bool = False) -> None:
    """Run the command line `args` (sys.argv[1:]); exits. `program`: the process is this
    run's alone (not the tests', which call this in one long process): what the imports
    made is moved out of the collector's sight (it is never garbage), and a pre-commit
    run ends without tearing the interpreter down."""
    from .bounded import RUN

    RUN.reset()  # the limit per run is per run, in the tests' long process too
    if files_only_lint(args):
        from . import guard
        from .commands import lint
        from .commands.common import Inputs

        if program:
            gc.freeze()
        try:
            guard.run(lambda: lint.run(Inputs(args[1:])))
        except SystemExit as exc:
            if not program:
                raise
            end_now(exc.code if isinstance(exc.code, int) else 1)
    from .cli import main as run

    if program:
        gc.freeze()
    run()


def end_now(code: int) -> NoReturn:
    """Exit without the interpreter's teardown (freeing every object and module one by
    one: about 5% of a pre-commit run). By now the output is written and every git
    process reaped (or, for an interrupted run, its cleanup done as the interrupt
    unwound); what is left to do is flushing the standard streams."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the usual exit would fail the same way
        code = code or 1
    os._exit(code)


def files_only_lint(args: list[str]) -> bool:
    """`lint` and one or more file names: what `litemaas-upgrade lint` with click would
    read as `lint(paths=args[1:])` and every option at its default."""
    return len(args) >= 2 and args[0] == "lint" and not any(a.startswith("-") for a in args[1:])
