"""Kustomize HelmChartInflationGenerator (`helmCharts:` in a kustomization).

How kustomize (v5) runs helm: the chart is `<chartHome>/<name>` (or, with `repo` and
`version`, `<chartHome>/<name>-<version>/<name>`; chartHome defaults to `charts` next to
the kustomization); `valuesFile` (default: the chart's values.yaml) with `valuesInline`
merged over it (valuesMerge `override`, the default) is passed with `--values`, then each
of `additionalValuesFiles`; Helm coalesces all of it with the chart's own values. The
rendered manifests then go through the kustomization's `images:`."""

from __future__ import annotations

import posixpath

from ...errors import InputError
from ...facts import Unreadable
from ...imageref import ImageRef
from ...model import Change, Severity, Site, YamlPath, format_path
from ...shellword import word
from ...yamlio import YamlDoc
from ..base import ScanContext, norm
from ..gitops import MARKERS, SEARCHED, Declared, GitOpsManager
from ..gitops.charts import deploys, other_chart
from ..helm.chart import ChartRef, chart_ref, default_layers
from ..helm.layers import Layer, file_layer, object_layer
from ..helm.release import Release

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

KFILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class KustomizeHelmManager(GitOpsManager):
    kind = "kustomize-helm"

    def declared(self, ctx: ScanContext) -> list[Declared]:
        out: list[Declared] = []
        for rel in ctx.source.containing(MARKERS, SEARCHED):
            if posixpath.basename(rel) not in KFILES or b"helmCharts" not in ctx.source.read(rel):
                continue
            try:
                docs = ctx.source.yaml(rel).documents
            except InputError:
                continue  # the Kustomize manager reports it, as its root's error
            doc = docs[0] if docs else None
            data = doc.data if doc is not None else None
            if doc is None or not isinstance(data, dict):
                continue
            for i, entry in enumerate(data.get("helmCharts") or []):
                if isinstance(entry, dict):
                    found = inflate(ctx, rel, doc, i)
                    if found is not None:
                        out.append(found)
        return out


def inflate(ctx: ScanContext, kfile: str, doc: YamlDoc, index: int) -> Declared | None:
    """The LiteMaaS release of helmCharts[index] in `kfile`, or None for another chart."""
    src = ctx.source
    data: dict[str, Any] = doc.data
    entry = data["helmCharts"][index]
    at: YamlPath = ("helmCharts", index)
    folder = posixpath.dirname(kfile)
    where = src.display(folder or ".")
    name = str(entry.get("name", ""))
    version = entry.get("version")
    version = str(version) if version is not None else None
    globals_ = data.get("helmGlobals") or {}
    home = (
        norm(folder, str(globals_.get("chartHome", "charts")))
        if isinstance(globals_, dict)
        else None
    )
    local = None
    if home is not None:
        local = posixpath.join(home, name) if home else name
        if entry.get("repo") and version:
            local = posixpath.join(home, f"{name}-{version}", name)
    files = {kfile}
    facts: list[Unreadable] = []
    ver_at = (kfile, doc.index, at + ("version",)) if version is not None else None
    chart: ChartRef | None = chart_ref(ctx, name, version, folder=local, at=ver_at)
    if chart is None:
        if local is not None and src.exists(posixpath.join(local, "Chart.yaml")):
            return None  # vendored, and not a chart of a component
        chart = other_chart(ctx, name, version, at=ver_at)
    if chart.vendored is None and chart.release is None and chart.implies is None:
        node = doc.find(at)
        facts.append(
            Unreadable(
                src.display(kfile),
                node.line if node else 0,
                node.col if node else 0,
                f"{chart.describe}: not vendored under {src.display(local or '')} and not a "
                "release the chart catalog knows; its default images are unknown",
                Severity.WARNING,
            )
        )
    layers: list[Layer] = []
    defaults, app_version, app_site = default_layers(ctx, chart)
    if defaults is not None:
        layers.append(defaults)
    vfile = entry.get("valuesFile")
    owner: Layer | None = None
    if vfile:
        vrel = norm(folder, str(vfile))
        if vrel is not None and src.exists(vrel):
            files.add(vrel)
            owner = file_layer(ctx, vrel, f"valuesFile {src.display(vrel)}")
            layers.append(owner)
        else:
            facts.append(
                Unreadable(
                    src.display(kfile), 0, 0, f"valuesFile {vfile}: not found", Severity.WARNING
                )
            )
    if "valuesInline" in entry:
        merge = str(entry.get("valuesMerge") or "override")
        if merge == "replace" and owner is not None:
            layers.remove(owner)
        owner = object_layer(kfile, doc, at + ("valuesInline",), "valuesInline")
        layers.append(owner)
    for extra in entry.get("additionalValuesFiles") or []:
        xrel = norm(folder, str(extra))
        if xrel is not None and src.exists(xrel):
            files.add(xrel)
            layers.append(file_layer(ctx, xrel, f"-f {src.display(xrel)}"))
    if owner is None:
        owner = Layer("object", "valuesInline", kfile, doc.index, doc, at + ("valuesInline",), None)
    if not deploys(ctx, chart, layers):
        return None  # another chart, whose values hold no component image
    release = Release(chart, layers, owner, app_version, app_site)
    _images(ctx, kfile, doc, release)
    release.deploy = f"kubectl kustomize --enable-helm {word(where)} | kubectl apply -f -"
    parts = [chart.describe] + [la.label for la in layers if la.kind != "default"]
    if data.get("images"):
        parts.append("images:")
    formed = f"kustomize --enable-helm {where}, helmCharts {name}: " + " + ".join(parts)
    node = doc.find(at)
    pos = (node.line, node.col) if node else (0, 0)
    return Declared(where, formed, release, files, facts, chart_pos=pos)


