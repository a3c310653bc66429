"""reviewdog's Diagnostic Format, as rdjson (one `DiagnosticResult`: reviewdog's
proto/rdf/reviewdog.proto), for `reviewdog -f=rdjson`.

Positions are reviewdog's: lines counted by `\\n`, columns 1-based in UTF-8 bytes (the
tool's own columns count characters), ranges end-exclusive. A finding whose fix is one
scalar's new value (model.ValueFix) carries a suggestion: the range of exactly that
scalar, as it is in the file now, and its replacement text, made by the same byte-exact
editor `apply` uses (quoting kept, or added where YAML would not read a string) and
verified by it. The file is re-read here: where the scalar no longer reads the old
value, where the edit cannot be verified, or where two findings want different values
at one scalar, there is no suggestion (never a guessed one)."""

from __future__ import annotations

import json

from ...model import Finding, Severity, ValueFix
from ..runner import LintResult

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ...yamlio import Node, Path, YamlFile

SOURCE = {"name": "litemaas-upgrade"}
SEVERITY = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"}


class _Text:
    """A file's decoded text, and offsets as reviewdog counts positions."""

    def __init__(self, data: bytes, text: str, bom: int) -> None:
        from ...yamlio.text import LineIndex

        self.data = data
        self.text = text
        self.bom = bom  # bytes of a UTF-8 byte-order mark (reviewdog counts them)
        self.yaml_lines = LineIndex(text)

    def offset(self, line: int, col: int) -> int | None:
        """The offset of the tool's 1-based line:col (YAML's line breaks, characters)."""
        starts = self.yaml_lines.starts
        if not 1 <= line <= len(starts) or col < 1:
            return None
        at = starts[line - 1] + col - 1
        end = starts[line] if line < len(starts) else len(self.text)
        return at if at <= end else None

    def position(self, offset: int) -> dict[str, int]:
        line_start = self.text.rfind("\n", 0, offset) + 1
        column = len(self.text[line_start:offset].encode("utf-8")) + 1
        if line_start == 0:
            column += self.bom
        return {"line": self.text.count("\n", 0, offset) + 1, "column": column}


def _regular_file(path: str) -> bytes:
    """The bytes of `path` if it is a regular file reached through no link (a finding may
    name a link the scan did not follow, or a FIFO: never opened here), within the size
    the reader takes."""
    import os
    import stat

    from ...yamlio.text import MAX_BYTES

    if os.path.realpath(path) != os.path.abspath(path):
        raise OSError(f"{path}: reached through a link")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(f"{path}: not a regular file")
        return fh.read(MAX_BYTES + 1)


def _read(path: str, cache: dict[str, _Text | None]) -> _Text | None:
    """The file a finding names, or None (then positions keep their line alone)."""
    if path not in cache:
        from ...errors import InputError
        from ...yamlio.text import decode

        try:
            data = _regular_file(path)
            decoded = decode(data, path)
        except (OSError, InputError):
            cache[path] = None
        else:
            bom = 3 if decoded.encoding == "utf-8-sig" else 0
            utf8 = decoded.encoding.startswith("utf-8")
            cache[path] = _Text(data, decoded.text, bom) if utf8 else None
    return cache[path]


def _scalar_at(file: YamlFile, offset: int) -> tuple[int, Path, Node] | None:
    """The document, path and node of the scalar that starts at `offset` (aliases and
    keys are not values to edit)."""
    for doc in file.documents:
        if doc.root is None or not doc.start <= offset <= doc.end:
            continue
        todo: list[tuple[Path, Node]] = [((), doc.root)]
        while todo:
            path, node = todo.pop()
            if node.is_alias:
                continue
            if node.kind == "scalar":
                if node.start == offset:
                    return doc.index, path, node
            elif node.kind == "mapping":
                todo.extend(
                    ((*path, key.value), value)
                    for key, value in node.items
                    if key.kind == "scalar" and not key.is_alias
                )
            else:
                todo.extend(((*path, i), child) for i, child in enumerate(node.children))
    return None


