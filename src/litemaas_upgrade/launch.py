"""The program's entry: the command line, with a Ctrl-C that comes while its modules
load ending as one that comes later does ("interrupted", exit 130), not in a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    run()
