"""Parse YAML bytes into documents of positioned nodes (no re-serialisation ever)."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from litemaas_upgrade.errors import InputError

from .nodes import MAX_DEPTH, DocContext, Node, Path
from .text import LineIndex, decode

_UNSET: Any = object()


class YamlDoc:
    """One document of a YAML stream."""

    def __init__(self, index: int, root: Node | None, start: int, end: int) -> None:
        self.index = index
        self.root = root
        self.duplicates: list[tuple[Path, Node]] = []
        # Where the document's content may go: after `---` (or stream start), before the
        # document end (`...`, the next `---`, or end of text).
        self.start = start
        self.end = end
        # id(anchored node) -> alias occurrences pointing at it.
        self.references: dict[int, list[Node]] = {}
        self._data: Any = _UNSET

    @property
    def data(self) -> Any:
        """Plain Python for the document (merges resolved, aliases expanded), cached."""
        if self._data is _UNSET:
            self._data = None if self.root is None else self.root.python()
        return self._data

    def find(self, path: Path) -> Node | None:
        """Value node at `path`, looking through aliases and `<<` merges; None if absent."""
        node = self.root
        for part in path:
            if node is None:
                return None
            if node.kind == "mapping":
                node = node.get(str(part))
            elif node.kind == "sequence" and isinstance(part, int):
                children = node.children
                node = children[part] if 0 <= part < len(children) else None
            else:
                return None
        return node


class YamlFile:
    """A decoded YAML file and its documents."""

    def __init__(self, path: str, text: str, encoding: str, newline: str) -> None:
        self.path = path
        self.text = text
        self.encoding = encoding
        self.newline = newline
        self.lines = LineIndex(text)
        self.documents: list[YamlDoc] = []

    @classmethod
    def parse(cls, data: bytes, path: str) -> YamlFile:
        decoded = decode(data, path)
        self = cls(path, decoded.text, decoded.encoding, decoded.newline)
        _check_flow_depth(self)
        try:
            _Composer(self).run()
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise self.error(self._problem(exc), mark.index if mark else None) from None
        except ReaderError as exc:
            raise self.error(
                f"character {exc.character:#x} is not allowed in YAML", exc.position
            ) from None
        except YAMLError as exc:
            raise self.error(str(exc).strip().splitlines()[0], None) from None
        except RecursionError:
            raise self.error("YAML is nested too deeply", None) from None
        if not self.documents:
            # An empty or comments-only stream still has a place for content.
            self.documents.append(YamlDoc(0, None, 0, len(self.text)))
        return self

    def _problem(self, exc: MarkedYAMLError) -> str:
        context = exc.context or ""
        where, at = exc.context_mark, exc.problem_mark
        if context and where is not None and at is not None and where.index != at.index:
            line, col = self.lines.locate(where.index)
            context += f" (started at {line}:{col})"
        return ": ".join(p for p in (context, exc.problem) if p) or "invalid YAML"

    def error(self, message: str, offset: int | None) -> InputError:
        if offset is None:
            return InputError(self.path, message)
        line, col = self.lines.locate(min(offset, len(self.text)))
        return InputError(self.path, message, line, col)


_LINE = re.compile(r"[^\r\n\x85\u2028\u2029]+")


def _check_flow_depth(file: YamlFile) -> None:
    """Refuse a line that opens more flow collections than MAX_DEPTH, before ruamel sees it.

    ruamel's scanner looks up to 1024 characters ahead on a line and revisits every open
    flow level at each token, so a line of a few thousand `[` costs over a second before
    the composer's own depth limit is reached. Brackets are counted naively (a `#` after a
    blank ends the line); quoted text is not skipped, so the message says what was counted.
    """
    text = file.text
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    for m in _LINE.finditer(text):
        line = m.group()
        if line.count("[") + line.count("{") <= MAX_DEPTH:
            continue
        depth = 0
        for i, ch in enumerate(line):
            if ch in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    raise file.error(
                        f"nesting deeper than {MAX_DEPTH} levels (more than {MAX_DEPTH} "
                        "unclosed brackets on one line)",
                        m.start() + i,
                    )
            elif ch in "]}":
                depth = max(0, depth - 1)
            elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
                break


def _skip_properties(text: str, pos: int, limit: int) -> int:
    """Offset of a node's content after its `&anchor` / `!tag` properties."""
    while pos < limit:
        ch = text[pos]
        if ch in " \t\r\n":
            pos += 1
        elif ch == "#":
            while pos < limit and text[pos] not in "\r\n":
                pos += 1
        elif text.startswith("!<", pos):
            close = text.find(">", pos)
            pos = limit if close < 0 else close + 1
        elif ch in "&!":
            while pos < limit and text[pos] not in " \t\r\n,[]{}":
                pos += 1
        else:
            break
    return pos


