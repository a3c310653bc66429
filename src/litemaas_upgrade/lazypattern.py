"""Module-level regular expressions compiled the first time they are used.

Compiling a pattern runs `re`'s parser and compiler, which are written in Python: the
forty module-level patterns of the modules a pre-commit run loads cost about 28 million
instructions to compile, and `lint FILE` on a Helm values file does not use them all:
compiling only those it uses saves about 10 million (bench/README.md, "Start-up").
`lazy(...)` stands for `re.compile(...)` at module level: the pattern is compiled on its
first method call, and from then on its methods are the compiled pattern's own, looked
up as plain attributes.

Only methods and `pattern`/`flags`/`groups` are reached this way: a lazy pattern is not
an `re.Pattern` to `re.sub(p, ...)` or `isinstance`; call its methods instead."""

from __future__ import annotations

import re

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any, AnyStr


class LazyPattern:
    """re.compile(source, flags), done on first use."""

    def __init__(self, source: str | bytes, flags: int = 0) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Only called for a name not yet in the instance: the first use of each.
        compiled = re.compile(self._source, self._flags)
        for attr in dir(compiled):
            if not attr.startswith("_"):
                self.__dict__[attr] = getattr(compiled, attr)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source!r}, {self._flags})"


if TYPE_CHECKING:

    def lazy(source: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
        """re.compile, on first use."""
        ...

else:
    lazy = LazyPattern
