"""A Helm release: its chart (vendored in the repository, or referenced by version and
looked up in the catalog), its values layers in Helm's precedence order, the effective
images, and the edits that take it through a phase.

Every manager that deploys the chart builds one: the Helm manager from override files,
the GitOps managers (Argo CD Application, Flux HelmRelease, Kustomize helmCharts) from
where their values live: a whole file, a mapping inside a GitOps object, a YAML document
inside a block string, or `--set`-style parameters."""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from ...errors import InputError
from ...facts import Cause, Disabled, UnquotedTag, Unreadable
from ...imageref import ImageRef, ImageRefError
from ...model import (
    UNREADABLE,
    Change,
    ComponentState,
    Severity,
    Site,
    Target,
    TargetData,
    YamlPath,
    format_path,
    unknown_version_note,
)
from ...records import field, record
from ...rules import Component, Rules
from ...versions import Version
from ...yamlio import YamlDoc
from ...yamlio.nodes import Node
from ..base import PhaseStep, ScanContext
from .discover import Subchart, is_litemaas_chart, missing_dependencies, subcharts
from .images import MAP_KEYS, ImageLocation, find_images, image_name
from .values import coalesce, get_path, helm_string, merge_overrides

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ...catalog import ChartRelease
    from ...source import Source
    from ...yamlio.blockdoc import Embedded

STR_TAG = "tag:yaml.org,2002:str"


# -- layers -------------------------------------------------------------------------


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


# -- the chart ----------------------------------------------------------------------


@record(slots=True)
class ChartRef:
    """Which chart a release deploys, and where its version is written."""

    name: str | None  # chart name, for the catalog
    ref: str | None  # the version / git revision as written
    vendored: str | None = None  # chart folder in this repository
    release: ChartRelease | None = None  # from the catalog
    file: str = ""  # where `ref` is written (editable), relative to the source root
    doc: int = 0
    path: YamlPath | None = None
    describe: str = ""
    # Vendored subcharts (an umbrella chart), filled by default_layers.
    subcharts: list[SubchartDefaults] = field(default_factory=list)
    # Dependencies the catalog knows but the repository does not hold (default_layers):
    # (values key, `name version`).
    missing: list[tuple[str, str]] = field(default_factory=list)

    def known(self) -> bool:
        return self.vendored is not None or self.release is not None


def chart_ref(
    ctx: ScanContext,
    name: str | None,
    ref: str | None,
    *,
    folder: str | None = None,
    at: tuple[str, int, YamlPath] | None = None,
) -> ChartRef | None:
    """A LiteMaaS chart reference, or None when it is another chart."""
    if folder is not None and ctx.source.exists(posixpath.join(folder, "Chart.yaml")):
        if not is_litemaas_chart(ctx, folder):
            return None
        return ChartRef(name, ref, vendored=folder, describe=f"chart {ctx.source.display(folder)}")
    from ...catalog import catalog_for  # charts referenced by version only

    catalog = catalog_for(ctx.rules)
    chart = catalog.chart(name)
    if chart is None:
        return None
    out = ChartRef(chart.name, ref, release=chart.release(ref))
    if at is not None:
        out.file, out.doc, out.path = at
    out.describe = f"chart {chart.name} {ref or '(no version)'}"
    if out.release is not None:
        out.describe += f" (LiteMaaS {out.release.version}, from the catalog)"
    return out


def default_layers(
    ctx: ScanContext, chart: ChartRef
) -> tuple[Layer | None, str | None, Site | None]:
    """The chart's default values, its appVersion and where that is written."""
    src = ctx.source
    if chart.vendored is not None:
        values = posixpath.join(chart.vendored, "values.yaml")
        layer = file_layer(ctx, values, f"chart {src.display(chart.vendored)}", "default")
        app, site = _app_version(ctx, chart.vendored)
        chart.subcharts = _subchart_defaults(ctx, chart.vendored, ())
        chart.missing = missing_dependencies(ctx, chart.vendored)
        return layer, app, site
    if chart.release is not None:
        hint = _ref_site(
            ctx, chart, f"{{path}}: chart default of {chart.name} {chart.release.version} (catalog)"
        )
        layer = Layer(
            "default", chart.describe, "", 0, None, (), chart.release.values, site_hint=hint
        )
        app_site = _ref_site(ctx, chart, "appVersion fallback of the chart version (catalog)")
        return layer, chart.release.app_version, app_site
    return None, None, None


