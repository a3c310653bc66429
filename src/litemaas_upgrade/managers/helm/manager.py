"""The Helm manager: a release is a chart plus the operator's override files. Their
values, effective images and phase edits are the shared release model's (chart.py,
layers.py, release.py, update.py); this module forms releases from files and writes the
thin values file for `helm -f`."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from ...facts import Cause, Unreadable
from ...imageref import ImageRef
from ...model import Change, Severity, Target, TargetData, YamlPath
from ...records import record
from ...shellword import word
from ..base import Manager, PhaseStep, ScanContext, slug
from .chart import ChartRef, default_layers
from .discover import HelmSpec, discover
from .images import ImageLocation
from .layers import Layer
from .links import chart_services, release_links
from .redis import redis_values
from .release import Release, resolve
from .unreadable import all_unknown, mark_unreadable, override_layer
from .values import get_path

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ...share import Shared


@record
class HelmData(TargetData):
    spec: HelmSpec
    release: Release

    @property
    def merged(self) -> dict[str, Any]:
        return self.release.merged

    @property
    def locations(self) -> dict[str, list[ImageLocation]]:
        return self.release.locations

    def override_values(self) -> list[Any]:
        """The override files' values, in `-f` order (what `helm upgrade -f` is given)."""
        return [layer.current() for layer in self.release.layers if layer.kind != "default"]


class HelmManager(Manager):
    kind = "helm"

    def extract(self, ctx: ScanContext) -> list[Target]:
        targets: list[Target] = []
        specs: Iterable[HelmSpec] = discover(ctx)
        if ctx.options.only is not None:
            # Scoped: every release is found before any is resolved, as claims made
            # below decide what discovery reads.
            specs = list(specs)
        for spec in specs:
            if not ctx.affects(set(spec.values), (spec.chart,) if spec.chart is not None else ()):
                # Scoped: no changed file is among its files or in its chart.
                ctx.claimed.update(spec.values)
                if spec.chart is not None:
                    ctx.claimed.update(
                        posixpath.join(spec.chart, n) for n in ("Chart.yaml", "values.yaml")
                    )
                continue
            targets.append(self._target(ctx, spec))
        for target in targets:
            ctx.claimed.update(target.files)
        return targets

    def _target(self, ctx: ScanContext, spec: HelmSpec) -> Target:
        src = ctx.source
        if spec.chart is not None:
            chart = ChartRef(
                None, None, vendored=spec.chart, describe=f"chart {src.display(spec.chart)}"
            )
        else:
            chart = ChartRef(None, None, describe="the release's chart (name it with --chart)")
        layers: list[Layer] = []
        app_version = app_site = None
        values_rel = posixpath.join(spec.chart or "", "values.yaml")
        if spec.chart is not None and spec.no_chart_file is None:
            defaults, app_version, app_site = default_layers(ctx, chart)
            if defaults is not None:
                layers.append(defaults)
        broken: list[str] = []  # override files that are not YAML
        layers += [
            override_layer(ctx, rel, f"-f {src.display(rel)}", broken) for rel in spec.values
        ]
        # Phase edits go into the operator's last override file, or into the chart's
        # values.yaml when the release has none.
        owner = layers[-1] if layers else Layer("file", "values", values_rel, 0, None, (), None)
        release = Release(chart, layers, owner, app_version, app_site)
        target = Target(
            self.kind,
            src.display(spec.path),
            spec.formed,
            data=HelmData(spec, release),
            files=sorted(
                {layer.file for layer in layers if layer.file and src.exists(layer.file)}
                | (
                    {posixpath.join(spec.chart, "Chart.yaml")}
                    if spec.chart is not None and spec.no_chart_file is None
                    else set()
                )
                | {posixpath.join(s.sub.folder, "Chart.yaml") for s in chart.subcharts}
            ),
        )
        resolve(ctx, target, release)
        if spec.no_chart_file is not None:
            _no_chart_file(target, spec)
        target.facts.extend(release_links(ctx, target, release, spec.namespace or ""))
        target.facts.extend(redis_values(ctx, target, release))
        if spec.release:  # named in the config: the chart's LiteLLM Service has a name
            at = (target.path, 0, 0)
            target.facts.extend(
                chart_services(target, release, spec.release, spec.namespace or "", at)
            )
        if broken:
            mark_unreadable(ctx, target, broken)
        literal_files = {lit.where.file for lits in release.literals.values() for lit in lits}
        if literal_files:
            target.files = sorted(set(target.files) | literal_files)
        release.detach(ctx.rules)
        return target

    def changes(self, ctx: ScanContext, target: Target, step: PhaseStep) -> list[Change]:
        from .update import changes  # (plan only: not loaded by lint's pre-commit run)

        data = target.data_as(HelmData)
        return changes(ctx, target, data.release, step)

    def phase_files(
        self, ctx: ScanContext, target: Target, step: PhaseStep, tags: dict[str, str]
    ) -> dict[str, str]:
        data = target.data_as(HelmData)
        tree: dict[str, Any] = {}
        # Components a phase so far moved to another repository: the repository goes
        # beside the tag (a thin file over the chart's old default would mix them: LU015).
        moved = {c for p in ctx.rules.phases[: step.phase.number] for c in p.repos}
        for component, tag in sorted(tags.items()):
            if component in data.release.literals and not data.locations.get(component):
                continue  # written in the chart's templates: the phase edits them
            state = target.components.get(component)
            for loc in data.locations.get(component) or self._hinted(ctx, component):
                path = loc.path + (() if loc.shape == "string" else ("tag",))
                value = tag
                if loc.shape == "string":
                    value = str(ImageRef.parse(str(get_path(data.merged, loc.path))).with_tag(tag))
                elif component in moved and state is not None and state.image is not None:
                    _set(tree, loc.path + ("repository",), state.image.name)
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

    def share(self, target: Target, shared: Shared) -> None:
        """What the release keeps, shared with the equal releases of other phases."""
        data = target.data_as(HelmData)
        data.spec = shared.value(data.spec)
        release = data.release
        t = shared.text
        for layer in {id(x): x for x in (*release.layers, release.owner)}.values():
            layer.label = t(layer.label)
            layer.file = t(layer.file)
        if release.app_site is not None:
            release.app_site = shared.site(release.app_site)
        release.chart.describe = t(release.chart.describe)

    def planned(self, target: Target) -> None:
        """Planning is done with the target: what the release's values hold where is not
        needed any more (its spec and layers stay: the deploy command and `diff` use them)."""
        release = target.data_as(HelmData).release
        release.merged = {}
        release.locations = {}
        release.deciders = {}

    def deploy_command(self, target: Target, phase_file: str | None) -> str:
        spec = target.data_as(HelmData).spec
        chart = (spec.chart or ".") if spec.chart is not None else "<chart>"
        release = spec.release or "<release>"
        namespace = spec.namespace or "<namespace>"
        parts = [f"helm upgrade {word(release)} {word(chart)} -n {word(namespace)}"]
        parts += [f"-f {word(v)}" for v in spec.values]
        if phase_file:
            parts.append(f"-f {word(phase_file)}")
        return " \\\n    ".join(parts)


