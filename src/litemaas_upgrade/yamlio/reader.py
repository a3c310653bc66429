"""Parse YAML bytes into documents of positioned nodes (no re-serialisation ever)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from litemaas_upgrade.errors import InputError

from ..lazypattern import lazy
from . import implicit
from .nodes import MAX_DEPTH, DocContext, Node, Path
from .text import LineIndex, decode

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

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
        original = self.text
        try:
            for _ in range(_TAB_REPAIRS):
                try:
                    if not _libyaml_events(self):
                        _ruamel_compose(self)
                    break
                except InputError as exc:
                    at = _separating_tab(self, exc)
                    if at is None:
                        raise
                    # `key:<TAB>"value"`: a tab is separation there (YAML 1.2), which the
                    # scanners refuse. Read it as a space: same length, so every offset and
                    # span stays right for the text as it is (self.text is put back).
                    self.text = self.text[:at] + " " + self.text[at + 1 :]
                    self.documents = []
        finally:
            self.text = original
        return self

    def _problem(self, exc: Any) -> str:
        """The message of one of ruamel's MarkedYAMLErrors."""
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


_TAB_REPAIRS = 64  # separating tabs read as spaces, at most, before the error stands


def _separating_tab(file: YamlFile, exc: InputError) -> int | None:
    """The offset of the tab a scanner refused, when it separates a key's `:` or a
    list's `-` from what follows on its line (not indentation, which YAML forbids)."""
    if "'\\t' that cannot start any token" not in exc.message or not exc.line:
        return None
    at = file.lines.starts[exc.line - 1] + exc.col - 1
    text = file.text
    if not 0 <= at < len(text) or text[at] != "\t":
        return None
    before = text[file.lines.starts[exc.line - 1] : at].rstrip(" \t")
    return at if before.endswith((":", "-")) and before.strip(" -") else None