def _app_version(ctx: ScanContext, folder: str) -> tuple[str | None, Site | None]:
    src = ctx.source
    meta_rel = posixpath.join(folder, "Chart.yaml")
    docs = src.yaml(meta_rel).documents
    meta = docs[0] if docs else None
    app, site = None, None
    if meta is not None and isinstance(meta.data, dict) and meta.data.get("appVersion") is not None:
        app = helm_string(meta.data["appVersion"])
        node = meta.find(("appVersion",))
        if node is not None:
            site = Site(
                src.display(meta_rel),
                node.line,
                node.col,
                "appVersion",
                "tag",
                "appVersion fallback: the tag is empty",
            )
    return app, site


@record
class SubchartDefaults:
    """A vendored subchart's defaults: its values.yaml under its key, and the appVersion
    that an empty tag of an image it renders falls back to."""

    sub: Subchart
    key: YamlPath  # where its values sit in the release's values
    conditions: tuple[YamlPath, ...]  # release values paths
    layer: Layer
    app_version: str | None
    app_site: Site | None


def _subchart_defaults(ctx: ScanContext, folder: str, prefix: YamlPath) -> list[SubchartDefaults]:
    """Every vendored subchart below `folder`, deepest first (lowest precedence first)."""
    out: list[SubchartDefaults] = []
    for sub in subcharts(ctx, folder):
        key = prefix + (sub.key,)
        values = posixpath.join(sub.folder, "values.yaml")
        layer = file_layer(
            ctx, values, f"subchart {ctx.source.display(sub.folder)} ({sub.key})", "default"
        )
        layer.prefix = key
        app, site = _app_version(ctx, sub.folder)
        conds = tuple(prefix + tuple(c.split(".")) for c in sub.conditions)
        out.extend(_subchart_defaults(ctx, sub.folder, key))
        out.append(SubchartDefaults(sub, key, conds, layer, app, site))
    return out


def _ref_site(ctx: ScanContext, chart: ChartRef, note: str) -> Site:
    if chart.path is not None:
        docs = ctx.source.yaml(chart.file).documents
        node = docs[chart.doc].find(chart.path) if chart.doc < len(docs) else None
        if node is not None:
            return Site(
                ctx.source.display(chart.file),
                node.line,
                node.col,
                format_path(chart.path),
                "tag",
                note,
            )
    return Site(ctx.source.display(chart.file) if chart.file else "", 0, 0, "chart", "chart", note)


# -- the release --------------------------------------------------------------------


