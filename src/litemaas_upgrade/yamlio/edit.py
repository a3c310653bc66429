"""Byte-exact scalar edits: splice new values into the original text, then verify."""

from __future__ import annotations

import copy
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from litemaas_upgrade.errors import EditError, InputError

from ..records import field, record
from .cache import parse
from .implicit import MERGE, STR
from .nodes import Node, Path
from .reader import YamlDoc, YamlFile
from .scalars import double_quoted, inserted, plain_or_double, single_quoted
from .text import encode

_EOL = re.compile("[\r\n\x85\u2028\u2029]")
_BLOCK_HEADER = re.compile(r"[|>]([1-9]?)([+-]?)([1-9]?)")

# A tree of keys to create: leaf values are the new strings.
_Tree = dict[str, Any]


@record(frozen=True)
class ScalarChange:
    doc: int
    path: Path
    value: str
    # The other paths that read the same anchored scalar (through aliases or merge keys)
    # and are meant to read the new value too: the shared node may then be edited, and
    # the result is verified at each of them (any other reader fails the verification).
    also: tuple[Path, ...] = ()


@record
class _Splice:
    start: int
    end: int
    text: str
    # Among insertions at one offset, the deeper container's text goes first; in-place
    # replacements (depth None) precede them, as they belong to the line being ended.
    depth: int | None = None


@record
class _Insertion:
    """New keys for one existing place: a mapping, an empty value, or an empty document."""

    where: str  # "block" | "flow" | "empty-value" | "empty-doc"
    doc: YamlDoc
    node: Node | None  # the mapping, or the empty value's node
    key: Node | None = None  # for "empty-value": the key owning it
    flow: bool = False  # the empty value sits inside a flow collection
    tree: _Tree = field(default_factory=dict)


def apply_changes(data: bytes, path: str, changes: Sequence[ScalarChange]) -> bytes:
    """Return `data` with the scalars at `changes` set; everything else byte-identical."""
    if not changes:
        return data
    file = parse(data, path)
    planner = _Planner(file)
    for change in _check_conflicts(path, changes):
        planner.add(change)
    splices = planner.splices()
    if not splices:
        return data
    out = encode(_splice(file.text, splices), file.encoding)
    _verify(file, out, changes)
    return out


def _check_conflicts(path: str, changes: Sequence[ScalarChange]) -> list[ScalarChange]:
    wanted: dict[tuple[int, Path], str] = {}
    also: dict[tuple[int, Path], tuple[Path, ...]] = {}
    for change in changes:
        if not isinstance(change.value, str):
            raise TypeError(f"ScalarChange.value must be a str, not {type(change.value)}")
        key = (change.doc, tuple(change.path))
        if wanted.get(key, change.value) != change.value:
            raise EditError(path, f"conflicting values for {_dotted(change.path)}")
        wanted[key] = change.value
        if change.also:
            also[key] = tuple(dict.fromkeys(also.get(key, ()) + tuple(change.also)))
    for doc, p in wanted:
        for i in range(1, len(p)):
            if (doc, p[:i]) in wanted:
                raise EditError(
                    path, f"{_dotted(p[:i])} cannot be both a value and contain {_dotted(p)}"
                )
    return [ScalarChange(doc, p, v, also.get((doc, p), ())) for (doc, p), v in wanted.items()]


def duplicate_rule(path: str) -> str:
    """What the engine that reads this file does with a duplicated key (checked: helm
    and `kubectl kustomize` take the last one; docker compose's YAML reader refuses the
    file)."""
    name = path.rsplit("/", 1)[-1].lower()
    if name in ("kustomization.yaml", "kustomization.yml", "kustomization"):
        return "kustomize uses the last one"
    if "compose" in name:
        return "docker compose refuses such a file"
    if "values" in name or name == "chart.yaml":
        return "Helm uses the last one"
    return "which one counts depends on the tool that reads the file"


def _dotted(path: Path) -> str:
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return text.lstrip(".") or "<root>"


