"""Unified diffs in git's format, so that `git apply` takes them.

`file_diff` / `tree_diff` diff whole files; `text_diff` diffs any two texts under given
labels (rendered manifests). Lines can be masked for display (secrets): the diff is
computed on the real lines, so a changed secret still shows as changed, and the masked
text is what is printed on both sides. `colorize` adds terminal colours."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

LineMask = Mapping[int, str]  # 0-based line index -> the line to print instead (with its EOL)


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", "surrogateescape").splitlines(keepends=True)


def _is_utf8(data: bytes | None) -> bool:
    try:
        (data or b"").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _range(start: int, stop: int) -> str:
    """A hunk range as difflib and git write it: `start,length`, `start` for one line."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def _out(line: str) -> str:
    return line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


class DiffText(NamedTuple):
    """A diff, how many printed lines were masked, and the `git apply -C<n>` that still
    applies it (masked context lines farther than n lines from every change are ignored
    by git at -C<n>; 0 when a masked line is changed or sits between changes)."""

    text: str
    masked: int = 0
    apply_context: int = 1 << 30


def hunks(
    a: list[str],
    b: list[str],
    context: int = 3,
    mask_a: LineMask | None = None,
    mask_b: LineMask | None = None,
) -> DiffText:
    """The `@@` hunks between two lists of lines."""
    mask_a = mask_a or {}
    mask_b = mask_b or {}
    body: list[str] = []
    masked = 0
    safe = 1 << 30

    def side(lines: list[str], mask: LineMask, i: int) -> str:
        nonlocal masked
        if i in mask:
            masked += 1
            return mask[i]
        return lines[i]

    matcher = difflib.SequenceMatcher(None, a, b)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        body.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for n, (tag, i1, i2, j1, j2) in enumerate(group):
            if tag == "equal":
                body.extend(_out(" " + side(a, mask_a, i)) for i in range(i1, i2))
                hidden = [i for i in range(i1, i2) if i in mask_a]
                if not hidden:
                    continue
                if n == 0 and len(group) > 1:  # leading context: distance to the change
                    safe = min(safe, i2 - max(hidden) - 1)
                elif n == len(group) - 1 and len(group) > 1:  # trailing context
                    safe = min(safe, min(hidden) - i1)
                else:
                    safe = 0
                continue
            if tag in ("replace", "delete"):
                body.extend(_out("-" + side(a, mask_a, i)) for i in range(i1, i2))
                if any(i in mask_a for i in range(i1, i2)):
                    safe = 0
            if tag in ("replace", "insert"):
                body.extend(_out("+" + side(b, mask_b, j)) for j in range(j1, j2))
                if any(j in mask_b for j in range(j1, j2)):
                    safe = 0
    return DiffText("".join(body), masked, safe)


def file_diff(
    path: str,
    old: bytes | None,
    new: bytes | None,
    context: int = 3,
    mask_old: LineMask | None = None,
    mask_new: LineMask | None = None,
) -> str:
    return file_diff_counted(path, old, new, context, mask_old, mask_new).text


def file_diff_counted(
    path: str,
    old: bytes | None,
    new: bytes | None,
    context: int = 3,
    mask_old: LineMask | None = None,
    mask_new: LineMask | None = None,
) -> DiffText:
    """`file_diff`, with what masking did to it."""
    if old == new:
        return DiffText("")
    a_name, b_name = git_quoted("a/" + path), git_quoted("b/" + path)
    head = [f"diff --git {a_name} {b_name}\n"]
    if old is None:
        head.append("new file mode 100644\n")
    elif new is None:
        head.append("deleted file mode 100644\n")
    if not (_is_utf8(old) and _is_utf8(new)):
        # Not UTF-8 (a UTF-16 file): no text hunks, as git shows it; the phase folder
        # holds the file itself.
        return DiffText("".join(head) + f"Binary files {a_name} and {b_name} differ\n")
    body = hunks(_lines(old or b""), _lines(new or b""), context, mask_old, mask_new)
    if not body.text:
        return DiffText("".join(head))
    # As git writes them: a name with a space ends with a tab (patch tools read the name
    # up to a tab), a name git had to quote is quoted.
    tab = "\t" if " " in path else ""
    from_name = a_name + tab if old is not None else "/dev/null"
    to_name = b_name + tab if new is not None else "/dev/null"
    return body._replace(text="".join(head) + f"--- {from_name}\n+++ {to_name}\n" + body.text)


