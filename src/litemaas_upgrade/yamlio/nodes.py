"""Node wrappers over the composed YAML tree, and their conversion to plain Python."""

from __future__ import annotations

from litemaas_upgrade.errors import InputError

from .implicit import MERGE
from .implicit import PREFIX as TAG_PREFIX
from .text import LineIndex

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

Path = tuple[str | int, ...]

# Nesting and alias expansion are bounded so hostile input fails fast instead of
# exhausting the stack or memory.
MAX_DEPTH = 256
MAX_ALIAS_NODES = 100_000


class Node:
    """One occurrence of a YAML node, with its exact source span in YamlFile.text.

    Span conventions: `start` is where the content begins, after any `&anchor`/`!tag`
    properties; a block collection ends with its last entry; a block scalar's span runs
    from its `|`/`>` header through its trailing line breaks; an absent value (`key:`) is
    an empty span just after the `:`.  An alias occurrence (`is_alias`) has the alias's
    span, `anchor` set to the name it refers to, `target` set to the anchored node, and
    mirrors the target's kind, tag, value, items and children.
    """

    __slots__ = (
        "kind",
        "tag",
        "value",
        "style",
        "start",
        "end",
        "anchor",
        "is_alias",
        "items",
        "children",
        "target",
        "explicit_tag",
        "_ctx",
    )

    def __init__(
        self,
        ctx: DocContext,
        kind: str,
        tag: str,
        start: int,
        end: int,
        *,
        value: str = "",
        style: str | None = None,
        anchor: str | None = None,
        explicit_tag: bool = False,
    ) -> None:
        self.kind = kind
        self.tag = tag
        self.value = value
        self.style = style
        self.start = start
        self.end = end
        self.anchor = anchor
        self.is_alias = False
        self.items: list[tuple[Node, Node]] = []
        self.children: list[Node] = []
        # For an alias occurrence: the anchored node it stands for.
        self.target: Node | None = None
        self.explicit_tag = explicit_tag
        self._ctx = ctx

    @classmethod
    def alias(cls, ctx: DocContext, target: Node, name: str, start: int, end: int) -> Node:
        # An alias mirrors its target's content so readers can treat it transparently.
        node = cls(ctx, target.kind, target.tag, start, end, value=target.value, anchor=name)
        node.style = target.style
        node.is_alias = True
        node.items = target.items
        node.children = target.children
        node.target = target
        return node

    @property
    def line(self) -> int:
        return self._ctx.lines.locate(self.start)[0]

    @property
    def col(self) -> int:
        return self._ctx.lines.locate(self.start)[1]

    def __repr__(self) -> str:
        what = self.value if self.kind == "scalar" else self.kind
        alias = "*" if self.is_alias else ""
        return f"<Node {alias}{what!r} {self.tag} at {self.line}:{self.col}>"

    def resolved(self) -> Node:
        return self.target if self.target is not None else self

    def own_key(self, key: str | int) -> tuple[Node, Node] | None:
        """Last (key, value) pair of this mapping whose scalar key reads as `key`."""
        want = str(key)
        for pair in reversed(self.items):
            k = pair[0]
            if k.kind == "scalar" and k.tag != MERGE and k.value == want:
                return pair
        return None

    def merge_sources(self) -> list[Node]:
        """Mappings merged in by `<<` keys, highest precedence first."""
        sources: list[Node] = []
        for key, value in self.items:
            if key.kind == "scalar" and key.tag == MERGE:
                if value.kind == "sequence":
                    sources.extend(c for c in value.children if c.kind == "mapping")
                elif value.kind == "mapping":
                    sources.append(value)
        return sources

    def get(self, key: str) -> Node | None:
        """Value node for `key`; own keys win over `<<` merged ones, last duplicate wins."""
        if self.kind != "mapping":
            return None
        seen: set[int] = set()
        todo = [self.resolved()]
        while todo:
            mapping = todo.pop(0)
            if id(mapping) in seen:
                continue
            seen.add(id(mapping))
            pair = mapping.own_key(key)
            if pair is not None:
                return pair[1]
            todo[0:0] = [s.resolved() for s in mapping.merge_sources()]
        return None

    def python(self) -> Any:
        return Converter(self._ctx).convert(self, 0, None)


class DocContext:
    """What the nodes of one document share: the file, its line index, YAML version."""

    __slots__ = ("path", "lines", "version")

    def __init__(self, path: str, lines: LineIndex, version: tuple[int, int]) -> None:
        self.path = path
        self.lines = lines
        self.version = version