class _Planner:
    def __init__(self, file: YamlFile) -> None:
        self.file = file
        self.replacements: list[_Splice] = []
        self.insertions: dict[int, _Insertion] = {}
        self.steps: dict[int, int] = {}

    def refuse(self, message: str, node: Node | None = None) -> EditError:
        if node is None:
            return EditError(self.file.path, message)
        return EditError(self.file.path, message, node.line, node.col)

    def add(self, change: ScalarChange) -> None:
        docs = self.file.documents
        if not 0 <= change.doc < len(docs):
            raise self.refuse(f"document {change.doc} does not exist ({len(docs)} in file)")
        doc = docs[change.doc]
        path = tuple(change.path)
        what = _dotted(path)
        node = doc.root
        in_flow = False
        for i, part in enumerate(path):
            if node is None:  # empty document
                self._insert(_Insertion("empty-doc", doc, None), path[i:], change, id(doc))
                return
            self._check_not_shared(doc, node, what, bool(change.also))
            in_flow = in_flow or node.style == "flow"
            if node.kind == "mapping":
                matches = [pair for pair in node.items if _key_is(pair[0], part)]
                if len(matches) > 1:
                    raise self.refuse(
                        f"key {part!r} is duplicated ({duplicate_rule(self.file.path)}); "
                        f"cannot edit {what} safely: remove the duplicate first",
                        matches[-1][0],
                    )
                if not matches:
                    merged = node.get(str(part))
                    if merged is not None:
                        raise self.refuse(
                            f"{what} comes from a merge key `<<`; editing it would change "
                            "other places",
                            merged,
                        )
                    where = "flow" if node.style == "flow" else "block"
                    self._insert(_Insertion(where, doc, node), path[i:], change, id(node))
                    return
                key, value = matches[0]
                if value.kind == "scalar" and i + 1 < len(path) and _is_empty(value):
                    ins = _Insertion("empty-value", doc, value, key, in_flow)
                    self._insert(ins, path[i + 1 :], change, id(value))
                    return
                node = value
            elif node.kind == "sequence":
                if not isinstance(part, int):
                    raise self.refuse(f"a list is in the way of {what} (key {part!r})", node)
                if not 0 <= part < len(node.children):
                    raise self.refuse(f"list index {part} does not exist for {what}", node)
                node = node.children[part]
            else:
                raise self.refuse(
                    f"the scalar {node.value!r} is in the way of {what}; it is not a mapping",
                    node,
                )
        if node is None:
            raise self.refuse(f"document {change.doc} is empty; cannot set {what}")
        self._check_not_shared(doc, node, what, bool(change.also))
        if node.kind != "scalar":
            raise self.refuse(f"{what} is a {node.kind}, not a scalar", node)
        if node.explicit_tag and node.tag != STR:
            raise self.refuse(f"{what} has the explicit tag {node.tag}", node)
        current = node.python()
        if isinstance(current, str) and current == change.value:
            return
        self.replacements.append(self._replace(node, change.value, in_flow, what))

    def _check_not_shared(self, doc: YamlDoc, node: Node, what: str, shared: bool) -> None:
        if node.is_alias:
            raise self.refuse(
                f"{what} is reached through the alias *{node.anchor}; editing it would change "
                "the anchored node and every other alias of it",
                node,
            )
        refs = doc.references.get(id(node))
        if refs and not shared:
            first = refs[0]
            raise self.refuse(
                f"{what} lies in the anchored node &{node.anchor}, which the alias at "
                f"{first.line}:{first.col} also uses; editing it would change both",
                node,
            )

    def _insert(self, ins: _Insertion, rest: Path, change: ScalarChange, key: int) -> None:
        """Record new keys under `ins`; changes sharing a new parent share one block."""
        ins = self.insertions.setdefault(key, ins)
        tree = ins.tree
        what = _dotted(tuple(change.path))
        for i, part in enumerate(rest):
            if not isinstance(part, str):
                raise self.refuse(f"cannot create list index {part} for {what}", ins.node)
            if i == len(rest) - 1:
                tree[part] = change.value
            else:
                tree = tree.setdefault(part, {})

    def _replace(self, node: Node, value: str, flow: bool, what: str) -> _Splice:
        text = self.file.text
        if node.style in ("|", ">"):
            return self._replace_block(node, value, what)
        if node.style == "'":
            new = single_quoted(value) or double_quoted(value)
        elif node.style == '"':
            new = double_quoted(value)
        else:
            new = plain_or_double(value, flow)
            if node.start == node.end and node.start > 0 and text[node.start - 1] not in " \t":
                new = " " + new  # empty value right after `key:` or properties
        return _Splice(node.start, node.end, new)

    def _replace_block(self, node: Node, value: str, what: str) -> _Splice:
        text = self.file.text
        header = _BLOCK_HEADER.match(text, node.start)
        chomp = header.group(2) if header else "+"
        body = text[node.start : node.end]
        lines = [m for m in re.finditer(r"[^\r\n]*", body)][1:]  # drop the header line
        content = [m for m in lines if m.group().strip(" \t")]
        line = value[:-1] if chomp == "" and value.endswith("\n") else value
        ok = (
            len(content) == 1
            and chomp != "+"
            and (chomp == "-") != value.endswith("\n")
            and plain_text_line(line)
        )
        if not ok:
            raise self.refuse(
                f"{what} is a block scalar ({text[node.start]}); only a one-line value that "
                "keeps its trailing-newline (chomping) can be written into it",
                node,
            )
        m = content[0]
        indent = len(m.group()) - len(m.group().lstrip(" "))
        start = node.start + m.start() + indent
        return _Splice(start, node.start + m.end(), line)

    def splices(self) -> list[_Splice]:
        out = list(self.replacements)
        for ins in self.insertions.values():
            out.append(self._render(ins))
        return out

    def _render(self, ins: _Insertion) -> _Splice:
        text, nl = self.file.text, self.file.newline
        step = self._step(ins.doc)
        if ins.where == "flow":
            assert ins.node is not None
            body = _flow_items(ins.tree)
            if ins.node.items:
                k, v = ins.node.items[-1]
                at = max(k.end, v.end)
                return _Splice(at, at, ", " + body, depth=ins.node.start)
            at = ins.node.end - 1  # before the closing `}`
            return _Splice(at, at, body, depth=ins.node.start)
        if ins.where == "empty-value":
            assert ins.node is not None and ins.key is not None
            if ins.flow:
                lead = "" if text[ins.node.start - 1] in " \t" else " "
                at = ins.node.start
                return _Splice(at, at, lead + "{" + _flow_items(ins.tree) + "}", depth=at)
            lines = _block_lines(ins.tree, self._col(ins.key) + step, step)
            return self._after_line(ins.node.end, lines, nl, ins.node.start)
        if ins.where == "empty-doc":
            lines = _block_lines(ins.tree, 0, step)
            at = ins.doc.end
            if at == 0 or text[at - 1] in "\r\n":
                return _Splice(at, at, "".join(line + nl for line in lines), depth=-1)
            return _Splice(at, at, "".join(nl + line for line in lines), depth=-1)
        assert ins.node is not None
        k, v = ins.node.items[-1]
        lines = _block_lines(ins.tree, self._col(ins.node.items[0][0]), step)
        return self._after_line(max(k.end, v.end), lines, nl, ins.node.start)

    def _after_line(self, pos: int, lines: list[str], nl: str, depth: int) -> _Splice:
        text = self.file.text
        if pos > 0 and text[pos - 1] in "\r\n":  # a block scalar ends at a line start
            return _Splice(pos, pos, "".join(line + nl for line in lines), depth)
        eol = _EOL.search(text, pos)
        at = eol.start() if eol else len(text)
        return _Splice(at, at, "".join(nl + line for line in lines), depth)

    def _col(self, node: Node) -> int:
        """Indentation column of a key; for an explicit `? key` that of the `?`."""
        line_start = self.file.lines.line_start(node.start)
        before = self.file.text[line_start : node.start].rstrip(" ")
        if before.endswith("?"):
            return len(before) - 1
        return node.start - line_start

    def _step(self, doc: YamlDoc) -> int:
        """The document's own indentation step: most common parent->child key offset."""
        if doc.index in self.steps:
            return self.steps[doc.index]
        counts: Counter[int] = Counter()
        todo = [doc.root] if doc.root is not None else []
        while todo:
            node = todo.pop()
            if node.is_alias:
                continue
            todo.extend(node.children)
            for key, value in node.items:
                todo.append(value)
                if (
                    node.style == "block"
                    and value.kind == "mapping"
                    and value.style == "block"
                    and not value.is_alias
                    and value.items
                    and key.line != value.line
                ):
                    diff = self._col(value.items[0][0]) - self._col(key)
                    if diff > 0:
                        counts[diff] += 1
        step = min(counts, key=lambda d: (-counts[d], d)) if counts else 2
        self.steps[doc.index] = step
        return step