_C_ESCAPES = {0x07: "\\a", 0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v", 0x0C: "\\f",
              0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}


def git_quoted(name: str) -> str:
    """A path as git writes it in a diff header (core.quotePath, the default): as it is,
    or, when it holds a control character, `"`, `\\` or a byte past ASCII, in double
    quotes with C escapes and octal bytes. `git apply` reads both forms."""
    raw = os.fsencode(name)
    if not any(b < 0x20 or b >= 0x7F or b in (0x22, 0x5C) for b in raw):
        return name
    out = []
    for b in raw:
        if b in _C_ESCAPES:
            out.append(_C_ESCAPES[b])
        elif b < 0x20 or b >= 0x7F:
            out.append(f"\\{b:03o}")
        else:
            out.append(chr(b))
    return '"' + "".join(out) + '"'


def text_diff(
    old_label: str,
    new_label: str,
    old: str,
    new: str,
    context: int = 3,
    mask_old: LineMask | None = None,
    mask_new: LineMask | None = None,
) -> DiffText:
    """A `---`/`+++` diff of two texts that are not files of the repository."""
    if old == new:
        return DiffText("")
    body = hunks(old.splitlines(keepends=True), new.splitlines(keepends=True), context,
                 mask_old, mask_new)
    if not body.text:
        return body
    return body._replace(text=f"--- {old_label}\n+++ {new_label}\n" + body.text)


def repository_prefix(root: Path) -> str:
    """Where `root` sits in its git work tree ("deploy/" for a subfolder; "" at the top or
    outside git): diffs name files from the top, as `git apply` reads them there."""
    from ..gitutil import GitError, toplevel

    try:
        rel = root.resolve().relative_to(toplevel(root).resolve()).as_posix()
    except (GitError, OSError, ValueError):
        return ""
    return "" if rel == "." else rel + "/"


def tree_diff(
    before: Mapping[str, bytes | None],
    after: Mapping[str, bytes | None],
    context: int = 3,
    prefix: str = "",
) -> str:
    return "".join(tree_diff_parts(before, after, context, prefix))


def tree_diff_parts(
    before: Mapping[str, bytes | None],
    after: Mapping[str, bytes | None],
    context: int = 3,
    prefix: str = "",
) -> Iterator[str]:
    """tree_diff one file at a time (a phase of a large repository changes thousands).
    `prefix` goes before each path (repository_prefix)."""
    paths: Iterable[str] = sorted(set(before) | set(after))
    for p in paths:
        yield file_diff(prefix + p, before.get(p), after.get(p), context)


_RESET = "\033[0m"
_COLOURS = (
    ("diff --git", "\033[1m"),
    ("new file mode", "\033[1m"),
    ("deleted file mode", "\033[1m"),
    ("--- ", "\033[1m"),
    ("+++ ", "\033[1m"),
    ("@@", "\033[36m"),
    ("+", "\033[32m"),
    ("-", "\033[31m"),
    ("#", "\033[2m"),
)


def colorize(text: str) -> str:
    """Colour a unified diff the way git does on a terminal (headers bold, hunks cyan,
    removed red, added green)."""
    out = []
    in_header = False
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        eol = line[len(body) :]
        if body.startswith("diff --git"):
            in_header = True
        elif body.startswith("@@"):
            in_header = False
        for prefix, code in _COLOURS:
            if body.startswith(prefix) and (in_header or prefix not in ("--- ", "+++ ")
                                            or body.startswith(("--- a/", "+++ b/", "--- /dev/null",
                                                                "+++ /dev/null"))):
                body = f"{code}{body}{_RESET}"
                break
        out.append(body + eol)
    return "".join(out)
