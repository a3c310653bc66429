"""Argo CD Application / ApplicationSet sources with a Helm chart.

Helm precedence as Argo CD applies it: the chart's values, then `valueFiles` in order,
then `valuesObject` (or, when there is none, the `values` string), then `parameters`.
A `$name/path` value file is a file of the source whose `ref` is `name`; such sources
are taken to be this repository (their repoURL cannot be checked offline)."""

from __future__ import annotations

import posixpath

from ...facts import Cause, Unreadable
from ...model import Severity, YamlPath
from ...shellword import word
from ...yamlio import YamlDoc
from ..base import ScanContext, norm
from ..gitops import MARKERS, Declared, GitOpsManager, objects
from ..gitops.charts import chart_name, deploys, other_chart
from ..helm.chart import ChartRef, chart_ref, default_layers
from ..helm.layers import Layer, object_layer, parameters_layer, string_layer
from ..helm.release import Release
from ..helm.unreadable import override_layer

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any


class ArgoCDManager(GitOpsManager):
    kind = "argocd"

    def declared(self, ctx: ScanContext) -> list[Declared]:
        out: list[Declared] = []
        for rel, doc, data in objects(ctx, MARKERS):
            if not str(data.get("apiVersion", "")).startswith("argoproj.io/"):
                continue
            if data.get("kind") == "Application":
                spec_at: YamlPath = ("spec",)
            elif data.get("kind") == "ApplicationSet":
                spec_at = ("spec", "template", "spec")
            else:
                continue
            spec = doc.find(spec_at)
            if spec is None or spec.kind != "mapping":
                continue
            spec_data: Any = spec.python()
            name = str((data.get("metadata") or {}).get("name", "")) or rel
            dest = spec_data.get("destination") or {}
            namespace = str(dest.get("namespace", "")) if isinstance(dest, dict) else ""
            sources: list[YamlPath] = []
            if isinstance(spec_data.get("source"), dict):
                sources.append(spec_at + ("source",))
            for i, s in enumerate(spec_data.get("sources") or []):
                if isinstance(s, dict):
                    sources.append(spec_at + ("sources", i))
            refs = {}
            for at in sources:
                s = doc.find(at).python()  # type: ignore[union-attr]
                if s.get("ref") and not s.get("chart") and not s.get("path"):
                    refs[str(s["ref"])] = s
            for at in sources:
                found = self._source(ctx, rel, doc, at, refs, name, namespace, data["kind"])
                if found is not None:
                    out.append(found)
        return out

    def _source(
        self,
        ctx: ScanContext,
        rel: str,
        doc: YamlDoc,
        at: YamlPath,
        refs: dict[str, Any],
        app: str,
        namespace: str,
        kind: str,
    ) -> Declared | None:
        src = ctx.source
        s = doc.find(at).python()  # type: ignore[union-attr]
        revision = s.get("targetRevision")
        revision = str(revision) if revision is not None else None
        rev_at = (rel, doc.index, at + ("targetRevision",)) if "targetRevision" in s else None
        url = str(s.get("repoURL") or "")
        chart: ChartRef | None
        if s.get("chart"):
            name = str(s["chart"])
            chart = chart_ref(ctx, name, revision, at=rev_at) or other_chart(
                ctx, name, revision, at=rev_at
            )
        elif s.get("path") and url.startswith("oci://"):
            # An OCI source: the chart is the artifact at repoURL; `path` is inside it.
            name = chart_name(url)
            chart = chart_ref(ctx, name, revision, at=rev_at) or other_chart(
                ctx, name, revision, at=rev_at
            )
        elif s.get("path"):
            folder = norm("", str(s["path"]))
            name = posixpath.basename(str(s["path"]).rstrip("/"))
            chart = chart_ref(ctx, name, revision, folder=folder, at=rev_at)
            if chart is None and folder is not None:
                if src.exists(posixpath.join(folder, "Chart.yaml")):
                    # A chart here that holds no component image: one its values may give.
                    chart = ChartRef(
                        name, revision, vendored=folder, describe=f"chart {src.display(folder)}"
                    )
                    chart.implies = ()
                elif isinstance(s.get("helm"), dict) and not src.exists(folder):
                    chart = other_chart(ctx, name, revision, at=rev_at)  # another repository's
        else:
            return None
        if chart is None:
            return None
        facts: list[Unreadable] = []
        where = src.display(rel)
        files = {rel}
        if chart.vendored is None and chart.release is None and chart.implies is None:
            facts.append(
                Unreadable(
                    where,
                    *_pos(doc, rev_at[2] if rev_at else at),
                    f"{chart.describe}: not in this repository and not a release the chart "
                    "catalog knows; its default images are unknown",
                    Severity.WARNING,
                    Cause.CHART_NOT_PINNED,
                )
            )
        layers: list[Layer] = []
        broken: list[str] = []  # value files that are not YAML: the release's error
        defaults, app_version, app_site = default_layers(ctx, chart)
        if defaults is not None:
            layers.append(defaults)
        helm_at = at + ("helm",)
        helm = s.get("helm") if isinstance(s.get("helm"), dict) else {}
        for i, vf in enumerate(helm.get("valueFiles") or []):
            vf = str(vf)
            if vf.startswith("$"):
                ref_name, _, inner = vf[1:].partition("/")
                target_rel = norm("", inner) if ref_name in refs else None
                what = f"value file {vf} (source ref {ref_name!r})"
            elif chart.vendored is not None:
                target_rel = norm(chart.vendored, vf)
                what = f"value file {vf}"
            elif "://" in vf:  # a URL: fetched by Argo CD, never by this tool
                target_rel = None
                what = f"value file {vf} (a URL, not read)"
            else:
                target_rel = None
                what = f"value file {vf} (in the chart's own repository)"
            if target_rel is None or not src.exists(target_rel):
                vat = helm_at + ("valueFiles", i)
                facts.append(
                    Unreadable(
                        where,
                        *_pos(doc, vat),
                        f"{what}: not found in this repository; its values are not known",
                        Severity.WARNING,
                    )
                )
                continue
            files.add(target_rel)
            label = f"-f {src.display(target_rel)}"
            layers.append(override_layer(ctx, target_rel, label, broken))
        string = string_layer(ctx, rel, doc, helm_at + ("values",), "values string")
        objl = None
        if "valuesObject" in helm:
            objl = object_layer(rel, doc, helm_at + ("valuesObject",), "valuesObject")
            layers.append(objl)
            if string is not None:
                facts.append(
                    Unreadable(
                        where,
                        *_pos(doc, helm_at + ("values",)),
                        "both `values` and `valuesObject` are set: Argo CD uses valuesObject only",
                        Severity.INFO,
                    )
                )
                string = None
        elif string is not None:
            layers.append(string)
        params = parameters_layer(rel, doc, helm_at + ("parameters",), "parameters")
        if params is not None:
            layers.append(params)
        owner = objl or string or params
        if owner is None:
            user_files = [layer for layer in layers if layer.kind == "file"]
            owner = (
                user_files[-1]
                if user_files
                else Layer(
                    "object", "valuesObject", rel, doc.index, doc, helm_at + ("valuesObject",), None
                )
            )
        if not deploys(ctx, chart, layers):
            return None  # another chart, whose values hold no component image
        release = Release(chart, layers, owner, app_version, app_site)
        if chart.vendored is not None and app_site is not None:
            files.add(posixpath.join(chart.vendored, "Chart.yaml"))
        release.deploy = (
            f"git commit and push {word(where)}; Argo CD syncs the {kind} {word(app)}"
            + (f" (namespace {word(namespace)})" if namespace else "")
            + f":\n    argocd app sync {word(app)}"
        )
        parts = [chart.describe] + [layer.label for layer in layers if layer.kind != "default"]
        formed = f"Argo CD {kind} {app}: " + " + ".join(parts)
        return Declared(
            where,
            formed,
            release,
            files,
            facts,
            broken,
            chart_pos=_pos(doc, rev_at[2] if rev_at else at),
            release_name=_release_name(s, app),
            namespace=namespace,
        )


def _pos(doc: YamlDoc, path: YamlPath) -> tuple[int, int]:
    node = doc.find(path)
    return (node.line, node.col) if node is not None else (0, 0)


def _release_name(source: dict[str, Any], app: str) -> str:
    """The Helm release an Argo CD source installs: `helm.releaseName`, else the app's name."""
    helm = source.get("helm")
    name = helm.get("releaseName") if isinstance(helm, dict) else None
    return str(name) if name else app