@record(slots=True)
class Release(TargetData):
    chart: ChartRef
    layers: list[Layer]  # defaults first (if known), then the user's, lowest precedence first
    owner: Layer  # where new keys go
    app_version: str | None = None
    app_site: Site | None = None
    merged: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, list[ImageLocation]] = field(default_factory=dict)
    # A post-render step (Kustomize `images:`): (component, image) -> (image, sites).
    post: Callable[[str, ImageRef, list[Site]], tuple[ImageRef, list[Site]]] | None = None
    post_change: Callable[[str, str], Change | None] | None = None
    deploy: str = ""
    # Which layer decides each image tag path planning edits, found while the layers'
    # documents were at hand (see detach): path -> layer, or None when none does.
    deciders: dict[YamlPath, Layer | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Subcharts' defaults are the lowest values: the parent's defaults override them.
        subs = [s.layer for s in self.chart.subcharts if s.layer not in self.layers]
        self.layers[:0] = subs

    def detach(self, rules: Rules) -> None:
        """Let go of what only resolving needs, once resolved: the layers' parsed files
        and values (planning reads a layer's document again when it needs one, from the
        source's caches or parsed again), and the merged values but for the images
        written as one string (all that planning looks up in them)."""
        for path in _edited_paths(rules, self):
            found = deciding_layer(self, path)
            self.deciders[path] = found[0] if found is not None else None
        for layer in (*self.layers, self.owner, *(s.layer for s in self.chart.subcharts)):
            if layer.reread is not None:
                layer.ydoc = None
                layer.data = None
        self.merged = _only_paths(
            self.merged,
            [loc.path for locs in self.locations.values() for loc in locs if loc.shape == "string"],
        )

    def subchart_at(self, path: YamlPath) -> SubchartDefaults | None:
        """The (deepest) subchart that renders what is at `path` in the release's values."""
        best = None
        for sub in self.chart.subcharts:
            if path[: len(sub.key)] == sub.key and (best is None or len(sub.key) > len(best.key)):
                best = sub
        return best

    def app_at(self, path: YamlPath) -> tuple[str | None, Site | None]:
        """The appVersion an empty tag at `path` falls back to: the rendering chart's."""
        sub = self.subchart_at(path)
        if sub is not None:
            return sub.app_version, sub.app_site
        return self.app_version, self.app_site


def _only_paths(data: dict[str, Any], paths: list[YamlPath]) -> dict[str, Any]:
    """A copy of `data` that holds only what is at `paths` (the values there are shared,
    not copied): get_path gives the same answer for each of them."""
    out: dict[str, Any] = {}
    own = {id(out)}  # the containers made here (the others are shared values)
    for path in paths:
        value = get_path(data, path)
        if value is None or not path:
            continue
        node: Any = out
        for part, nxt in zip(path, path[1:], strict=False):
            child = _slot(node, part)
            if child is None:
                child = {} if isinstance(nxt, str) else []
                own.add(id(child))
                _put(node, part, child)
            elif id(child) not in own:
                break  # a shorter path holds the value already
            node = child
        else:
            _put(node, path[-1], value)
    return out


def _slot(node: Any, part: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    assert isinstance(part, int)
    return node[part] if part < len(node) else None


def _put(node: Any, part: str | int, value: Any) -> None:
    if isinstance(node, dict):
        node[part] = value
        return
    assert isinstance(part, int)
    node.extend([None] * (part + 1 - len(node)))
    node[part] = value


def resolve(ctx: ScanContext, target: Target, rel: Release) -> None:
    """Fill the target's components from the release's layers."""
    rules = ctx.rules
    defaults: Any = {}
    for layer in rel.layers:
        if layer.kind == "default":
            values = layer.values()
            defaults = coalesce(values, defaults) if isinstance(values, dict) else defaults
    user = merge_overrides(
        [layer.data for layer in rel.layers if layer.kind != "default"], share=True
    )
    rel.merged = coalesce(user, defaults)
    rel.locations = find_images(rel.merged, rules)
    target.facts.extend(_table_replaced(ctx, target, rel, defaults))
    _drop_disabled(rules, target, rel)
    for comp in rules.components.values():
        hints = comp.helm
        if hints and hints.enabled and get_path(rel.merged, hints.enabled) is False:
            target.facts.append(Disabled(comp.name, format_path(hints.enabled)))
            rel.locations.pop(comp.name, None)
            continue
        locs = rel.locations.get(comp.name)
        if not locs:
            if rel.chart.missing and hints is not None:
                target.components[comp.name] = _missing_default(ctx, rel, comp)
            elif not rel.chart.known() and hints is not None:
                target.components[comp.name] = ComponentState(
                    comp.name,
                    None,
                    None,
                    note=f"decided by the defaults of {rel.chart.describe}, which is neither in "
                    "this repository nor in the chart catalog: unknown",
                )
            continue
        primary = next((loc for loc in locs if hints and loc.path == hints.values), locs[0])
        state = _state(ctx, target, rel, comp.name, primary)
        if len(locs) > 1:
            state.versions = tuple(_version_at(ctx, rel, comp.name, loc) for loc in locs)
        target.components[comp.name] = state
    target.facts.extend(_duplicate_keys(ctx, target, rel))
    if rel.chart.missing and rel.chart.vendored is not None:
        target.facts.append(
            Unreadable(
                ctx.source.display(posixpath.join(rel.chart.vendored, "Chart.yaml")),
                0,
                0,
                f"{rel.chart.describe} depends on "
                f"{', '.join(what for _, what in rel.chart.missing)}, which is not "
                "in this repository: the images its defaults decide are unknown",
                Severity.WARNING,
                Cause.DEPENDENCY_NOT_VENDORED,
            )
        )


def _missing_default(ctx: ScanContext, rel: Release, comp: Component) -> ComponentState:
    """A component decided by the defaults of a dependency the repository does not hold:
    its image is unknown; a tag the values set under the dependency's key still tells the
    version (LiteLLM pinned in an umbrella chart's values), so the rules can judge it."""
    key, what = rel.chart.missing[0]
    assert comp.helm is not None
    path = (key, *comp.helm.values, "tag")
    tag = get_path(rel.merged, path)
    version = comp.version_of(helm_string(tag)) if tag not in (None, "") else None
    how = f"the tag {helm_string(tag)!r} is set, but " if version is not None else ""
    return ComponentState(
        comp.name,
        None,
        version,
        [site_of(ctx, rel, path, "tag")] if version is not None else [],
        note=f"{how}the image is decided by the defaults of the dependency {what} of "
        f"{rel.chart.describe}, which is not in this repository: unknown",
    )


def _drop_disabled(rules: Rules, target: Target, rel: Release) -> None:
    """Images of a subchart that is not deployed: its dependency's `condition` is false
    (the first condition path that holds a boolean decides, as in Helm), or the
    component's own `enabled` flag is false in the subchart's values."""
    disabled: list[tuple[YamlPath, str]] = []
    for sub in rel.chart.subcharts:
        for cond in sub.conditions:
            value = get_path(rel.merged, cond)
            if isinstance(value, bool):
                if not value:
                    disabled.append((sub.key, format_path(cond)))
                break
    for name, locs in list(rel.locations.items()):
        keep = []
        for loc in locs:
            off = next((c for k, c in disabled if loc.path[: len(k)] == k), None)
            owner = rel.subchart_at(loc.path)
            hints = rules.components[name].helm
            if off is None and owner is not None and hints is not None and hints.enabled:
                if get_path(rel.merged, owner.key + hints.enabled) is False:
                    off = format_path(owner.key + hints.enabled)
            if off is None:
                keep.append(loc)
                continue
            target.facts.append(Disabled(name, off, format_path(loc.path)))
        if keep:
            rel.locations[name] = keep
        else:
            del rel.locations[name]


def _table_replaced(
    ctx: ScanContext, target: Target, rel: Release, defaults: Any
) -> list[Unreadable]:
    """An image written as a string where the chart's default is a mapping: Helm refuses
    to render it ("cannot overwrite table with non table"), whatever the tag says."""
    out = []
    for locs in rel.locations.values():
        for loc in locs:
            if loc.shape != "string" or not isinstance(get_path(defaults, loc.path), dict):
                continue
            site = site_of(ctx, rel, loc.path, "image")
            out.append(
                Unreadable(
                    site.file,
                    site.line,
                    site.col,
                    f"{format_path(loc.path)} is a string, but the chart's default there is a "
                    "mapping (repository, tag): Helm will not render the release",
                    Severity.ERROR,
                    Cause.TABLE_REPLACED,
                    format_path(loc.path),
                )
            )
    return out


def _duplicate_keys(ctx: ScanContext, target: Target, rel: Release) -> list[Unreadable]:
    """A key written twice in one values mapping: Helm keeps the last one. Where an image
    of a component lies on or under it, the tool refuses to edit it: an error."""
    images = [loc.path for locs in rel.locations.values() for loc in locs]
    out = []
    for layer in rel.layers:
        ydoc = layer.document()
        if ydoc is None or layer.kind in ("string", "parameters"):
            continue
        for path, key in ydoc.duplicates:
            if path[: len(layer.base)] != layer.base:
                continue
            inner = layer.prefix + path[len(layer.base) :]
            edited = any(p[: len(inner)] == inner or inner[: len(p)] == p for p in images)
            out.append(
                Unreadable(
                    ctx.source.display(layer.file),
                    key.line,
                    key.col,
                    f"duplicate key {format_path(path)}: Helm uses the last one"
                    + ("; an image lies under it, and the tool will not edit it" if edited else ""),
                    Severity.ERROR if edited else Severity.WARNING,
                    Cause.DUPLICATE_KEY,
                )
            )
    return out


def _version_at(
    ctx: ScanContext, rel: Release, component: str, loc: ImageLocation
) -> Version | None:
    """The version one image location deploys (a component may have several: a
    migration job beside the server)."""
    comp = ctx.rules.components[component]
    value = get_path(rel.merged, loc.path)
    if loc.shape == "string":
        try:
            return comp.version_of(ImageRef.parse(str(value)).tag)
        except ImageRefError:
            return None
    raw = value.get("tag") if isinstance(value, dict) else None
    tag = helm_string(raw).split("@", 1)[0] if raw not in (None, "") else None
    if tag is None and comp.helm and comp.helm.default_tag == "appVersion":
        tag = rel.app_at(loc.path)[0]
    return comp.version_of(tag)


def _state(
    ctx: ScanContext, target: Target, rel: Release, component: str, loc: ImageLocation
) -> ComponentState:
    comp = ctx.rules.components[component]
    value = get_path(rel.merged, loc.path)
    sites: list[Site] = []
    note = ""
    ref: ImageRef | None = None
    tag: str | None = None
    if loc.shape == "string":
        sites.append(site_of(ctx, rel, loc.path, "image"))
        try:
            ref = ImageRef.parse(str(value))
            tag = ref.tag
        except ImageRefError as exc:
            note = f"{UNREADABLE}: {exc}"
    else:
        for key in MAP_KEYS:
            if key in value and value[key] not in (None, ""):
                sites.append(site_of(ctx, rel, loc.path + (key,), key))
                _check_tag_type(ctx, target, rel, loc.path + (key,))
        raw_tag = value.get("tag")
        tag = helm_string(raw_tag) if raw_tag not in (None, "") else None
        if tag is None and comp.helm and comp.helm.default_tag == "appVersion":
            app_version, app_site = rel.app_at(loc.path)
            if app_version:
                tag = app_version
                if app_site is not None:
                    sites.append(app_site)
            else:
                note = "the tag falls back to the chart's appVersion, which is not known"
        name = image_name(value)
        digest = value.get("digest") or None
        if tag is not None and "@" in tag and not digest:
            # `tag: main-v1.81.0-stable@sha256:...` (digest pinning tools write this): the
            # template renders `repository:tag@digest`, so that is the reference.
            tag, digest = tag.split("@", 1)
        if name:
            try:
                ref = (
                    ImageRef.parse(name).with_tag(tag).with_digest(str(digest) if digest else None)
                )
            except ImageRefError as exc:
                note = f"{UNREADABLE}: {exc}"
                ref = None
        elif not note:
            note = f"the repository is decided by {rel.chart.describe}, which is not known"
    if ref is not None and rel.post is not None:
        ref, sites = rel.post(component, ref, sites)
        tag = ref.tag
    version = comp.version_of(tag)
    if version is None and not note:
        note = unknown_version_note(ref, tag)
    return ComponentState(component, ref, version, sites, note)


def deciding_layer(rel: Release, path: YamlPath) -> tuple[Layer, Node | None] | None:
    for layer in reversed(rel.layers):
        if not layer.has_nodes and layer.kind != "parameters":
            if get_path(layer.data, path) not in (None, ""):
                return layer, None
            continue
        node = layer.node(path)
        if node is not None and node.kind == "scalar" and node.value != "":
            if not node.tag.endswith(":null"):
                return layer, node
    return None


def _edit_locations(rules: Rules, rel: Release, component: str) -> list[ImageLocation]:
    """Where `changes` sets a component's tag: its image locations, else the rules' hint."""
    locs = rel.locations.get(component) or []
    hints = rules.components[component].helm
    if not locs and hints is not None:
        locs = [ImageLocation(hints.values, "map")]
    return locs


def _edit_path(loc: ImageLocation) -> YamlPath:
    return loc.path if loc.shape == "string" else loc.path + ("tag",)


def _edited_paths(rules: Rules, rel: Release) -> list[YamlPath]:
    return [
        _edit_path(loc) for name in rules.components for loc in _edit_locations(rules, rel, name)
    ]


def _decider(rel: Release, path: YamlPath) -> Layer | None:
    if path in rel.deciders:
        return rel.deciders[path]
    found = deciding_layer(rel, path)
    return found[0] if found is not None else None


def site_of(ctx: ScanContext, rel: Release, path: YamlPath, decides: str) -> Site:
    found = deciding_layer(rel, path)
    if found is not None:
        layer, node = found
        if node is None:
            hint = layer.site_hint or Site(ctx.source.display(layer.file), 0, 0, "", "", "")
            note = hint.note.replace("{path}", format_path(path))
            return Site(
                hint.file, hint.line, hint.col, hint.path or format_path(path), decides, note
            )
        line, col = layer.position(node)
        note = "chart default" if layer.kind == "default" else _layer_note(layer)
        if layer.prefix:
            note = f"subchart default, under {format_path(layer.prefix)}"
        if layer.kind == "parameters":
            where = layer.at + (layer.params[format_path(path)], "value")
        elif layer.kind == "string":
            where = layer.at + path
        else:
            where = layer.where(path)
        return Site(ctx.source.display(layer.file), line, col, format_path(where), decides, note)
    owner = rel.owner
    return Site(ctx.source.display(owner.file), 0, 0, format_path(path), decides, "not found")


def _layer_note(layer: Layer) -> str:
    return {"string": "in a values string", "parameters": "parameter"}.get(layer.kind, "")


def _check_tag_type(ctx: ScanContext, target: Target, rel: Release, path: YamlPath) -> None:
    if path[-1] != "tag":
        return
    found = deciding_layer(rel, path)
    if found is None or found[0].kind == "parameters":
        return
    layer, node = found
    if node is not None and node.tag != STR_TAG:
        line, col = layer.position(node)
        target.facts.append(
            UnquotedTag(
                ctx.source.display(layer.file),
                line,
                col,
                format_path(path),
                str(node.value),
                helm_string(node.python()),
            )
        )


# -- update -------------------------------------------------------------------------


def default_tag(rules: Rules, release: ChartRelease, component: str) -> str | None:
    """The tag a catalog release deploys for a component when nothing overrides it."""
    hints = rules.components[component].helm
    if hints is None:
        return None
    image = get_path(release.values, hints.values)
    if not isinstance(image, dict):
        return None
    raw = image.get("tag")
    if raw not in (None, ""):
        return helm_string(raw)
    return release.app_version if hints.default_tag == "appVersion" else None


def _move_chart(
    ctx: ScanContext, target: Target, rel: Release, step: PhaseStep
) -> ChartRelease | None:
    """The catalog release whose defaults deploy the step's tags, when the chart is
    referenced by an editable version: phase 1 moves the chart reference there."""
    chart = rel.chart
    if chart.release is None or chart.path is None:
        return None
    from ...catalog import catalog_for

    catalog = catalog_for(ctx.rules).chart(chart.name)
    assert catalog is not None

    def deploys(release: ChartRelease) -> bool:
        return all(
            default_tag(ctx.rules, release, c) == tag
            for c, tag in step.set.items()
            if c in target.components
        )

    if deploys(chart.release):
        return None  # the release referenced already deploys the step: only tags move
    for candidate in catalog.releases:
        if candidate is not chart.release and deploys(candidate):
            return candidate  # the first (oldest) such release: never further than asked
    return None


def _same_form(current: str, refs: tuple[str, ...]) -> str:
    want_v = current.startswith("v")
    for ref in refs:
        if ref.startswith("v") == want_v:
            return ref
    return refs[0]


def changes(ctx: ScanContext, target: Target, rel: Release, step: PhaseStep) -> list[Change]:
    out: list[Change] = []
    tags = dict(step.tags())
    moved = _move_chart(ctx, target, rel, step)
    if moved is not None and rel.chart.ref is not None and rel.chart.path is not None:
        new_ref = _same_form(rel.chart.ref, moved.refs)
        out.append(
            Change(
                rel.chart.file,
                rel.chart.doc,
                rel.chart.path,
                new_ref,
                "",
                f"chart to {new_ref} (LiteMaaS {moved.version})",
            )
        )
        assert rel.chart.release is not None
        # Anything else the chart move would change is pinned where it is today.
        for name, state in target.components.items():
            if name in tags or state.tag is None:
                continue
            if default_tag(ctx.rules, rel.chart.release, name) != default_tag(
                ctx.rules, moved, name
            ):
                tags[name] = state.tag
    for component, tag in tags.items():
        pin_only = component not in step.set
        if rel.post_change is not None:
            change = rel.post_change(component, tag)
            if change is not None:
                out.append(change)
                continue
        locs = _edit_locations(ctx.rules, rel, component)
        why = f"pin {component} at {tag}" if pin_only else f"{component} to {tag}"
        for loc in locs:
            path = _edit_path(loc)
            decider = _decider(rel, path)
            explicit = decider is not None and decider.kind != "default"
            if pin_only and explicit:
                continue
            if (
                not explicit
                and moved is not None
                and component in step.set
                and default_tag(ctx.rules, moved, component) == tag
            ):
                continue  # the chart move deploys it
            layer = decider if explicit and decider is not None else rel.owner
            value = tag
            if loc.shape == "string":
                value = str(ImageRef.parse(str(get_path(rel.merged, loc.path))).with_tag(tag))
            out.append(layer.change(path, value, component, why))
    return out
