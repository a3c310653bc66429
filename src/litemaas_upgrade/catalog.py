"""The chart catalog shipped with the rules: for each known release of a chart that is
referenced by version (not vendored), its appVersion and the image part of its values."""

from __future__ import annotations

from .config_check import checker_for
from .records import record
from .rules import Rules, read_data_file

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_CATALOG = "catalog.yaml"


@record(frozen=True)
class ChartRelease:
    chart: str
    version: str  # the release, e.g. LiteMaaS "0.2.0"
    refs: tuple[str, ...]  # git tags / chart versions naming it
    app_version: str | None
    values: dict[str, Any]
    file: str  # the catalog, for sites
    line: int


@record(frozen=True)
class CatalogChart:
    name: str
    names: tuple[str, ...]
    releases: tuple[ChartRelease, ...]

    def release(self, ref: str | None) -> ChartRelease | None:
        """The release a reference names exactly; None for ranges, branches, unknowns."""
        if ref is None:
            return None
        ref = str(ref).strip()
        for release in self.releases:
            if ref in release.refs:
                return release
        return None


@record(frozen=True)
class Catalog:
    charts: tuple[CatalogChart, ...]
    source: str

    def chart(self, name: str | None) -> CatalogChart | None:
        if not name:
            return None
        base = name.rstrip("/").rsplit("/", 1)[-1]
        for chart in self.charts:
            if base in chart.names:
                return chart
        return None


_CACHE: dict[str | None, Catalog] = {}


def catalog_for(rules: Rules) -> Catalog:
    """The catalog the rules name (built-in when they name none), parsed once."""
    key = rules.catalog
    cached = _CACHE.get(key)
    if cached is None:
        cached = load_catalog(key)
        _CACHE[key] = cached
    return cached


def load_catalog(path: str | None = None) -> Catalog:
    return parse_catalog(*read_data_file(path, DEFAULT_CATALOG, "the chart catalog"))


def parse_catalog(text: str, source: str) -> Catalog:
    checker, data = checker_for(text, source, "catalog")
    if not isinstance(data, dict) or data.get("schema") != 1:
        checker.fail(("schema",), "unsupported catalog schema (expected 1)")
    checker.known_keys(data, ("schema", "charts"))
    raw_charts = checker.mapping(data, "charts", (), "expected a mapping of charts")
    charts = []
    for name, raw in raw_charts.items():
        at: tuple[str | int, ...] = ("charts", name)
        checker.expect(isinstance(raw, dict), at, "a chart must be a mapping")
        checker.known_keys(raw, ("title", "names", "releases"), at)
        names = checker.str_list(raw, "names", at) if "names" in raw else [name]
        raw_releases = raw.get("releases") or []
        checker.expect(isinstance(raw_releases, list), at + ("releases",), "expected a list")
        releases = []
        for i, rel in enumerate(raw_releases):
            rat = at + ("releases", i)
            ok = isinstance(rel, dict) and isinstance(rel.get("version"), str)
            checker.expect(ok, rat, "a release needs a quoted `version`")
            checker.known_keys(rel, ("version", "source", "refs", "appVersion", "values"), rat)
            refs = rel.get("refs", [rel["version"]])
            ok = isinstance(refs, list) and all(isinstance(r, str) for r in refs)
            checker.expect(ok, rat + ("refs",), "expected a list of quoted strings")
            values = rel.get("values") or {}
            checker.expect(isinstance(values, dict), rat + ("values",), "expected a mapping")
            app = rel.get("appVersion")
            releases.append(
                ChartRelease(
                    str(name),
                    rel["version"],
                    tuple(refs),
                    str(app) if app is not None else None,
                    values,
                    source,
                    checker.position(rat)[0],
                )
            )
        charts.append(CatalogChart(str(name), tuple(names), tuple(releases)))
    return Catalog(tuple(charts), source)
