"""`# litemaas-upgrade: ignore LU003 the reason` comments: on a finding's line, or on a
comment line (or a run of them) just above it. A reason is required; a comment without
one, or for no known code, silences nothing and is itself reported (LU011)."""

from __future__ import annotations

import re
from pathlib import Path

from ..lazypattern import lazy
from ..model import Finding
from ..records import record
from ..yamlio.text import split_lines

DIRECTIVE = lazy(r"(?:^|\s)#\s*litemaas-upgrade\s*:\s*ignore\b(?P<rest>.*)$", re.I)
CODE = lazy(r"\s*(?P<code>[A-Za-z]+\d+)\s*,?", re.ASCII)
_REASON_LEAD = " \t-:\u2013\u2014"


@record(frozen=True)
class Directive:
    file: str
    line: int
    col: int
    codes: tuple[str, ...]
    reason: str
    own_line: bool  # nothing but the comment on its line: it speaks for the next line

    def problem(self, known: set[str]) -> str:
        if not self.codes:
            return "names no finding code (write `ignore LU003 <reason>`)"
        unknown = [c for c in self.codes if c not in known]
        if unknown:
            return f"names unknown code(s) {', '.join(unknown)}"
        if not self.reason:
            return "gives no reason (write `ignore " + ",".join(self.codes) + " <reason>`)"
        return ""


def parse(text: str, file: str) -> tuple[list[str], list[Directive]]:
    """The file's lines and the directives in it."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = split_lines(text)
    found = []
    for n, line in enumerate(lines, 1):
        m = DIRECTIVE.search(line) if "#" in line else None
        if m is None:
            continue
        rest = m["rest"]
        codes: list[str] = []
        pos = 0
        while True:
            cm = CODE.match(rest, pos)
            if cm is None:
                break
            codes.append(cm["code"].upper())
            pos = cm.end()
        reason = rest[pos:].strip(_REASON_LEAD).strip()
        hash_at = line.index("#", m.start())
        own = not line[:hash_at].strip()
        found.append(Directive(file, n, hash_at + 1, tuple(codes), reason, own))
    return lines, found


class Comments:
    """Directives by file (paths as shown, relative to the current directory), read once."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self._files: dict[str, tuple[list[str], list[Directive]]] = {}

    def _read(self, file: str) -> tuple[list[str], list[Directive]]:
        cached = self._files.get(file)
        if cached is None:
            try:
                data = Path(file).read_bytes()
            except OSError:
                data = b""  # removed, a folder, or unreadable: nothing to read here
            cached = parse(data.decode("utf-8", "replace"), file) if b"\0" not in data else ([], [])
            self._files[file] = cached
        return cached

    def directives(self, file: str) -> list[Directive]:
        return self._read(file)[1]

    def silencing(self, finding: Finding) -> Directive | None:
        """The valid directive that silences `finding`, if any."""
        if not finding.file or not finding.line:
            return None
        lines, directives = self._read(finding.file)
        if not directives:
            return None
        by_line = {d.line: d for d in directives}
        candidates = [by_line.get(finding.line)]
        above = finding.line - 1
        while above >= 1 and above <= len(lines) and lines[above - 1].lstrip().startswith("#"):
            d = by_line.get(above)
            if d is not None and d.own_line:
                candidates.append(d)
            above -= 1
        for d in candidates:
            if d is not None and finding.code in d.codes and not d.problem(self.known):
                return d
        return None
