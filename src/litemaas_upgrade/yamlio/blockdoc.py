"""A YAML document held in a literal block scalar (an Argo CD `helm.values: |` string, a
ConfigMap's `values.yaml: |`), read with positions that map back to the outer file.
Editing it is yamlio.embedded's; reading it needs none of the editor."""

from __future__ import annotations

import re

from litemaas_upgrade.errors import InputError

from ..records import record
from .nodes import Node, Path
from .reader import YamlDoc, YamlFile

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")


@record
class Embedded:
    """A YAML document inside a literal block scalar, with the way back to the outer file."""

    inner: YamlFile
    node: Node  # the block scalar in the outer file
    first_line: int  # outer line number of the block's first content line
    indent: int  # the block's content indentation

    def where(self, node: Node) -> tuple[int, int]:
        """Outer (line, col) of an inner node."""
        return self.first_line + node.line - 1, self.indent + node.col


def _dotted(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _content_lines(text: str, node: Node) -> tuple[int, list[tuple[int, int, int]]]:
    """Offset of the first content line of a block scalar and its lines as
    (start, end-without-break, end-with-break)."""
    eol = text.find("\n", node.start)
    cr = text.find("\r", node.start)
    cands = [p for p in (eol, cr) if p >= 0]
    if not cands:
        return node.end, []
    first = min(cands)
    start = first + (2 if text.startswith("\r\n", first) else 1)
    lines = []
    pos = start
    while pos < node.end:
        m = _LINE.match(text, pos)
        assert m is not None
        if not m.group():
            break
        body = m.group().rstrip("\r\n")
        lines.append((pos, pos + len(body), min(m.end(), node.end)))
        pos = m.end()
    return start, lines


def embedded_document(file: YamlFile, doc: YamlDoc, path: Path) -> Embedded | None:
    """The YAML document in the literal block scalar at `path`, or None when there is
    no such block scalar. A string that is not YAML raises InputError at its place."""
    node = doc.find(path)
    if node is None or node.kind != "scalar" or node.is_alias:
        return None
    label = f"{file.path} ({_dotted(path)})"
    if node.style != "|":
        return None
    text = file.text
    _start, lines = _content_lines(text, node)
    indent = 0
    for s, e, _ in lines:
        body = text[s:e]
        if body.strip(" "):
            indent = len(body) - len(body.lstrip(" "))
            break
    line0 = node.line + 1
    try:
        inner = YamlFile.parse(node.value.encode("utf-8"), label)
    except InputError as exc:
        line = line0 + exc.line - 1 if exc.line else node.line
        col = indent + exc.col if exc.line else node.col
        raise InputError(file.path, f"{_dotted(path)}: {exc.message}", line, col) from None
    return Embedded(inner, node, line0, indent)