def _no_chart_file(target: Target, spec: HelmSpec) -> None:
    """A chart folder without Chart.yaml (named in the config): this release's error,
    every component it deploys unknown (its defaults and appVersion cannot be read)."""
    assert spec.no_chart_file is not None
    file, line, col = spec.no_chart_file
    all_unknown(
        target,
        Unreadable(
            file, line, col,
            f"{spec.chart}: no Chart.yaml there: the chart's defaults and appVersion, and so "
            "the images this release deploys, cannot be known",
            Severity.ERROR,
            Cause.CHART_NOT_IN_REPO,
        ),
        f"{spec.chart} has no Chart.yaml: the image helm would deploy cannot be known",
    )


def _set(tree: dict[str, Any], path: YamlPath, value: str) -> None:
    node = tree
    for part in path[:-1]:
        node = node.setdefault(str(part), {})
    node[str(path[-1])] = value


def _emit(tree: dict[str, Any], indent: int = 0) -> str:
    from ...yamlio.scalars import generated  # (only plan writes values files)

    lines = []
    for key, value in tree.items():
        if isinstance(value, dict):
            lines.append(" " * indent + f"{key}:\n" + _emit(value, indent + 2))
        else:
            lines.append(" " * indent + f"{key}: {generated(value, quoted=True)}\n")
    return "".join(lines)


def _slug(path: str) -> str:
    stem = path[:-5] if path.endswith(".yaml") else path[:-4] if path.endswith(".yml") else path
    return slug(stem, "release")
