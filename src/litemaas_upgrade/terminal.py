"""Whether output may be coloured: one answer for every command (`lint`'s text, `diff`'s
unified diff)."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import TextIO


def use_colour(stream: TextIO | None = None, choice: str = "auto") -> bool:
    """`choice` is a `--color` option's value. `auto`: colour only on a terminal, and
    never when NO_COLOR is set (no-color.org) or TERM is `dumb`."""
    if choice != "auto":
        return choice == "always"
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