def plain_text_line(line: str) -> bool:
    """Whether `line` can be the only content line of a block scalar unchanged."""
    return bool(line) and line.isprintable() and line[0] not in " \t#" and line == line.rstrip()


def _key_is(key: Node, part: str | int) -> bool:
    return key.kind == "scalar" and key.tag != MERGE and key.value == str(part)


def _is_empty(node: Node) -> bool:
    """A value written as nothing at all (`key:`), which we may turn into a mapping."""
    return (
        node.value == ""
        and node.style is None
        and node.anchor is None
        and not node.explicit_tag
        and not node.is_alias
    )


def _block_lines(tree: _Tree, indent: int, step: int) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for key, value in tree.items():
        name = plain_or_double(key, False)
        if isinstance(value, dict):
            lines.append(f"{pad}{name}:")
            lines.extend(_block_lines(value, indent + step, step))
        else:
            lines.append(f"{pad}{name}: {inserted(value, False)}")
    return lines


def _flow_items(tree: _Tree) -> str:
    parts = []
    for key, value in tree.items():
        name = plain_or_double(key, True)
        if isinstance(value, dict):
            parts.append(f"{name}: {{{_flow_items(value)}}}")
        else:
            parts.append(f"{name}: {inserted(value, True)}")
    return ", ".join(parts)