def _ruamel_compose(file: YamlFile) -> None:
    """Fill `file.documents` with ruamel's round-trip parser (and its resolver); every
    error becomes an InputError. ruamel is imported here only: reading through libyaml
    never loads it (start-up time of a pre-commit hook)."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        _Composer(file).run()
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise file.error(file._problem(exc), mark.index if mark else None) from None
    except ReaderError as exc:
        raise file.error(
            f"character {exc.character:#x} is not allowed in YAML", exc.position
        ) from None
    except YAMLError as exc:
        raise file.error(str(exc).strip().splitlines()[0], None) from None
    except RecursionError:
        raise file.error("YAML is nested too deeply", None) from None
    except (AssertionError, TypeError) as exc:
        # ruamel asserts on a `%YAML` version it does not know (1.3, 2.0, ...).
        raise file.error(f"unsupported YAML ({exc})", None) from None
    if not file.documents:
        # An empty or comments-only stream still has a place for content.
        file.documents.append(YamlDoc(0, None, 0, len(file.text)))


_LINE = lazy(r"[^\r\n\x85\u2028\u2029]+")


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


# Event kinds, the same for ruamel's and PyYAML's event classes (which share their names).
_DOC_START, _DOC_END, _SCALAR, _ALIAS, _MAP_START, _SEQ_START, _END, _OTHER = range(8)
_KIND_OF_NAME = {
    "DocumentStartEvent": _DOC_START,
    "DocumentEndEvent": _DOC_END,
    "ScalarEvent": _SCALAR,
    "AliasEvent": _ALIAS,
    "MappingStartEvent": _MAP_START,
    "SequenceStartEvent": _SEQ_START,
    "MappingEndEvent": _END,
    "SequenceEndEvent": _END,
    "StreamStartEvent": _OTHER,
    "StreamEndEvent": _OTHER,
}


def _event_kinds(module: Any) -> dict[type, int]:
    return {getattr(module, name): kind for name, kind in _KIND_OF_NAME.items()}


# libyaml (PyYAML's C event parser), loaded on first use: (CParser, YAMLError, kinds), or
# False when PyYAML or its libyaml binding is missing. LITEMAAS_UPGRADE_LIBYAML=0 turns
# it off (ruamel's pure-Python parser is then used for everything, as before).
_libyaml: Any = None


def _load_libyaml() -> Any:
    global _libyaml
    if _libyaml is None:
        _libyaml = False
        if os.environ.get("LITEMAAS_UPGRADE_LIBYAML", "1") != "0":
            from .pyyaml_import import seed_reader_pattern

            seed_reader_pattern()  # (start-up: see pyyaml_import.py)
            try:
                import yaml
                from yaml import events as yaml_events
                from yaml._yaml import CParser
            except ImportError:
                pass
            else:
                if getattr(yaml, "__with_libyaml__", False):
                    _libyaml = (CParser, yaml.YAMLError, _event_kinds(yaml_events))
    return _libyaml


# Text that libyaml reads differently: NEL, LS and PS are line breaks to libyaml (YAML
# 1.1) but not to ruamel (1.2); a BOM left at the start (a second one) is skipped by
# libyaml without being counted in its marks. Tabs, too (checked apart): libyaml takes
# them as blanks where ruamel's scanner refuses them (`key:<tab>value`, a trailing tab).
_LIBYAML_DIFFERS = lazy(r"[\x85\u2028\u2029]|\A\ufeff")


def _libyaml_events(file: YamlFile) -> bool:
    """Fill `file.documents` from libyaml's events; False when libyaml is unavailable,
    the text is one that it reads differently, or it reports an error: ruamel must parse.

    libyaml's marks count characters of the text it is given, as ruamel's do, so node
    spans are the same. On any error the documents are discarded and ruamel parses the
    file again, so error messages and positions are exactly ruamel's.
    """
    text = file.text
    lib = _load_libyaml()
    if not lib or "\t" in text or not text.isascii() and _LIBYAML_DIFFERS.search(text):
        return False
    cparser, yaml_error, kinds = lib
    try:
        _Composer(file, iter(cparser(file.text).get_event, None), kinds).run()
    except (yaml_error, InputError, RecursionError):
        file.documents.clear()
        return False
    if not file.documents:
        file.documents.append(YamlDoc(0, None, 0, len(file.text)))
    return True


# Per YAML version: plain scalar value -> its implicit tag. Bounded, as values are
# arbitrary.
_RESOLVED: dict[tuple[int, int], dict[str, str]] = {(1, 1): {}, (1, 2): {}}
_RESOLVED_MAX = 20_000
_DEFAULT_TAG = {"scalar": implicit.STR, "mapping": implicit.MAP, "sequence": implicit.SEQ}


class _Composer:
    """Builds Node trees from parser events, iteratively (no recursion limit).

    The events come from ruamel's round-trip parser (`events` None), whose tags its own
    resolver gives (it follows the `%YAML` version that its scanner saw), or from
    libyaml, whose tags `implicit.plain_tag` gives (the same rules).
    """

    def __init__(
        self,
        file: YamlFile,
        events: Iterator[Any] | None = None,
        kinds: dict[type, int] | None = None,
    ) -> None:
        self.file = file
        self.resolver: Any = None
        self.stream_version: tuple[int, int] | None = None
        # The version whose rules resolve tags (libyaml's events).
        self.version = (1, 2)
        if events is None:
            from ruamel.yaml import YAML, nodes
            from ruamel.yaml import events as ruamel_events

            yaml = YAML(typ="rt")
            self.resolver = yaml.resolver
            self.node_classes = {
                "scalar": nodes.ScalarNode,
                "mapping": nodes.MappingNode,
                "sequence": nodes.SequenceNode,
            }
            self.events: Iterator[Any] = yaml.parse(file.text)
            self.kinds = _event_kinds(ruamel_events)
            self.tag_attr = "ctag"
            self.libyaml = False
        else:
            self.events = events
            self.kinds = kinds or {}
            self.tag_attr = "tag"
            self.libyaml = True

    def run(self) -> None:
        text = self.file.text
        kinds = self.kinds
        stack: list[Node] = []
        pending: list[Node | None] = []  # per open mapping: key waiting for its value
        anchors: dict[str, Node] = {}
        open_anchors: set[str] = set()
        doc: YamlDoc | None = None
        ctx: DocContext | None = None
        for event in self.events:
            node: Node | None = None
            kind = kinds[type(event)]
            if kind == _DOC_START:
                if self.libyaml:
                    # Like ruamel's scanner, a `%YAML` directive holds for later documents.
                    if event.version is not None:
                        self.stream_version = tuple(event.version)
                    version = self.stream_version or (1, 2)
                    if version in _RESOLVED:
                        self.version = version
                else:
                    version = self._version()
                if version not in ((1, 1), (1, 2)):
                    raise self.file.error(
                        f"unsupported YAML version {version[0]}.{version[1]} (1.1 and 1.2 are)",
                        event.start_mark.index,
                    )
                ctx = DocContext(self.file.path, self.file.lines, self._version())
                doc = YamlDoc(len(self.file.documents), None, event.end_mark.index, len(text))
                anchors, open_anchors = {}, set()
                continue
            if kind == _DOC_END:
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
            if kind == _SCALAR:
                node = self._scalar(ctx, event)
            elif kind == _ALIAS:
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
            elif kind == _MAP_START or kind == _SEQ_START:
                if len(stack) >= MAX_DEPTH:
                    raise self.file.error(
                        f"nesting deeper than {MAX_DEPTH} levels", event.start_mark.index
                    )
                stack.append(self._collection(ctx, event, kind == _MAP_START))
                pending.append(None)
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
                continue
            elif kind == _END:
                node = stack.pop()
                pending.pop()
                if node.style == "flow":
                    node.end = event.end_mark.index
                    if self.libyaml and node.items and stack and stack[-1].style == "flow":
                        _check_pair_colons(self.file, node)
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
        if self.libyaml:
            return self.version
        version = self.resolver.processing_version
        if isinstance(version, str):
            major, minor = version.split(".")
            return int(major), int(minor)
        return int(version[0]), int(version[1])

    def _tag(self, kind: str, event: Any, value: str | None) -> tuple[str, bool]:
        tag = getattr(event, self.tag_attr)
        if tag is None or str(tag) == "!":
            flags = getattr(event, "implicit", (True, False))
            if self.libyaml:
                if kind != "scalar" or not flags[0]:
                    return _DEFAULT_TAG[kind], False
                return _plain_tag(value or "", self.version), False
            node_class = self.node_classes[kind]
            try:
                return str(self.resolver.resolve(node_class, value, flags)), False
            except KeyError:
                # ruamel's resolver knows YAML 1.1 and 1.2 only; a `%YAML 9.9` seen by
                # the scanner's lookahead switches it to a version it has no rules for.
                raise self.file.error(
                    "unsupported %YAML version (1.1 and 1.2 are)", event.start_mark.index
                ) from None
        return str(tag), True

    def _scalar(self, ctx: DocContext, event: Any) -> Node:
        text = self.file.text
        start, end = event.start_mark.index, event.end_mark.index
        style = event.style or None
        if event.anchor is not None or getattr(event, self.tag_attr) is not None:
            if event.value == "" and style is None:
                start = end  # properties only: the (empty) content sits after them
            else:
                start = _skip_properties(text, start, end)
        value = event.value
        if style == ">":
            # ruamel's round-trip scanner marks each folded line break with BEL so that
            # it can re-dump the scalar; we never re-dump, and the value has none.
            value = value.replace("\a", "")
        tag, explicit = self._tag("scalar", event, value)
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

    def _collection(self, ctx: DocContext, event: Any, is_map: bool) -> Node:
        start = event.start_mark.index
        if event.anchor is not None or getattr(event, self.tag_attr) is not None:
            start = _skip_properties(self.file.text, start, len(self.file.text))
        tag, explicit = self._tag("mapping" if is_map else "sequence", event, None)
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


def _plain_tag(value: str, version: tuple[int, int]) -> str:
    memo = _RESOLVED[version]
    tag = memo.get(value)
    if tag is None:
        if len(memo) >= _RESOLVED_MAX:
            memo.clear()
        tag = memo[value] = implicit.plain_tag(value, version)
    return tag


def _check_pair_colons(file: YamlFile, pairs: Node) -> None:
    """Refuse what libyaml reads but ruamel does not: a single-pair mapping in a flow
    sequence whose `:` is followed by neither a blank nor a line break (`['k':v]`).

    Raising makes the file go to ruamel, which reports it as it always did (`{'k':v}` in
    a sequence is fine to ruamel too: it is only parsed twice).
    """
    text = file.text
    for key, _ in pairs.items:
        pos = _skip_properties(text, key.end, len(text))
        if text.startswith(":", pos) and text[pos + 1 : pos + 2] not in ("", " ", "\t", "\r", "\n"):
            raise file.error("':' needs a blank after it in a flow sequence", pos)


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
