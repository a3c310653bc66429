"""The Helm manager: effective images of each release from its values layers, and the
values edits that take a release through a phase."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from typing import Any

from ... import codes
from ...imageref import ImageRef, ImageRefError
from ...model import (
    Change,
    ComponentState,
    Finding,
    Severity,
    Site,
    Target,
    YamlPath,
    format_path,
)
from ...yamlio import YamlDoc
from ..base import PhaseStep, ScanContext
from .discover import HelmSpec, discover
from .images import MAP_KEYS, ImageLocation, find_images, image_name
from .values import coalesce, get_path, helm_string, merge_overrides

STR_TAG = "tag:yaml.org,2002:str"


@dataclass
class Layer:
    file: str  # relative to the source root
    doc: YamlDoc | None
    chart_default: bool

    @property
    def data(self) -> Any:
        return self.doc.data if self.doc is not None else None


@dataclass
class HelmData:
    spec: HelmSpec
    layers: list[Layer]
    merged: dict[str, Any]
    app_version: str | None
    locations: dict[str, list[ImageLocation]] = field(default_factory=dict)

    @property
    def owner(self) -> str:
        """The file phase edits go into: the operator's last override file, or the
        chart's values.yaml when the release has no override file."""
        return self.layers[-1].file


class HelmManager:
    kind = "helm"

    def extract(self, ctx: ScanContext) -> list[Target]:
        targets = [self._target(ctx, spec) for spec in discover(ctx)]
        for target in targets:
            data: HelmData = target.data
            ctx.claimed.update(layer.file for layer in data.layers)
        return targets

    # -- extraction ---------------------------------------------------------------

    def _target(self, ctx: ScanContext, spec: HelmSpec) -> Target:
        src = ctx.source
        layers: list[Layer] = []
        app_version: str | None = None
        chart_meta_line = (0, 0)
        if spec.chart is not None:
            chart_yaml = src.yaml(posixpath.join(spec.chart, "Chart.yaml"))
            meta = chart_yaml.documents[0] if chart_yaml.documents else None
            if meta is not None and isinstance(meta.data, dict):
                raw = meta.data.get("appVersion")
                app_version = helm_string(raw) if raw is not None else None
                node = meta.find(("appVersion",))
                if node is not None:
                    chart_meta_line = (node.line, node.col)
            values_rel = posixpath.join(spec.chart, "values.yaml")
            if src.exists(values_rel):
                layers.append(Layer(values_rel, _first_doc(ctx, values_rel), True))
        for rel in spec.values:
            layers.append(Layer(rel, _first_doc(ctx, rel), False))
        if not layers:
            layers.append(Layer(posixpath.join(spec.chart or "", "values.yaml"), None, True))

        defaults = layers[0].data if layers[0].chart_default else {}
        user = merge_overrides([layer.data for layer in layers if not layer.chart_default])
        merged = coalesce(user, defaults)
        data = HelmData(spec, layers, merged, app_version, find_images(merged, ctx.rules))
        target = Target(kind=self.kind, path=src.display(spec.path), formed=spec.formed, data=data)

        for comp in ctx.rules.components.values():
            hints = comp.helm
            if hints and hints.enabled and get_path(merged, hints.enabled) is False:
                target.findings.append(
                    Finding(
                        codes.NOT_DEPLOYED,
                        Severity.INFO,
                        f"{comp.name} is not deployed by this release "
                        f"({format_path(hints.enabled)}: false)",
                        target=target.path,
                    )
                )
                data.locations.pop(comp.name, None)
                continue
            locs = data.locations.get(comp.name)
            if not locs:
                if spec.chart is None and hints is not None:
                    target.components[comp.name] = ComponentState(
                        comp.name,
                        None,
                        None,
                        note="decided by the chart's defaults, and the chart is not in this "
                        "repository: unknown (name it with --chart)",
                    )
                continue
            primary = next((loc for loc in locs if hints and loc.path == hints.values), locs[0])
            state = self._state(ctx, target, data, comp.name, primary, chart_meta_line)
            target.components[comp.name] = state
        target.findings.extend(_duplicate_keys(ctx, target, data))
        return target

    def _state(
        self,
        ctx: ScanContext,
        target: Target,
        data: HelmData,
        component: str,
        loc: ImageLocation,
        app_version_at: tuple[int, int],
    ) -> ComponentState:
        comp = ctx.rules.components[component]
        value = get_path(data.merged, loc.path)
        sites: list[Site] = []
        note = ""
        ref: ImageRef | None = None
        tag: str | None = None
        if loc.shape == "string":
            sites.append(self._site(ctx, data, loc.path, "image"))
            try:
                ref = ImageRef.parse(str(value))
                tag = ref.tag
            except ImageRefError as exc:
                note = f"cannot read the image: {exc}"
        else:
            for key in MAP_KEYS:
                if key in value and value[key] not in (None, ""):
                    sites.append(self._site(ctx, data, loc.path + (key,), key))
                    self._check_tag_type(ctx, target, data, loc.path + (key,))
            raw_tag = value.get("tag")
            tag = helm_string(raw_tag) if raw_tag not in (None, "") else None
            if tag is None and comp.helm and comp.helm.default_tag == "appVersion":
                if data.app_version:
                    tag = data.app_version
                    chart_yaml = posixpath.join(data.spec.chart or "", "Chart.yaml")
                    sites.append(
                        Site(
                            ctx.source.display(chart_yaml),
                            app_version_at[0],
                            app_version_at[1],
                            "appVersion",
                            "tag",
                            "appVersion fallback: the tag is empty",
                        )
                    )
                else:
                    note = "the tag falls back to the chart's appVersion; the chart is not here"
            name = image_name(value)
            digest = value.get("digest") or None
            if name:
                try:
                    ref = ImageRef.parse(name)
                    ref = ref.with_tag(tag).with_digest(str(digest) if digest else None)
                except ImageRefError as exc:
                    note = f"cannot read the image: {exc}"
                    ref = None
            elif not note:
                note = "the repository is decided by the chart, which is not in this repository"
        version = comp.version_of(tag)
        if version is None and not note:
            note = (
                "digest-only reference: the version cannot be known"
                if ref is not None and ref.digest and not tag
                else f"floating tag {tag!r}: the version cannot be known"
                if tag
                else "no tag: the version cannot be known"
            )
        return ComponentState(component, ref, version, sites, note)

    def _site(self, ctx: ScanContext, data: HelmData, path: YamlPath, decides: str) -> Site:
        for layer in reversed(data.layers):
            if layer.doc is None:
                continue
            node = layer.doc.find(path)
            if node is not None and not (node.kind == "scalar" and node.tag.endswith(":null")):
                note = "chart default" if layer.chart_default else ""
                return Site(
                    ctx.source.display(layer.file),
                    node.line,
                    node.col,
                    format_path(path),
                    decides,
                    note,
                )
        return Site(ctx.source.display(data.owner), 0, 0, format_path(path), decides, "not found")

    def _check_tag_type(
        self, ctx: ScanContext, target: Target, data: HelmData, path: YamlPath
    ) -> None:
        if path[-1] != "tag":
            return
        for layer in reversed(data.layers):
            node = layer.doc.find(path) if layer.doc is not None else None
            if node is None:
                continue
            if node.kind == "scalar" and node.tag != STR_TAG and node.value != "":
                shown = helm_string(node.python())
                target.findings.append(
                    Finding(
                        codes.UNQUOTED_TAG,
                        Severity.ERROR,
                        f"{format_path(path)}: {node.value} is not a string in YAML; Helm "
                        f"renders it as {shown!r}",
                        ctx.source.display(layer.file),
                        node.line,
                        node.col,
                        target.path,
                        f'quote it: tag: "{node.value}"',
                    )
                )
            return

    # -- update -------------------------------------------------------------------

    def changes(self, ctx: ScanContext, target: Target, step: PhaseStep) -> list[Change]:
        data: HelmData = target.data
        out: list[Change] = []
        for component, tag in step.tags().items():
            pin_only = component not in step.set
            locs = data.locations.get(component) or []
            hints = ctx.rules.components[component].helm
            if not locs and hints is not None:
                locs = [ImageLocation(hints.values, "map")]
            for loc in locs:
                change = self._change(data, loc, component, tag, pin_only)
                if change is not None:
                    out.append(change)
        return out

    def _change(
        self, data: HelmData, loc: ImageLocation, component: str, tag: str, pin_only: bool
    ) -> Change | None:
        why = f"pin {component} at {tag}" if pin_only else f"{component} to {tag}"
        if loc.shape == "string":
            layer = self._deciding_layer(data, loc.path)
            current = get_path(data.merged, loc.path)
            new = str(ImageRef.parse(str(current)).with_tag(tag))
            file = layer.file if layer is not None and not layer.chart_default else data.owner
            if pin_only and layer is not None and not layer.chart_default:
                return None  # already written by the operator
            return Change(file, 0, loc.path, new, component, why)
        path = loc.path + ("tag",)
        layer = self._deciding_layer(data, path)
        explicit = layer is not None and not layer.chart_default
        if pin_only and explicit:
            return None
        file = layer.file if explicit and layer is not None else data.owner
        return Change(file, 0, path, tag, component, why)

    def _deciding_layer(self, data: HelmData, path: YamlPath) -> Layer | None:
        for layer in reversed(data.layers):
            if layer.doc is None:
                continue
            node = layer.doc.find(path)
            if node is not None and node.kind == "scalar" and node.value != "":
                if not node.tag.endswith(":null"):
                    return layer
        return None

    def phase_files(
        self, ctx: ScanContext, target: Target, step: PhaseStep, tags: dict[str, str]
    ) -> dict[str, str]:
        data: HelmData = target.data
        tree: dict[str, Any] = {}
        for component, tag in sorted(tags.items()):
            for loc in data.locations.get(component) or self._hinted(ctx, component):
                path = loc.path + (() if loc.shape == "string" else ("tag",))
                value = tag
                if loc.shape == "string":
                    value = str(ImageRef.parse(str(get_path(data.merged, loc.path))).with_tag(tag))
                _set(tree, path, value)
        if not tree:
            return {}
        header = (
            f"# litemaas-upgrade: phase {step.phase.number} values for {target.path}\n"
            f"# {step.phase.title}\n"
            f"# Use after the release's own values files: helm upgrade ... -f <this file>\n"
        )
        return {f"values/{_slug(data.spec.path)}.yaml": header + _emit(tree)}

    def _hinted(self, ctx: ScanContext, component: str) -> list[ImageLocation]:
        hints = ctx.rules.components[component].helm
        return [ImageLocation(hints.values, "map")] if hints else []

    def deploy_command(self, target: Target, phase_file: str | None) -> str:
        data: HelmData = target.data
        spec = data.spec
        chart = data.layers[0].file.rsplit("/", 1)[0] if spec.chart is not None else "<chart>"
        if spec.chart is not None:
            chart = spec.chart or "."
        parts = [f"helm upgrade {spec.release} {chart} -n {spec.namespace}"]
        parts += [f"-f {v}" for v in spec.values]
        if phase_file:
            parts.append(f"-f {phase_file}")
        return " \\\n    ".join(parts)