def _splice(text: str, splices: list[_Splice]) -> str:
    out: list[str] = []
    cursor = 0
    order = sorted(splices, key=lambda s: (s.start, s.end, s.depth is not None, -(s.depth or 0)))
    for s in order:
        if s.start < cursor:
            raise AssertionError("overlapping edits")  # planner bug, never user input
        out.append(text[cursor : s.start])
        out.append(s.text)
        cursor = s.end
    out.append(text[cursor:])
    return "".join(out)


def _verify(old: YamlFile, out: bytes, changes: Sequence[ScalarChange]) -> None:
    """Re-read the result: targets read the new strings and nothing else changed."""
    try:
        new = parse(out, old.path)
    except InputError as exc:
        raise EditError(
            old.path, f"edit would produce invalid YAML ({exc.message}); file left unchanged"
        ) from None
    if len(new.documents) != len(old.documents):
        raise EditError(old.path, "edit would change the number of documents; file left unchanged")
    for doc_old, doc_new in zip(old.documents, new.documents, strict=True):
        expected = copy.deepcopy(doc_old.data)
        mine = [c for c in changes if c.doc == doc_old.index]
        for change in mine:
            for p in (tuple(change.path), *change.also):
                expected = _set(expected, tuple(p), change.value)
        for change in mine:
            for p in (tuple(change.path), *change.also):
                node = doc_new.find(tuple(p))
                got = None if node is None else node.python()
                if got != change.value or not isinstance(got, str):
                    raise EditError(
                        old.path,
                        f"{_dotted(tuple(p))} would read {got!r}, not "
                        f"{change.value!r}; file left unchanged",
                    )
        if not _same(expected, doc_new.data):
            raise EditError(
                old.path,
                f"edit would change other data in document {doc_old.index}; file left unchanged",
            )


def _set(data: Any, path: Path, value: str) -> Any:
    if not path:
        return value
    if data is None:
        data = {}
    part, rest = path[0], path[1:]
    if isinstance(data, list) and isinstance(part, int):
        data[part] = _set(data[part], rest, value)
    elif isinstance(data, dict):
        key = part if part in data else str(part)
        data[key] = _set(data.get(key), rest, value)
    return data


def _same(a: Any, b: Any) -> bool:
    """Equality that tells 1 from True and 1.0, and lets NaN equal NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)
