"""A progress line on stderr for long runs, shown only when stderr is a terminal.

Nothing is written when stderr is a file or a pipe (CI logs, a pre-commit hook, tests), nor
during the first second: short runs stay silent. `LITEMAAS_UPGRADE_PROGRESS=0` turns it
off, `=1` forces it on. The line is drawn by a daemon thread a few times a second and
erased when the work ends, so the caller only wraps its loop:

    for manager in progress.each(managers, "scanning", lambda m: m.kind, lambda: len(found)):
        found.extend(manager.extract(ctx))
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import IO, TypeVar

    T = TypeVar("T")

DELAY = 1.0  # seconds before the line appears
PERIOD = 0.25  # seconds between redraws


def enabled(stream: IO[str] | None = None) -> bool:
    setting = os.environ.get("LITEMAAS_UPGRADE_PROGRESS", "")
    if setting in ("0", "1"):
        return setting == "1"
    stream = stream if stream is not None else sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced stream
        return False


class _Line:
    """The line itself: what is being done, how far, for how long."""

    def __init__(self, label: str, total: int, count: Callable[[], int] | None,
                 stream: IO[str], delay: float) -> None:
        self.label = label
        self.total = total
        self.count = count
        self.stream = stream
        self.delay = delay
        self.index = 0
        self.item = ""
        self.start = time.monotonic()
        self.shown = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="progress", daemon=True)
        self.thread.start()

    def text(self) -> str:
        elapsed = time.monotonic() - self.start
        what = f" {self.item}" if self.item else ""
        step = f" [{self.index}/{self.total}]" if self.total > 1 else ""
        found = f", {self.count():,} so far" if self.count is not None else ""
        return f"litemaas-upgrade: {self.label}{what}{step}{found} ({elapsed:.0f} s)"

    def _run(self) -> None:
        if self.stop.wait(self.delay):
            return
        while True:
            self._draw(self.text())
            if self.stop.wait(PERIOD):
                return

    def _draw(self, text: str) -> None:
        try:
            self.stream.write("\r\x1b[K" + text)
            self.stream.flush()
            self.shown = True
        except (OSError, ValueError):
            self.stop.set()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        if self.shown:
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                pass


def each(
    items: Iterable[T],
    label: str,
    name: Callable[[T], str] | None = None,
    count: Callable[[], int] | None = None,
    stream: IO[str] | None = None,
    delay: float = DELAY,
) -> Iterator[T]:
    """Yield `items`; on a terminal, keep a line on stderr saying which one is being
    worked on (`name`), how many results there are so far (`count`), and for how long."""
    out = stream if stream is not None else sys.stderr
    if not enabled(out):
        yield from items
        return
    seq = list(items)
    line = _Line(label, len(seq), count, out, delay)
    try:
        for i, item in enumerate(seq, 1):
            line.index = i
            line.item = name(item) if name is not None else ""
            yield item
    finally:
        line.close()