def _duplicate_keys(ctx: ScanContext, target: Target, data: HelmData) -> list[Finding]:
    """A key written twice in one mapping: Helm keeps the last one. Where an image of a
    component lies on or under it, the tool refuses to edit it, so that is an error."""
    images = [loc.path for locs in data.locations.values() for loc in locs]
    out = []
    for layer in data.layers:
        if layer.doc is None:
            continue
        for path, key in layer.doc.duplicates:
            edited = any(p[: len(path)] == path or path[: len(p)] == p for p in images)
            out.append(
                Finding(
                    codes.UNRESOLVED,
                    Severity.ERROR if edited else Severity.WARNING,
                    f"duplicate key {format_path(path)}: Helm uses the last one"
                    + ("; an image lies under it, and the tool will not edit it" if edited else ""),
                    ctx.source.display(layer.file),
                    key.line,
                    key.col,
                    target.path,
                    "remove all but one of the duplicated keys",
                )
            )
    return out


def _first_doc(ctx: ScanContext, rel: str) -> YamlDoc | None:
    docs = ctx.source.yaml(rel).documents
    return docs[0] if docs else None


def _set(tree: dict[str, Any], path: YamlPath, value: str) -> None:
    node = tree
    for part in path[:-1]:
        node = node.setdefault(str(part), {})
    node[str(path[-1])] = value


def _emit(tree: dict[str, Any], indent: int = 0) -> str:
    lines = []
    for key, value in tree.items():
        if isinstance(value, dict):
            lines.append(" " * indent + f"{key}:\n" + _emit(value, indent + 2))
        else:
            lines.append(" " * indent + f"{key}: {json.dumps(value)}\n")
    return "".join(lines)


def _slug(path: str) -> str:
    stem = path[:-5] if path.endswith(".yaml") else path[:-4] if path.endswith(".yml") else path
    return stem.replace("/", "__").replace("..", "_").strip("._") or "release"
