"""The chart a Helm release deploys: vendored in the repository (with its subcharts and
the dependencies it does not hold) or referenced by version and looked up in the catalog;
its default values and the appVersion an empty tag falls back to."""

from __future__ import annotations

import posixpath

from ...model import Site, YamlPath, format_path
from ...records import field, record
from ..base import ScanContext
from .discover import (
    MissingDependency,
    Subchart,
    is_litemaas_chart,
    missing_dependencies,
    subcharts,
)
from .layers import Layer, file_layer
from .templates import ChartTemplates, chart_templates
from .values import helm_string

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from ...catalog import ChartRelease


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
    # Dependencies that deploy components but the repository does not hold (default_layers).
    missing: list[MissingDependency] = field(default_factory=list)
    # A chart neither in the repository nor in the catalog (gitops/charts.py): the
    # components its defaults deploy (a LiteLLM chart: litellm), unknown unless the values
    # say. None: every component the rules give a Helm location (the LiteMaaS chart).
    implies: tuple[str, ...] | None = None
    # What the vendored chart's templates say about its images (default_layers).
    templates: ChartTemplates | None = None

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
        chart.templates = chart_templates(ctx, chart.vendored)
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
    templates: ChartTemplates | None = None


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
        out.append(
            SubchartDefaults(sub, key, conds, layer, app, site, chart_templates(ctx, sub.folder))
        )
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
