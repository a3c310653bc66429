"""The program's entry: the command line, with a Ctrl-C that comes while its modules
load (or as it exits) ending as one that comes during the run does ("interrupted", exit
130), not in a traceback; and the cycle collector set for what a run allocates."""

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
        from .cli import main as run

        gc.freeze()  # what the imports made is never garbage
        run()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
