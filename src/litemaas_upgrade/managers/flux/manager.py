"""Flux HelmRelease (helm.toolkit.fluxcd.io).

Precedence as helm-controller applies it: the chart's values, then each `valuesFrom`
entry in order, then `spec.values`. The chart is `spec.chart.spec` (a chart name and
`version` from a HelmRepository, or a chart path in a GitRepository) or `spec.chartRef`
(an OCIRepository whose `ref.tag` is the version)."""

from __future__ import annotations

import posixpath

from ...facts import Cause, Unreadable
from ...model import Severity, YamlPath
from ...shellword import word
from ...yamlio import YamlDoc
from ..base import ScanContext, norm
from ..gitops import MARKERS, Declared, GitOpsManager, find_object, objects
from ..gitops.charts import chart_name, deploys, other_chart
from ..helm.chart import ChartRef, chart_ref, default_layers
from ..helm.layers import Layer, object_layer, string_layer
from ..helm.release import Release

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

CM_MARKERS = (b"ConfigMap", b"Secret")


class FluxManager(GitOpsManager):
    kind = "flux"

    def declared(self, ctx: ScanContext) -> list[Declared]:
        out: list[Declared] = []
        for rel, doc, data in objects(ctx, MARKERS):
            if not str(data.get("apiVersion", "")).startswith("helm.toolkit.fluxcd.io/"):
                continue
            if data.get("kind") != "HelmRelease" or not isinstance(data.get("spec"), dict):
                continue
            found = self._release(ctx, rel, doc, data)
            if found is not None:
                out.append(found)
        return out

    def _chart(
        self,
        ctx: ScanContext,
        rel: str,
        doc: YamlDoc,
        spec: dict[str, Any],
        files: set[str],
        facts: list[Unreadable],
    ) -> ChartRef | None:
        where = ctx.source.display(rel)
        if isinstance(spec.get("chartRef"), dict):
            ref = spec["chartRef"]
            if ref.get("kind") != "OCIRepository":
                return None
            found = find_object(
                ctx, "source.toolkit.fluxcd.io/", "OCIRepository", str(ref.get("name")), MARKERS
            )
            if found is None:
                # The source is defined elsewhere (a shared flux-system folder): its name
                # is all there is to go by.
                oname = str(ref.get("name"))
                chart = chart_ref(ctx, oname, None)
                if chart is None:  # not the LiteMaaS chart by name: its values may say
                    return other_chart(
                        ctx,
                        oname,
                        None,
                        describe=f"chart of OCIRepository {oname} (not in this repository)",
                    )
                facts.append(
                    Unreadable(
                        where,
                        *_pos(doc, ("spec", "chartRef")),
                        f"chartRef OCIRepository {oname!r} is not in this repository",
                        Severity.WARNING,
                    )
                )
                return chart
            orel, odoc, odata = found
            ospec = odata.get("spec") or {}
            url = str(ospec.get("url", ""))
            oref = ospec.get("ref") or {}
            tag = oref.get("tag") if isinstance(oref, dict) else None
            at: tuple[str, int, YamlPath] | None = None
            if tag is not None:
                at = (orel, odoc.index, ("spec", "ref", "tag"))
            name = chart_name(url)
            version = str(tag) if tag else None
            chart = chart_ref(ctx, name, version, at=at) or other_chart(ctx, name, version, at=at)
            files.add(orel)
            chart.describe = f"OCIRepository {odata['metadata']['name']} ({url}:{tag})" + (
                f" = LiteMaaS {chart.release.version} (catalog)" if chart.release else ""
            )
            return chart
        cspec = (
            ((spec.get("chart") or {}).get("spec") or {})
            if isinstance(spec.get("chart"), dict)
            else {}
        )
        if not isinstance(cspec, dict) or not cspec.get("chart"):
            return None
        name = str(cspec["chart"])
        source = cspec.get("sourceRef") or {}
        version = cspec.get("version")
        at = (rel, doc.index, ("spec", "chart", "spec", "version")) if version is not None else None
        if isinstance(source, dict) and source.get("kind") == "GitRepository":
            folder = norm("", name)
            found = find_object(
                ctx, "source.toolkit.fluxcd.io/", "GitRepository", str(source.get("name")), MARKERS
            )
            gref, gat = None, None
            if found is not None:
                grel, gdoc, gdata = found
                r = (gdata.get("spec") or {}).get("ref") or {}
                if isinstance(r, dict) and r.get("tag") is not None:
                    gref, gat = str(r["tag"]), (grel, gdoc.index, ("spec", "ref", "tag"))
                    files.add(grel)
            base = posixpath.basename(name.rstrip("/"))
            return chart_ref(ctx, base, gref, folder=folder, at=gat) or other_chart(
                ctx, base, gref, at=gat
            )
        version = str(version) if version is not None else None
        chart = chart_ref(ctx, name, version, at=at)
        if chart is None:
            chart = other_chart(ctx, name, version, at=at)
            repo = (
                find_object(
                    ctx,
                    "source.toolkit.fluxcd.io/",
                    str(source.get("kind")),
                    str(source.get("name")),
                    MARKERS,
                )
                if isinstance(source, dict) and source.get("kind") == "HelmRepository"
                else None
            )
            if repo is not None:
                url = str((repo[2].get("spec") or {}).get("url", ""))
                chart.describe = f"chart {name} {version or '(no version)'} from {url}"
        return chart

    def _release(
        self, ctx: ScanContext, rel: str, doc: YamlDoc, data: dict[str, Any]
    ) -> Declared | None:
        src = ctx.source
        where = src.display(rel)
        spec = data["spec"]
        files = {rel}
        facts: list[Unreadable] = []
        chart = self._chart(ctx, rel, doc, spec, files, facts)
        if chart is None:
            return None
        if not chart.known() and chart.implies is None:
            facts.append(
                Unreadable(
                    where,
                    0,
                    0,
                    f"{chart.describe}: not in this repository and not a release the chart catalog "
                    "knows (a version range or no version?); its default images are unknown",
                    Severity.WARNING,
                    Cause.CHART_RANGE,
                )
            )
        layers: list[Layer] = []
        defaults, app_version, app_site = default_layers(ctx, chart)
        if defaults is not None:
            layers.append(defaults)
        for i, entry in enumerate(spec.get("valuesFrom") or []):
            layer = self._values_from(ctx, rel, doc, i, entry, facts)
            if layer is not None:
                layers.append(layer)
                files.add(layer.file)
        objl = None
        if "values" in spec:
            objl = object_layer(rel, doc, ("spec", "values"), "spec.values")
            layers.append(objl)
        owner = objl or next(
            (la for la in reversed(layers) if la.kind == "string" and la.ydoc), None
        )
        if owner is None:
            owner = Layer("object", "spec.values", rel, doc.index, doc, ("spec", "values"), None)
        if not deploys(ctx, chart, layers):
            return None  # another chart, whose values hold no component image
        release = Release(chart, layers, owner, app_version, app_site)
        meta = data.get("metadata") or {}
        name = str(meta.get("name", ""))
        ns = str(meta.get("namespace", "")) or "flux-system"
        release.deploy = (
            f"git commit and push {word(where)}; Flux reconciles the HelmRelease:\n"
            f"    flux reconcile helmrelease {word(name)} -n {word(ns)} --with-source"
        )
        parts = [chart.describe] + [la.label for la in layers if la.kind != "default"]
        chart_at = ("spec", "chartRef") if "chartRef" in spec else ("spec", "chart")
        return Declared(
            where,
            f"Flux HelmRelease {name}: " + " + ".join(parts),
            release,
            files,
            facts,
            chart_pos=_pos(doc, chart_at),
            release_name=_release_name(spec, name),
            namespace=str(spec.get("targetNamespace") or "") or ns,
        )

    def _values_from(
        self, ctx: ScanContext, rel: str, doc: YamlDoc, i: int, entry: Any, facts: list[Unreadable]
    ) -> Layer | None:
        where = ctx.source.display(rel)
        at: YamlPath = ("spec", "valuesFrom", i)
        if not isinstance(entry, dict):
            return None
        kind, name = entry.get("kind"), str(entry.get("name", ""))
        key = str(entry.get("valuesKey") or "values.yaml")
        if entry.get("targetPath"):
            facts.append(
                Unreadable(
                    where,
                    *_pos(doc, at),
                    f"valuesFrom {kind} {name} with targetPath: not read",
                    Severity.WARNING,
                )
            )
            return None
        found = (
            find_object(ctx, "v1", str(kind), name, CM_MARKERS)
            if kind in ("ConfigMap", "Secret")
            else None
        )
        field = "data" if kind == "ConfigMap" else "stringData"
        if found is None or key not in (found[2].get(field) or {}):
            optional = " (optional)" if entry.get("optional") else ""
            facts.append(
                Unreadable(
                    where,
                    *_pos(doc, at),
                    f"valuesFrom {kind} {name}{optional}: key {key!r} not found in this repository "
                    f"(in {field}); the values it holds on the cluster are not known",
                    Severity.WARNING,
                )
            )
            return None
        crel, cdoc, _ = found
        return string_layer(
            ctx, crel, cdoc, (field, key), f"valuesFrom {kind} {name} ({ctx.source.display(crel)})"
        )


def _pos(doc: YamlDoc, path: YamlPath) -> tuple[int, int]:
    node = doc.find(path)
    return (node.line, node.col) if node is not None else (0, 0)


def _release_name(spec: dict[str, Any], name: str) -> str:
    """The Helm release a HelmRelease installs: `releaseName`, else its name, prefixed
    with `targetNamespace-` when it has one (as Flux names it)."""
    if spec.get("releaseName"):
        return str(spec["releaseName"])
    target = spec.get("targetNamespace")
    return f"{target}-{name}" if target else name
