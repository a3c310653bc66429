"""Unified diffs in git's format, so that `git apply` takes them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", "surrogateescape").splitlines(keepends=True)


def file_diff(path: str, old: bytes | None, new: bytes | None, context: int = 3) -> str:
    if old == new:
        return ""
    a = _lines(old or b"")
    b = _lines(new or b"")
    head = [f"diff --git a/{path} b/{path}\n"]
    if old is None:
        head.append("new file mode 100644\n")
    elif new is None:
        head.append("deleted file mode 100644\n")
    from_name = f"a/{path}" if old is not None else "/dev/null"
    to_name = f"b/{path}" if new is not None else "/dev/null"
    body = []
    for line in difflib.unified_diff(a, b, from_name, to_name, n=context):
        if line.startswith(("---", "+++")):
            body.append(line if line.endswith("\n") else line + "\n")
            continue
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        body.append(line)
    return "".join(head + body)


def tree_diff(
    before: Mapping[str, bytes | None], after: Mapping[str, bytes | None], context: int = 3
) -> str:
    paths: Iterable[str] = sorted(set(before) | set(after))
    return "".join(file_diff(p, before.get(p), after.get(p), context) for p in paths)