class Converter:
    """Node -> plain Python, resolving merges and expanding aliases within a budget."""

    def __init__(self, ctx: DocContext) -> None:
        self.ctx = ctx
        self.alias_nodes = 0

    def _fail(self, node: Node, message: str) -> InputError:
        line, col = self.ctx.lines.locate(node.start)
        return InputError(self.ctx.path, message, line, col)

    def convert(self, node: Node, depth: int, via: Node | None) -> Any:
        """`via` is the outermost alias being expanded, if any (reported on overflow)."""
        if depth > MAX_DEPTH:
            raise self._fail(node, f"nesting deeper than {MAX_DEPTH} levels")
        if node.target is not None:
            via = via or node
            node = node.target
        if via is not None:
            self.alias_nodes += 1
            if self.alias_nodes > MAX_ALIAS_NODES:
                raise self._fail(
                    via,
                    f"too many alias expansions (over {MAX_ALIAS_NODES} nodes reached "
                    "through aliases)",
                )
        if node.kind == "scalar":
            return scalar_value(node, self.ctx.version, self._fail)
        if node.kind == "sequence":
            return [self.convert(c, depth + 1, via) for c in node.children]
        result: dict[Any, Any] = {}
        own: set[Any] = set()
        merged: list[dict[Any, Any]] = []
        for key, value in node.items:
            if key.kind == "scalar" and key.tag == MERGE and key.target is None:
                merged.append(self._merged(value, depth, via))
                continue
            if key.resolved().kind != "scalar":
                raise self._fail(key, "complex (non-scalar) mapping keys are not supported")
            k = self.convert(key, depth + 1, via)
            result.pop(k, None)  # last duplicate wins, at its own position
            result[k] = self.convert(value, depth + 1, via)
            own.add(k)
        for extra in merged:
            for k, v in extra.items():
                if k not in own and k not in result:
                    result[k] = v
        return result

    def _merged(self, value: Node, depth: int, via: Node | None) -> dict[Any, Any]:
        target = value.resolved()
        if target.kind == "mapping":
            sources = [value]
        elif target.kind == "sequence":
            sources = list(target.children)
        else:
            raise self._fail(value, "merge key `<<` needs a mapping or a list of mappings")
        out: dict[Any, Any] = {}
        for src in sources:  # earlier sources take precedence
            data = self.convert(src, depth + 1, via)
            if not isinstance(data, dict):
                raise self._fail(src, "merge key `<<` needs a mapping or a list of mappings")
            for k, v in data.items():
                out.setdefault(k, v)
        return out


_TRUE = {"true", "yes", "on", "y"}


def scalar_value(node: Node, version: tuple[int, int], fail: Any) -> Any:
    """Plain value of a scalar from its resolved tag, matching ruamel's round-trip loader.

    Timestamps, binary and unknown tags stay strings: Helm (sigs.k8s.io/yaml) reads them
    as strings too.
    """
    tag, text = node.tag, node.value
    try:
        if tag == TAG_PREFIX + "null":
            return None
        if tag == TAG_PREFIX + "bool":
            return text.lower() in _TRUE
        if tag == TAG_PREFIX + "int":
            return _to_int(text, version)
        if tag == TAG_PREFIX + "float":
            return _to_float(text, version)
    except ValueError:
        raise fail(node, f"{text!r} is not a valid {tag.rsplit(':', 1)[-1]}") from None
    return text


def _sexagesimal(text: str) -> float:
    total = 0.0
    for part in text.split(":"):
        total = total * 60 + float(part)
    return total


def _to_int(text: str, version: tuple[int, int]) -> int:
    t = text.replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    low = t.lower()
    if low.startswith("0x"):
        return sign * int(t[2:], 16)
    if low.startswith("0o"):
        return sign * int(t[2:], 8)
    if low.startswith("0b"):
        return sign * int(t[2:], 2)
    if version == (1, 1):
        if ":" in t:
            return sign * int(_sexagesimal(t))
        if len(t) > 1 and t.startswith("0"):
            return sign * int(t, 8)
    return sign * int(t, 10)


def _to_float(text: str, version: tuple[int, int]) -> float:
    t = text.replace("_", "")
    low = t.lower()
    sign = -1.0 if low.startswith("-") else 1.0
    bare = low.lstrip("+-")
    if bare == ".inf":
        return sign * float("inf")
    if bare == ".nan":
        return float("nan")
    if version == (1, 1) and ":" in bare:
        return sign * _sexagesimal(bare)
    return float(t)
