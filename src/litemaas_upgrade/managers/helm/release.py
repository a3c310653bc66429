"""A Helm release: its chart (chart.py) and values layers (layers.py) resolved into the
effective images, each with the place that decides it; the edits that take it through a
phase are in update.py.

Every manager that deploys the chart builds one: the Helm manager from override files,
the GitOps managers (Argo CD Application, Flux HelmRelease, Kustomize helmCharts) from
where their values live: a whole file, a mapping inside a GitOps object, a YAML document
inside a block string, or `--set`-style parameters."""

from __future__ import annotations

import posixpath
from collections.abc import Callable

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
from ...yamlio.nodes import Node
from ..base import ScanContext
from .chart import ChartRef, SubchartDefaults
from .images import MAP_KEYS, ImageLocation, find_images, image_name
from .layers import Layer
from .tagrules import empty_tag, literal_state, named_state, template_literals
from .templates import ChartTemplates, Literal
from .values import coalesce, get_path, helm_string, merge_overrides

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

STR_TAG = "tag:yaml.org,2002:str"


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
    # Component images written literally in the chart's templates (sites, edited as text).
    literals: dict[str, list[Literal]] = field(default_factory=dict)

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

    def templates_at(self, path: YamlPath) -> tuple[ChartTemplates | None, YamlPath]:
        """The templates that render what is at `path`, and the path as they name it."""
        sub = self.subchart_at(path)
        if sub is not None:
            return sub.templates, path[len(sub.key) :]
        return self.chart.templates, path

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
    rel.literals = template_literals(ctx, rel)
    target.facts.extend(_table_replaced(ctx, target, rel, defaults))
    _drop_disabled(rules, target, rel)
    for comp in rules.components.values():
        hints = comp.helm
        if hints and hints.enabled and get_path(rel.merged, hints.enabled) is False:
            target.facts.append(Disabled(comp.name, format_path(hints.enabled)))
            rel.locations.pop(comp.name, None)
            rel.literals.pop(comp.name, None)
            continue
        locs = rel.locations.get(comp.name)
        lits = rel.literals.get(comp.name, [])
        if not locs:
            if lits:
                state = literal_state(ctx, comp, lits)
                if rel.post is not None and state.image is not None:
                    # A post-render step (Kustomize `images:`) applies to it as to any.
                    state.image, state.sites = rel.post(comp.name, state.image, state.sites)
                    state.version = comp.version_of(state.image.tag)
                    state.versions = ()
                target.components[comp.name] = state
            elif (named := named_state(ctx, rel, comp)) is not None:
                target.components[comp.name] = named
            elif rel.chart.missing and hints is not None:
                target.components[comp.name] = _missing_default(ctx, rel, comp)
            elif not rel.chart.known() and hints is not None and _implied(rel, comp.name):
                target.components[comp.name] = ComponentState(
                    comp.name,
                    None,
                    None,
                    note=f"decided by the defaults of {rel.chart.describe}, which is "
                    + (
                        "not in this repository"
                        if rel.chart.implies is not None
                        else "neither in this repository nor in the chart catalog"
                    )
                    + ": unknown",
                )
            continue
        primary = next((loc for loc in locs if hints and loc.path == hints.values), locs[0])
        state = _state(ctx, target, rel, comp.name, primary)
        if len(locs) > 1 or lits:
            state.versions = tuple(_version_at(ctx, rel, comp.name, loc) for loc in locs)
        if lits:
            extra = literal_state(ctx, comp, lits)
            state.sites = [*state.sites, *extra.sites]
            state.versions += extra.all_versions()
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


def _implied(rel: Release, component: str) -> bool:
    return rel.chart.implies is None or component in rel.chart.implies


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
    if tag is None:
        tag = empty_tag(ctx, rel, comp, loc.path).tag
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
        unknown = False
        if tag is None:
            fallback = empty_tag(ctx, rel, comp, loc.path)
            tag, note, unknown = fallback.tag, fallback.note, fallback.unknown
            sites.extend(fallback.sites)
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
        if unknown:
            ref = None  # the tag the chart renders is not known: nor is the image
    if ref is not None and tag is None and ref.digest is None and not rel.chart.known():
        # No tag, and the chart that would supply one is not here: what it renders
        # (appVersion, a prefix of it, nothing) is the chart's to say.
        note = (
            f"{format_path(loc.path)}.tag is not set: {rel.chart.describe}, which is not in "
            "this repository, decides it: unknown"
        )
        ref = None
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


def edit_locations(rules: Rules, rel: Release, component: str) -> list[ImageLocation]:
    """Where `changes` sets a component's tag: its image locations, else the rules' hint."""
    locs = rel.locations.get(component) or []
    hints = rules.components[component].helm
    if not locs and hints is not None:
        locs = [ImageLocation(hints.values, "map")]
    return locs


def edit_path(loc: ImageLocation) -> YamlPath:
    return loc.path if loc.shape == "string" else loc.path + ("tag",)


def _edited_paths(rules: Rules, rel: Release) -> list[YamlPath]:
    return [edit_path(loc) for name in rules.components for loc in edit_locations(rules, rel, name)]


def decider_of(rel: Release, path: YamlPath) -> Layer | None:
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
