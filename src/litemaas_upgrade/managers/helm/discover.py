"""Which files go together: LiteMaaS charts, the override files deployed with them, and
targets the user or the repository's config file names explicitly."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from ...errors import InputError, UsageError
from ...lazypattern import lazy
from ...records import record
from ...rules import Rules
from ..base import ScanContext
from .images import find_images

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any


@record(frozen=True)
class HelmSpec:
    chart: str | None  # chart folder, relative to the source root
    values: tuple[str, ...]  # override files in `-f` order
    formed: str
    # Only the config file names them; found releases get placeholders in the runbook
    # rather than a guess that a copy-paste would deploy to the wrong release.
    release: str | None = None
    namespace: str | None = None
    # The chart folder named has no Chart.yaml: this release's error, not the run's.
    no_chart_file: tuple[str, int, int] | None = None  # (file, line, col) that names it

    @property
    def path(self) -> str:
        return self.values[-1] if self.values else (self.chart or ".")


def chart_dirs(ctx: ScanContext) -> list[str]:
    """Chart folders that are not subcharts of another chart in the tree."""
    dirs = [posixpath.dirname(f) for f in ctx.source.named("Chart.yaml")]
    top = []
    for d in sorted(dirs):
        if any(d != o and _inside(d, o) for o in dirs):
            continue  # charts/<sub>/ of another chart: part of that chart
        top.append(d)
    return top


def _inside(path: str, folder: str) -> bool:
    return folder == "" or path == folder or path.startswith(folder + "/")


@record(frozen=True)
class Subchart:
    """A dependency vendored as a folder under `<chart>/charts/`: Helm gives it the
    parent's values under `key` (the dependency's alias, or its name)."""

    folder: str
    key: str
    conditions: tuple[str, ...] = ()  # `condition: a.enabled,b.enabled`, parent paths


def subcharts(ctx: ScanContext, chart: str) -> list[Subchart]:
    """The chart's vendored subcharts (folders; `.tgz` archives are not read), with the
    alias and condition its Chart.yaml `dependencies:` gives each. A chart listed twice
    under two aliases is two subcharts; a folder not listed is one under its name."""
    base = posixpath.join(chart, "charts")
    folders = sorted(
        posixpath.dirname(f)
        for f in ctx.source.named("Chart.yaml")
        if posixpath.dirname(posixpath.dirname(f)) == base
    )
    if not folders:
        return []
    meta = _first_data(ctx, posixpath.join(chart, "Chart.yaml"))
    deps = meta.get("dependencies") if isinstance(meta, dict) else None
    deps = [d for d in deps if isinstance(d, dict)] if isinstance(deps, list) else []
    out = []
    for folder in folders:
        sub = _first_data(ctx, posixpath.join(folder, "Chart.yaml"))
        name = sub.get("name") if isinstance(sub, dict) else None
        name = name if isinstance(name, str) and name else posixpath.basename(folder)
        listed = [d for d in deps if d.get("name") == name]
        for dep in listed:
            alias = dep.get("alias")
            key = alias if isinstance(alias, str) and alias else name
            cond = dep.get("condition")
            conds = (
                tuple(c.strip() for c in cond.split(",") if c.strip())
                if isinstance(cond, str)
                else ()
            )
            out.append(Subchart(folder, key, conds))
        if not listed:
            out.append(Subchart(folder, name))
    return out


def is_litemaas_chart(ctx: ScanContext, chart: str) -> bool:
    """A chart whose values hold a component image, its own or a vendored subchart's, or
    that depends on a chart the catalog knows (LiteMaaS) without vendoring it."""
    if chart_defaults(ctx, chart)[1]:
        return True
    if any(is_litemaas_chart(ctx, sub.folder) for sub in subcharts(ctx, chart)):
        return True
    if missing_dependencies(ctx, chart):
        return True
    # An image a template writes (literally, or in an expression that names it).
    from .templates import chart_templates, literal_components

    templates = chart_templates(ctx, chart)
    return bool(literal_components(ctx, chart)) or bool(templates.named)


@record(frozen=True, slots=True)
class MissingDependency:
    """A dependency in Chart.yaml that decides component images and is not vendored under
    `charts/` (a `.tgz` is not read either): what its defaults deploy is unknown."""

    key: str  # its values key (the alias, else the name)
    what: str  # `name version`, as the messages say it
    # The components it deploys: None for the LiteMaaS chart (every component the rules
    # give a Helm location), else those its name implies (litellm-helm: litellm).
    implies: tuple[str, ...] | None
    conditions: tuple[str, ...] = ()  # its `condition:` paths


def implied(ctx: ScanContext, name: str | None) -> tuple[str, ...]:
    """The components a chart deploys by its name alone: those whose image patterns
    match it (a chart named like a LiteLLM image deploys LiteLLM)."""
    if not name:
        return ()
    from ...imageref import ImageRef, ImageRefError

    try:
        ref = ImageRef.parse(name.lower())
    except ImageRefError:
        return ()
    found = ctx.rules.component_of(ref)
    return (found,) if found else ()


def missing_dependencies(ctx: ScanContext, chart: str) -> list[MissingDependency]:
    """Dependencies in the chart's Chart.yaml that deploy a component (the LiteMaaS chart
    the catalog knows, or a chart named like a component's image, such as litellm-helm)
    and that are not vendored as a folder under `charts/`: their defaults decide images
    the repository cannot show."""
    meta_file = posixpath.join(chart, "Chart.yaml")
    meta = _first_data(ctx, meta_file) if ctx.source.exists(meta_file) else None
    deps = meta.get("dependencies") if isinstance(meta, dict) else None
    if not isinstance(deps, list):
        return []
    from ...catalog import catalog_for

    catalog = catalog_for(ctx.rules)
    vendored = set()
    for sub in subcharts(ctx, chart):
        data = _first_data(ctx, posixpath.join(sub.folder, "Chart.yaml"))
        name = data.get("name") if isinstance(data, dict) else None
        vendored.add(name if isinstance(name, str) else posixpath.basename(sub.folder))
    out = []
    for dep in deps:
        name = dep.get("name") if isinstance(dep, dict) else None
        if not isinstance(name, str) or name in vendored:
            continue
        implies = None if catalog.chart(name) is not None else implied(ctx, name)
        if implies == ():
            continue  # a chart that deploys no component
        version = dep.get("version")
        alias = dep.get("alias")
        cond = dep.get("condition")
        out.append(
            MissingDependency(
                alias if isinstance(alias, str) and alias else name,
                f"{name} {version}" if version is not None else name,
                implies,
                tuple(c.strip() for c in cond.split(",") if c.strip())
                if isinstance(cond, str)
                else (),
            )
        )
    return out


# Top-level keys that nearly every chart has (those `helm create` writes, and a few as
# common): a values file that shares only these with the LiteMaaS chart is as likely
# another chart's (an MCP server's `rbac:` and `image:` beside the LiteMaaS chart).
GENERIC_KEYS = frozenset(
    ("replicaCount", "image", "imagePullSecrets", "nameOverride", "fullnameOverride")
    + ("serviceAccount", "podAnnotations", "podLabels", "podSecurityContext")
    + ("securityContext", "service", "ingress", "httpRoute", "resources", "livenessProbe")
    + ("readinessProbe", "autoscaling", "volumes", "volumeMounts", "nodeSelector")
    + ("tolerations", "affinity", "rbac", "global", "commonLabels", "commonAnnotations")
)


def chart_keys(ctx: ScanContext, chart: str) -> set[str]:
    """The top-level keys that make a values file this chart's: its own keys but those
    every chart has (GENERIC_KEYS), unless its defaults hold a component image there (a
    LiteLLM chart's `image:`), and its subcharts' keys."""
    memo = ctx.memo.setdefault("chart_keys", {})  # (asked once per override file)
    found: set[str] | None = memo.get(chart)
    if found is None:
        data, located = chart_defaults(ctx, chart)
        images = {str(loc.path[0]) for ls in located.values() for loc in ls}
        keys = (set(data) - GENERIC_KEYS) | (set(data) & images)
        found = memo[chart] = keys | {sub.key for sub in subcharts(ctx, chart)}
    return found


def chart_defaults(ctx: ScanContext, chart: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A chart's values.yaml data ({} when absent or not a mapping) and the component
    images in it (find_images), found once per chart and scan."""
    memo = ctx.memo.setdefault("chart_defaults", {})
    found = memo.get(chart)
    if found is None:
        values = posixpath.join(chart, "values.yaml")
        data = _first_data(ctx, values) if ctx.source.exists(values) else None
        data = data if isinstance(data, dict) else {}
        found = memo[chart] = (data, find_images(data, ctx.rules) if data else {})
    return found


def _first_data(ctx: ScanContext, rel: str) -> Any:
    docs = ctx.source.yaml(rel).documents
    return docs[0].data if docs else None


def looks_like_override(ctx: ScanContext, rel: str, charts: list[str]) -> bool:
    name = rel.rpartition("/")[2].lower()  # (posixpath.basename: asked of many files)
    if "values" not in name or not name.endswith((".yaml", ".yml")):
        return False
    if any(_inside(rel, c) for c in charts):
        return False  # part of a vendored chart (its defaults or its examples)
    if rel in ctx.claimed:
        return False
    # Not YAML (a Go template such as helmfile's values, a binary file, broken text):
    # skipped with a notice, unless its text shows it is a release's (_broken_override).
    yf = ctx.source.yaml_or_skip(rel)
    try:
        data = yf.documents[0].data if yf is not None and yf.documents else None
    except InputError as exc:
        raw = ctx.source.read(rel)
        if b"{{" not in raw:
            raise  # YAML that cannot be read as values (an alias bomb): the input's error
        # A template whose `{{ }}` reads as a flow mapping key: YAML only once rendered.
        from ...sniff import not_yaml  # (rare: not loaded when every file reads)

        ctx.source.skipped.setdefault(rel, not_yaml(raw, exc))
        return False
    if not isinstance(data, dict) or ("apiVersion" in data and "kind" in data):
        return False
    return True


def relevant_override(data: dict[str, Any], chart_keys: set[str], rules: Rules) -> bool:
    """An override file belongs to a LiteMaaS release if it sets a component image or one
    of the keys that are the chart's own (chart_keys); a values file for another chart
    does not."""
    if find_images(data, rules):
        return True
    if chart_keys:
        return bool(chart_keys & set(data))
    hint_roots = {c.helm.values[0] for c in rules.components.values() if c.helm}
    return bool(hint_roots & set(data))


def discover(ctx: ScanContext) -> Iterator[HelmSpec]:
    """The releases, in order, each as soon as it is found: a caller that resolves each
    one before asking for the next reads its override file while it is still parsed."""
    opts = ctx.options
    all_charts = chart_dirs(ctx)
    if opts.charts or opts.values:
        yield _explicit(ctx, all_charts)
        return
    configured = (opts.config or {}).get("helm")
    if configured:  # (its shape was checked when it was read: config_check.check_config)
        yield from [_configured(ctx, entry, i) for i, entry in enumerate(configured)]
        return

    charts = [c for c in all_charts if is_litemaas_chart(ctx, c)]
    found = False
    used: set[str] = set()
    only = opts.only
    # Scoped (pre-commit lint): a changed chart (or a Chart.yaml come or gone) can move
    # every release and which chart each override file goes with; otherwise an override
    # file that did not change is not read at all (once the first release is found), so
    # one elsewhere that cannot be read, or is a Go template, is not reported either.
    scoped = only is not None and not any(
        posixpath.basename(c) == "Chart.yaml" or any(_inside(c, ch) for ch in all_charts)
        for c in only
    )
    undetermined: set[str] = set()
    for rel in ctx.source.files():
        if scoped and found and only is not None and rel not in only:
            if _may_be_override(rel, all_charts) and rel not in ctx.claimed:
                undetermined.add(rel)  # read only if another manager asks (is_claimed)
            continue
        spec = _override_spec(ctx, rel, all_charts, charts)
        if spec is None:
            continue
        chart = spec.chart
        if chart:
            used.add(chart)
        found = True
        yield spec
    if undetermined:
        decided: dict[str, bool] = {}

        def would_claim(rel: str) -> bool:
            if rel not in undetermined:
                return False
            if rel not in decided:
                decided[rel] = _override_spec(ctx, rel, all_charts, charts) is not None
            return decided[rel]

        ctx.deferred.append(would_claim)
    for chart in charts:
        if chart not in used:
            yield HelmSpec(
                chart, (), f"chart {ctx.source.display(chart or '.')} alone (no override files)"
            )


def _may_be_override(rel: str, all_charts: list[str]) -> bool:
    """looks_like_override's checks that need no reading."""
    name = rel.rpartition("/")[2].lower()  # (posixpath.basename: asked of many files)
    if "values" not in name or not name.endswith((".yaml", ".yml")):
        return False
    return not any(_inside(rel, c) for c in all_charts)


def _override_spec(
    ctx: ScanContext, rel: str, all_charts: list[str], charts: list[str]
) -> HelmSpec | None:
    """The release an override file forms with its chart, or None if it is not one."""
    if not looks_like_override(ctx, rel, all_charts):
        if rel in ctx.source.skipped and _may_be_override(rel, all_charts):
            return _broken_override(ctx, rel, charts)
        return None
    data = _first_data(ctx, rel)
    chart, why = _pick_chart(rel, charts)
    keys = chart_keys(ctx, chart) if chart else set()
    if not relevant_override(data, keys, ctx.rules):
        return None
    if chart:
        formed = f"chart {ctx.source.display(chart)} + -f {ctx.source.display(rel)} ({why})"
    else:
        formed = f"-f {ctx.source.display(rel)} (no LiteMaaS chart in this repository)"
    return HelmSpec(chart, (rel,), formed)


# A top-level key of a YAML mapping, read from text that does not parse.
_TOP_KEY = lazy(rb"(?m)^([A-Za-z0-9_.-]+)[ \t]*:")


def _broken_override(ctx: ScanContext, rel: str, charts: list[str]) -> HelmSpec | None:
    """A values file that is not YAML, when its text still shows what it is: it sets a
    top-level key of its LiteMaaS chart or names a component image, and is neither a
    template (helmfile renders those) nor binary. Helm would be given it, so it forms its
    release, which carries the error (unreadable.mark_unreadable) and whose images are
    unknown: never a release silently missing. Anything else stays a notice."""
    if rel in ctx.claimed:
        return None
    try:
        raw = ctx.source.read(rel)
    except InputError:
        return None
    if b"{{" in raw or b"\0" in raw:
        return None  # a template, or binary (or UTF-16/32) bytes: not text helm reads
    chart, why = _pick_chart(rel, charts)
    if chart:
        keys = chart_keys(ctx, chart)
    else:
        keys = {c.helm.values[0] for c in ctx.rules.components.values() if c.helm}
    top = {m.group(1).decode("ascii", "replace") for m in _TOP_KEY.finditer(raw)}
    if not top & keys:
        from ...sniff import named_images  # (only for a file that names no values key)

        if not named_images(raw, ctx.rules):
            return None
    shown = ctx.source.display(rel)
    if chart:
        formed = f"chart {ctx.source.display(chart)} + -f {shown} ({why})"
    else:
        formed = f"-f {shown} (no LiteMaaS chart in this repository)"
    return HelmSpec(chart, (rel,), formed)


def _pick_chart(rel: str, charts: list[str]) -> tuple[str | None, str]:
    if not charts:
        return None, ""
    if len(charts) == 1:
        return charts[0], "the only LiteMaaS chart"

    # Several charts: the one that shares the longest folder prefix with the file.
    def shared(chart: str) -> int:
        a, b = rel.split("/")[:-1], chart.split("/")
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n

    best = max(charts, key=lambda c: (shared(c), -charts.index(c)))
    return best, "nearest of several LiteMaaS charts; name it with --chart or the config file"


def _explicit(ctx: ScanContext, all_charts: list[str]) -> HelmSpec:
    opts = ctx.options
    if len(opts.charts) > 1:
        raise UsageError("--chart may be given once (one target); use the config file for several")
    chart = opts.charts[0] if opts.charts else None
    if chart is not None and not ctx.source.exists(posixpath.join(chart, "Chart.yaml")):
        raise UsageError(f"--chart {chart}: no Chart.yaml there")
    if chart is None:
        lite = [c for c in all_charts if is_litemaas_chart(ctx, c)]
        chart = lite[0] if len(lite) == 1 else None
    for v in opts.values:
        if not ctx.source.exists(v):
            raise UsageError(f"--values {v}: no such file below {ctx.source.display('')}")
    parts = [f"chart {ctx.source.display(chart)}"] if chart else []
    parts += [f"-f {ctx.source.display(v)}" for v in opts.values]
    return HelmSpec(chart, tuple(opts.values), " + ".join(parts) + " (command line)")


def _configured(ctx: ScanContext, entry: dict[str, Any], index: int) -> HelmSpec:
    from ...config_check import CONFIG_FILE, OUTSIDE, config_fail, outside

    chart = entry.get("chart")
    values = entry.get("values") or []
    if isinstance(values, str):
        values = [values]
    if chart is not None and outside(chart):
        config_fail(ctx.options.config, ("helm", index, "chart"), f"{chart}: {OUTSIDE}",
                    CONFIG_FILE)
    no_chart_file = None
    if chart is not None and not ctx.source.is_dir(posixpath.normpath(chart)):
        config_fail(  # a folder that is not there: a typo in the config, the run's error
            ctx.options.config, ("helm", index, "chart"), f"{chart}: no Chart.yaml there",
            CONFIG_FILE,
        )
    if chart is not None and not ctx.source.exists(posixpath.join(chart, "Chart.yaml")):
        # A folder without Chart.yaml: that release's error (lint, plan and apply go on
        # with the others).
        config = ctx.options.config
        checker = getattr(config, "checker", None)
        line, col = checker.position(("helm", index, "chart")) if checker else (0, 0)
        no_chart_file = (CONFIG_FILE, line, col)
    for i, rel in enumerate(values):
        at = ("helm", index, "values") + ((i,) if isinstance(entry["values"], list) else ())
        if outside(rel):
            config_fail(ctx.options.config, at, f"{rel}: {OUTSIDE}", CONFIG_FILE)
        if not ctx.source.exists(rel):
            config_fail(ctx.options.config, at, f"{rel}: not found", CONFIG_FILE)
    name = entry.get("name", f"helm[{index}]")
    parts = [f"chart {ctx.source.display(chart)}"] if chart else []
    parts += [f"-f {ctx.source.display(v)}" for v in values]
    return HelmSpec(
        chart,
        tuple(values),
        " + ".join(parts) + f" (config: {name})",
        release=entry.get("release"),
        namespace=entry.get("namespace"),
        no_chart_file=no_chart_file,
    )