class _Composer:
    """Builds Node trees from ruamel parser events, iteratively (no recursion limit)."""

    def __init__(self, file: YamlFile) -> None:
        self.file = file
        self.yaml = YAML(typ="rt")
        self.resolver = self.yaml.resolver

    def run(self) -> None:
        text = self.file.text
        stack: list[Node] = []
        pending: list[Node | None] = []  # per open mapping: key waiting for its value
        anchors: dict[str, Node] = {}
        open_anchors: set[str] = set()
        doc: YamlDoc | None = None
        ctx: DocContext | None = None
        for event in self.yaml.parse(text):
            node: Node | None = None
            if isinstance(event, DocumentStartEvent):
                ctx = DocContext(self.file.path, self.file.lines, self._version())
                doc = YamlDoc(len(self.file.documents), None, event.end_mark.index, len(text))
                anchors, open_anchors = {}, set()
                continue
            if isinstance(event, DocumentEndEvent):
                assert doc is not None
                doc.end = event.start_mark.index
                root = doc.root
                if (
                    root is not None
                    and root.kind == "scalar"
                    and root.start == root.end
                    and root.anchor is None
                    and not root.explicit_tag
                ):
                    doc.root = None  # nothing but comments / `---`: an empty document
                _find_duplicates(doc)
                self.file.documents.append(doc)
                continue
            if ctx is None or doc is None:
                continue  # stream start / end
            if isinstance(event, ScalarEvent):
                node = self._scalar(ctx, event)
            elif isinstance(event, AliasEvent):
                name = event.anchor
                if name in open_anchors:
                    raise self.file.error(
                        f"alias *{name} refers to a node that contains it (recursive)",
                        event.start_mark.index,
                    )
                if name not in anchors:
                    raise self.file.error(f"found undefined alias *{name}", event.start_mark.index)
                target = anchors[name]
                node = Node.alias(ctx, target, name, event.start_mark.index, event.end_mark.index)
                doc.references.setdefault(id(target), []).append(node)
            elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise self.file.error(
                        f"nesting deeper than {MAX_DEPTH} levels", event.start_mark.index
                    )
                stack.append(self._collection(ctx, event))
                pending.append(None)
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
                continue
            elif isinstance(event, CollectionEndEvent):
                node = stack.pop()
                pending.pop()
                if node.style == "flow":
                    node.end = event.end_mark.index
                elif node.items:
                    node.end = max(node.items[-1][0].end, node.items[-1][1].end)
                elif node.children:
                    node.end = node.children[-1].end
                if node.anchor is not None:
                    open_anchors.discard(node.anchor)
            if node is None:
                continue
            if node.anchor is not None and not node.is_alias:
                anchors[node.anchor] = node
            if not stack:
                doc.root = node
            elif stack[-1].kind == "mapping":
                key = pending[-1]
                if key is None:
                    pending[-1] = node
                else:
                    if node.kind == "scalar" and node.start == node.end and node.anchor is None:
                        _place_empty_value(text, key, node)
                    stack[-1].items.append((key, node))
                    pending[-1] = None
            else:
                stack[-1].children.append(node)

    def _version(self) -> tuple[int, int]:
        version = self.resolver.processing_version
        if isinstance(version, str):
            major, minor = version.split(".")
            return int(major), int(minor)
        return int(version[0]), int(version[1])

    def _tag(self, kind: Any, event: Any, value: str | None) -> tuple[str, bool]:
        tag = event.ctag
        if tag is None or str(tag) == "!":
            implicit = getattr(event, "implicit", (True, False))
            return str(self.resolver.resolve(kind, value, implicit)), False
        return str(tag), True

    def _scalar(self, ctx: DocContext, event: Any) -> Node:
        text = self.file.text
        start, end = event.start_mark.index, event.end_mark.index
        style = event.style or None
        if event.anchor is not None or event.ctag is not None:
            if event.value == "" and style is None:
                start = end  # properties only: the (empty) content sits after them
            else:
                start = _skip_properties(text, start, end)
        value = event.value
        if style == ">":
            # ruamel's round-trip scanner marks each folded line break with BEL so that
            # it can re-dump the scalar; we never re-dump, and the value has none.
            value = value.replace("\a", "")
        tag, explicit = self._tag(ScalarNode, event, value)
        return Node(
            ctx,
            "scalar",
            tag,
            start,
            end,
            value=value,
            style=style,
            anchor=event.anchor,
            explicit_tag=explicit,
        )

    def _collection(self, ctx: DocContext, event: Any) -> Node:
        is_map = isinstance(event, MappingStartEvent)
        start = event.start_mark.index
        if event.anchor is not None or event.ctag is not None:
            start = _skip_properties(self.file.text, start, len(self.file.text))
        tag, explicit = self._tag(MappingNode if is_map else SequenceNode, event, None)
        return Node(
            ctx,
            "mapping" if is_map else "sequence",
            tag,
            start,
            start,
            style="flow" if event.flow_style else "block",
            anchor=event.anchor,
            explicit_tag=explicit,
        )


def _place_empty_value(text: str, key: Node, value: Node) -> None:
    """Put an absent value (`key:`) right after its `:`.

    ruamel marks it at the next token, which may be on a later line.
    """
    pos = _skip_properties(text, key.end, len(text))  # skips blanks and comments
    if text.startswith(":", pos):
        value.start = value.end = pos + 1
    else:
        value.start = value.end = key.end


def _find_duplicates(doc: YamlDoc) -> None:
    """Record repeated scalar keys per mapping, walking the tree (aliases not followed)."""
    if doc.root is None:
        return
    todo: list[tuple[Path, Node]] = [((), doc.root)]
    while todo:
        path, node = todo.pop()
        if node.is_alias:
            continue
        if node.kind == "sequence":
            todo.extend(((*path, i), c) for i, c in enumerate(node.children))
        elif node.kind == "mapping":
            seen: set[str] = set()
            for key, value in node.items:
                if key.kind == "scalar" and not key.is_alias:
                    if key.value in seen:
                        doc.duplicates.append(((*path, key.value), key))
                    seen.add(key.value)
                    todo.append(((*path, key.value), value))
    doc.duplicates.sort(key=lambda d: d[1].start)