def _new_value(node: Node, fix: ValueFix) -> str | None:
    """What the scalar is to read, if it reads what the fix expects."""
    if node.style in ("|", ">"):
        return None
    if not fix.in_image:
        return fix.new if node.value == fix.old else None
    from ...imageref import ImageRef, ImageRefError

    try:
        ref = ImageRef.parse(node.value)
    except ImageRefError:  # `${VAR}`, a template: not a reference to edit
        return None
    if ref.tag != fix.old or ref.digest:
        return None
    return str(ref.with_tag(fix.new))


def _suggestion(f: Finding, text: _Text) -> dict[str, Any] | None:
    """The range of the scalar `f` points at and the text that gives it `f.value_fix`'s
    new value, checked as above; None when any of it does not hold."""
    from ...errors import InputError
    from ...yamlio import ScalarChange, apply_changes
    from ...yamlio.cache import parse
    from ...yamlio.text import decode

    fix = f.value_fix
    start = text.offset(f.line, f.col)
    if fix is None or start is None:
        return None
    try:
        file = parse(text.data, f.file)
        found = _scalar_at(file, start)
        if found is None:
            return None
        doc, path, node = found
        value = _new_value(node, fix)
        if value is None:
            return None
        out = decode(apply_changes(text.data, f.file, [ScalarChange(doc, path, value)]), f.file)
    except InputError:  # EditError too: the editor refuses or cannot verify the edit
        return None
    before, after = text.text[: node.start], text.text[node.end :]
    new = out.text
    if len(new) < len(before) + len(after):
        return None
    if not (new.startswith(before) and new.endswith(after)):
        return None  # the edit reached beyond the scalar
    replacement = new[len(before) : len(new) - len(after)]
    if replacement == text.text[node.start : node.end]:
        return None
    return {
        "range": {"start": text.position(node.start), "end": text.position(node.end)},
        "text": replacement,
    }


def _diagnostic(
    f: Finding, texts: dict[str, _Text | None], suggestion: dict[str, Any] | None, note: str = ""
) -> dict[str, Any]:
    message = f"{f.target}: {f.message}" if f.target else f.message
    if f.fix:
        message += f"\nFix: {f.fix}"
    location: dict[str, Any] = {"path": f.file or f.target}
    if f.file and f.line:
        text = _read(f.file, texts)
        at = text.offset(f.line, f.col) if text is not None and f.col else None
        if suggestion is not None:
            # reviewdog posts a suggestion where the comment's lines are the suggestion's.
            location["range"] = suggestion["range"]
        elif text is not None and at is not None:
            location["range"] = {"start": text.position(at)}
        else:  # no column known, or none in bytes without the file's line: the line alone
            location["range"] = {"start": {"line": f.line}}
    out: dict[str, Any] = {
        "message": note + message,
        "location": location,
        "severity": SEVERITY[f.severity],
        "code": {"value": f.code},
    }
    if suggestion is not None:
        out["suggestions"] = [suggestion]
    return out


def _suggestions(findings: list[Finding], texts: dict[str, _Text | None]) -> list[Any]:
    """Each finding's suggestion (or None), none at a scalar two findings disagree on."""
    made: list[dict[str, Any] | None] = []
    wanted: dict[tuple[str, int, int], set[str]] = {}
    for f in findings:
        text = _read(f.file, texts) if f.value_fix is not None and f.file else None
        made.append(_suggestion(f, text) if text is not None else None)
        if f.value_fix is not None:
            wanted.setdefault((f.file, f.line, f.col), set()).add(f.value_fix.new)
    return [
        None if s is None or len(wanted[(f.file, f.line, f.col)]) > 1 else s
        for f, s in zip(findings, made, strict=True)
    ]


def render(result: LintResult, *, show_suppressed: bool = False, colour: bool = False) -> str:
    texts: dict[str, _Text | None] = {}
    findings = list(result.findings)
    diagnostics = [
        _diagnostic(f, texts, s)
        for f, s in zip(findings, _suggestions(findings, texts), strict=True)
    ]
    if show_suppressed:  # asked for: as notes, without suggestions
        for s in result.suppressed:
            note = f"suppressed ({s.reason}): "
            diagnostics.append(_diagnostic(s.finding, texts, None, note) | {"severity": "INFO"})
    out = {"source": SOURCE, "diagnostics": diagnostics}
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"
