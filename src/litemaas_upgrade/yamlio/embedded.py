"""Edits that go beyond one scalar, still byte-exact and verified:

- EmbeddedChange: scalar changes inside a YAML document that is itself the value of a
  literal block scalar (an Argo CD `helm.values: |` string, a ConfigMap's `values.yaml: |`).
  The block's content is de-indented, edited with apply_changes, and only the changed
  lines are re-indented and spliced back; the result is re-read and checked.
- SequenceAppend: a new `- key: value` mapping entry at the end of a block sequence
  (an Argo CD `helm.parameters` entry).

apply_edits takes a mix of these and plain ScalarChanges for one file. Reading such a
document (without editing it) is blockdoc's.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Sequence

from litemaas_upgrade.errors import EditError, InputError

from ..records import record
from .blockdoc import Embedded, _content_lines, _dotted, embedded_document
from .cache import parse
from .edit import ScalarChange, _same, _set, apply_changes
from .nodes import Path
from .reader import YamlFile
from .scalars import inserted, plain_or_double
from .text import encode

_HEADER = re.compile(r"([|>])([1-9]?)([+-]?)([1-9]?)")


@record(frozen=True)
class EmbeddedChange:
    doc: int
    path: Path  # the block scalar that holds a YAML document
    changes: tuple[ScalarChange, ...]  # scalar changes in that inner document


@record(frozen=True)
class SequenceAppend:
    doc: int
    path: Path  # a block sequence of mappings
    item: tuple[tuple[str, str], ...]  # the new entry's keys and string values, in order


Edit = ScalarChange | EmbeddedChange | SequenceAppend


def apply_edits(data: bytes, path: str, edits: Sequence[Edit]) -> bytes:
    """apply_changes for a mix of edits: scalars first, then each embedded document,
    then appended sequence entries; every step re-reads and verifies its result."""
    scalars = [e for e in edits if isinstance(e, ScalarChange)]
    out = apply_changes(data, path, scalars) if scalars else data
    embedded: dict[tuple[int, Path], list[ScalarChange]] = {}
    appends: dict[tuple[int, Path], list[tuple[tuple[str, str], ...]]] = {}
    for e in edits:
        if isinstance(e, EmbeddedChange):
            embedded.setdefault((e.doc, tuple(e.path)), []).extend(e.changes)
        elif isinstance(e, SequenceAppend):
            items = appends.setdefault((e.doc, tuple(e.path)), [])
            if e.item not in items:
                items.append(e.item)
    for (doc, at), changes in embedded.items():
        out = _apply_embedded(out, path, doc, at, changes)
    for (doc, at), items in appends.items():
        out = _apply_append(out, path, doc, at, items)
    return out


def _apply_embedded(
    data: bytes, path: str, doc_index: int, at: Path, changes: list[ScalarChange]
) -> bytes:
    file = parse(data, path)
    if not 0 <= doc_index < len(file.documents):
        raise EditError(path, f"document {doc_index} does not exist")
    doc = file.documents[doc_index]
    node = doc.find(at)
    what = _dotted(at)
    if node is None or node.kind != "scalar":
        raise EditError(path, f"{what}: no string holding a YAML document there")
    if node.style != "|" or node.is_alias or node.anchor is not None:
        raise EditError(
            path,
            f"{what} is not a literal block scalar (`|`); only a document written as "
            "`key: |` can be edited in place",
            node.line,
            node.col,
        )
    header = _HEADER.match(file.text, node.start)
    if header is None or header.group(2) or header.group(4):
        raise EditError(
            path, f"{what}: a block scalar with an indentation indicator", node.line, node.col
        )
    old_inner = node.value
    new_inner = apply_changes(old_inner.encode("utf-8"), f"{path} ({what})", changes).decode(
        "utf-8"
    )
    if new_inner == old_inner:
        return data
    text, nl = file.text, file.newline
    _start, lines = _content_lines(text, node)
    emb = embedded_document(file, doc, at)
    assert emb is not None
    pad = " " * emb.indent
    old_lines = old_inner.split("\n")
    new_lines = new_inner.split("\n")
    pieces: list[tuple[int, int, str]] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        body = "".join((pad + line if line else "") + nl for line in new_lines[j1:j2])
        if i1 < len(lines):
            start = lines[i1][0]
        else:  # past the block's last line: after its last line break
            start = lines[-1][2] if lines else node.end
            if start == 0 or text[start - 1] not in "\r\n":
                body = nl + body
        if i2 > i1 and i2 - 1 >= len(lines):
            raise EditError(path, f"{what}: cannot map the edit back to the file", node.line)
        end = lines[i2 - 1][2] if i2 > i1 else start
        if i2 > i1 and end == lines[i2 - 1][1] and body.endswith(nl):
            body = body[: -len(nl)]  # the file ends without a line break here: keep it so
        pieces.append((start, end, body))
    out_text = []
    cursor = 0
    for start, end, body in sorted(pieces):
        out_text.append(text[cursor:start])
        out_text.append(body)
        cursor = end
    out_text.append(text[cursor:])
    out = encode("".join(out_text), file.encoding)
    _verify(file, out, doc_index, at, new_inner)
    return out


def _apply_append(
    data: bytes, path: str, doc_index: int, at: Path, items: list[tuple[tuple[str, str], ...]]
) -> bytes:
    file = parse(data, path)
    doc = file.documents[doc_index]
    node = doc.find(at)
    what = _dotted(at)
    if node is None or node.kind != "sequence" or node.style != "block" or not node.children:
        raise EditError(path, f"{what}: not a non-empty block list; cannot append to it")
    if node.is_alias or node.anchor is not None:
        raise EditError(path, f"{what} is anchored or an alias", node.line, node.col)
    text, nl = file.text, file.newline
    last = node.children[-1]
    first = node.children[0]
    line_start = file.lines.line_start(first.start)
    dash = text.rfind("-", line_start, first.start)
    if dash < 0:
        raise EditError(path, f"{what}: cannot find the list's `-`", node.line, node.col)
    dash_col = dash - line_start
    item_col = first.start - line_start
    if first.kind == "mapping" and first.items:
        item_col = first.items[0][0].start - line_start
    lines = []
    for item in items:
        for i, (key, value) in enumerate(item):
            lead = (
                " " * dash_col + "-" + " " * (item_col - dash_col - 1) if i == 0 else " " * item_col
            )
            lines.append(f"{lead}{plain_or_double(key, False)}: {inserted(value, False)}")
    end = last.end
    if end > 0 and text[end - 1] in "\r\n":
        at_pos, body = end, "".join(line + nl for line in lines)
    else:
        m = re.compile("[\r\n]").search(text, end)
        at_pos = m.start() if m else len(text)
        body = "".join(nl + line for line in lines)
    out = encode(text[:at_pos] + body + text[at_pos:], file.encoding)
    new = parse(out, path)
    expected = copy.deepcopy(doc.data)
    seq = expected
    for part in at:
        seq = seq[part]
    seq.extend(dict(item) for item in items)
    if not _same(expected, new.documents[doc_index].data):
        raise EditError(path, f"appending to {what} would change other data; file left unchanged")
    return out


def _verify(old: YamlFile, out: bytes, doc_index: int, at: Path, value: str) -> None:
    try:
        new = parse(out, old.path)
    except InputError as exc:
        raise EditError(old.path, f"edit would produce invalid YAML ({exc.message})") from None
    if len(new.documents) != len(old.documents):
        raise EditError(old.path, "edit would change the number of documents")
    for d_old, d_new in zip(old.documents, new.documents, strict=True):
        expected = copy.deepcopy(d_old.data)
        if d_old.index == doc_index:
            expected = _set(expected, at, value)
        if not _same(expected, d_new.data):
            raise EditError(
                old.path, f"edit of {_dotted(at)} would change other data; file left unchanged"
            )


__all__ = [
    "Edit",
    "Embedded",
    "EmbeddedChange",
    "SequenceAppend",
    "apply_edits",
    "embedded_document",
]