def _images(ctx: ScanContext, kfile: str, doc: YamlDoc, release: Release) -> None:
    """The kustomization's `images:` over the rendered chart."""
    entries = doc.data.get("images") or []
    if not isinstance(entries, list) or not entries:
        return
    display = ctx.source.display(kfile)

    def matching(ref: ImageRef) -> tuple[int, dict[str, Any]] | None:
        for i, e in enumerate(entries):
            if isinstance(e, dict) and e.get("name") == ref.name:
                return i, e
        return None

    def site(i: int, key: str) -> Site:
        node = doc.find(("images", i, key))
        return Site(
            display,
            node.line if node else 0,
            node.col if node else 0,
            format_path(("images", i, key)),
            key,
            "kustomize images:",
        )

    def post(component: str, ref: ImageRef, sites: list[Site]) -> tuple[ImageRef, list[Site]]:
        found = matching(ref)
        if found is None:
            return ref, sites
        i, e = found
        sites = list(sites)
        if e.get("newName"):
            ref = ref.with_name(str(e["newName"]))
            sites.append(site(i, "newName"))
        if e.get("newTag") is not None:
            ref = ref.with_tag(str(e["newTag"]))
            sites = [s for s in sites if s.decides != "tag"] + [site(i, "newTag")]
        if e.get("digest"):
            ref = ref.with_digest(str(e["digest"]))
            sites.append(site(i, "digest"))
        return ref, sites

    def post_change(component: str, tag: str) -> Change | None:
        state_image = None
        locs = release.locations.get(component) or []
        from ..helm.values import get_path

        for loc in locs:
            value = get_path(release.merged, loc.path)
            if isinstance(value, dict) and value.get("repository"):
                reg = value.get("registry")
                name = f"{reg}/{value['repository']}" if reg else str(value["repository"])
                state_image = ImageRef.parse(name)
            elif isinstance(value, str):
                state_image = ImageRef.parse(value)
            break
        if state_image is None:
            return None
        found = matching(state_image)
        if found is None or found[1].get("newTag") is None:
            return None
        i, _ = found
        return Change(
            kfile,
            doc.index,
            ("images", i, "newTag"),
            tag,
            component,
            f"{component} to {tag} (kustomize images:)",
        )

    release.post = post
    release.post_change = post_change
