"""A Helm release's values layers, in Helm's precedence order: each source of values (a
chart's defaults, a whole file, a mapping inside a GitOps object, a YAML document inside a
block string, `--set`-style parameters), where its nodes are, and the change that sets a
value in it."""

from __future__ import annotations

from ...errors import InputError
from ...model import Change, Site, YamlPath, format_path
from ...records import field, record
from ...yamlio import YamlDoc
from ...yamlio.nodes import Node
from ..base import ScanContext

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ...source import Source
    from ...yamlio.blockdoc import Embedded


@record(slots=True)
class Layer:
    """One source of values, in Helm precedence order (defaults first)."""

    kind: str  # "default" | "file" | "object" | "string" | "parameters"
    label: str  # for `formed`: "valuesObject", "-f envs/prod.yaml", ...
    file: str  # relative to the source root ("" for catalog defaults)
    doc: int  # document index in `file`
    ydoc: YamlDoc | None  # where nodes are looked up (the inner document for strings)
    base: YamlPath  # path of the values mapping in `ydoc`
    data: Any
    at: YamlPath = ()  # strings: the block scalar; parameters: the list (in the outer doc)
    embedded: Embedded | None = None
    params: dict[str, int] = field(default_factory=dict)  # parameter name -> list index
    param_nodes: dict[str, Node] = field(default_factory=dict)
    site_hint: Site | None = None  # catalog defaults: where the chart reference is written
    # A subchart's defaults: its values sit under this key in the release's values.
    prefix: YamlPath = ()
    # For a layer that is a whole document of `file`: the view to read it from again
    # once the release is resolved and `ydoc` is let go (see Release.detach).
    reread: Source | None = None

    @property
    def has_nodes(self) -> bool:
        return self.ydoc is not None or self.reread is not None

    def current(self) -> Any:
        """The layer's values: `data`, or read again once the release let go of it."""
        if self.data is None and self.ydoc is None and self.reread is not None:
            doc = self.document()
            return doc.data if doc is not None else None
        return self.data

    def document(self) -> YamlDoc | None:
        if self.ydoc is None and self.reread is not None:
            docs = self.reread.yaml(self.file).documents
            return docs[self.doc] if self.doc < len(docs) else None
        return self.ydoc

    def node(self, path: YamlPath) -> Node | None:
        if self.kind == "parameters":
            return self.param_nodes.get(format_path(path))
        ydoc = self.document()
        if ydoc is None:
            return None
        if self.prefix:
            if path[: len(self.prefix)] != self.prefix:
                return None
            path = path[len(self.prefix) :]
        return ydoc.find(self.base + path)

    def where(self, path: YamlPath) -> YamlPath:
        """The path in this layer's file of a release values path."""
        return self.base + path[len(self.prefix) :]

    def values(self) -> Any:
        """The layer's data as it sits in the release's values."""
        data = self.current()
        for key in reversed(self.prefix):
            data = {key: data}
        return data

    def position(self, node: Node) -> tuple[int, int]:
        if self.embedded is not None:
            return self.embedded.where(node)
        return node.line, node.col

    def change(self, path: YamlPath, value: str, component: str, reason: str) -> Change:
        if self.kind == "string":
            from ...yamlio import ScalarChange
            from ...yamlio.embedded import EmbeddedChange

            inner = ScalarChange(0, path, value)
            edit = EmbeddedChange(self.doc, self.at, (inner,))
            return Change(self.file, self.doc, self.at + path, value, component, reason, edit=edit)
        if self.kind == "parameters":
            name = format_path(path)
            index = self.params.get(name)
            if index is not None:
                return Change(
                    self.file, self.doc, self.at + (index, "value"), value, component, reason
                )
            from ...yamlio.embedded import SequenceAppend

            append = SequenceAppend(self.doc, self.at, (("name", name), ("value", value)))
            return Change(
                self.file, self.doc, self.at + (name,), value, component, reason, edit=append
            )
        return Change(self.file, self.doc, self.where(path), value, component, reason)


def file_layer(ctx: ScanContext, rel: str, label: str, kind: str = "file") -> Layer:
    if kind == "default" and not ctx.source.exists(rel):
        return Layer(kind, label, rel, 0, None, (), None)  # a chart without a values.yaml
    docs = ctx.source.yaml(rel).documents
    doc = docs[0] if docs else None
    if doc is None:
        return Layer(kind, label, rel, 0, None, (), None)
    return Layer(kind, label, rel, 0, doc, (), doc.data, reread=ctx.source)


def object_layer(rel: str, doc: YamlDoc, base: YamlPath, label: str) -> Layer:
    node = doc.find(base)
    data = node.python() if node is not None else None
    return Layer("object", label, rel, doc.index, doc, base, data)


def string_layer(
    ctx: ScanContext, rel: str, doc: YamlDoc, at: YamlPath, label: str
) -> Layer | None:
    """Values written as a YAML document inside a block string; None if not one."""
    from ...yamlio.blockdoc import embedded_document  # GitOps values strings only

    emb = embedded_document(ctx.source.yaml(rel), doc, at)
    node = doc.find(at)
    if emb is None:
        if node is not None and node.kind == "scalar" and node.value.strip():
            # A quoted or folded string: read it, edits will be refused with a reason.
            from ...yamlio import YamlFile

            inner = YamlFile.parse(node.value.encode("utf-8"), f"{ctx.source.display(rel)}")
            idoc = inner.documents[0] if inner.documents else None
            data = idoc.data if idoc is not None else None
            hint = Site(
                ctx.source.display(rel),
                node.line,
                node.col,
                "",
                "values",
                "{path}: in a values string",
            )
            return Layer("string", label, rel, doc.index, None, (), data, at, site_hint=hint)
        return None
    idoc = emb.inner.documents[0] if emb.inner.documents else None
    data = idoc.data if idoc is not None else None
    if data is not None and not isinstance(data, dict):
        raise InputError(
            ctx.source.display(rel),
            f"{format_path(at)}: values must be a mapping",
            node.line if node else 0,
        )
    return Layer("string", label, rel, doc.index, idoc, (), data, at, emb)


def parameters_layer(rel: str, doc: YamlDoc, at: YamlPath, label: str) -> Layer | None:
    """`--set`-style parameters: [{name: a.b.c, value: x, forceString: bool}]."""
    seq = doc.find(at)
    if seq is None or seq.kind != "sequence":
        return None
    data: dict[str, Any] = {}
    layer = Layer("parameters", label, rel, doc.index, doc, (), data, at)
    for i, item in enumerate(seq.children):
        if item.kind != "mapping":
            continue
        name_node, value_node = item.get("name"), item.get("value")
        if name_node is None or value_node is None or name_node.kind != "scalar":
            continue
        name = name_node.value
        raw = value_node.python()
        force = item.get("forceString")
        value = raw if force is not None and force.python() is True else _set_value(raw)
        _set_dotted(data, name, value)
        layer.params[name] = i
        layer.param_nodes[name] = value_node
    return layer


def _set_value(raw: Any) -> Any:
    """How `helm --set` types a value: integers, booleans and null; all else strings."""
    if not isinstance(raw, str):
        return raw
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    if raw.isdigit() and (raw == "0" or not raw.startswith("0")):
        return int(raw)
    return raw


def _set_dotted(data: dict[str, Any], name: str, value: Any) -> None:
    parts = [p for p in name.replace("\\.", "\0").split(".")]
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part.replace("\0", "."), {})
        if not isinstance(node, dict):
            return
    node[parts[-1].replace("\0", ".")] = value
