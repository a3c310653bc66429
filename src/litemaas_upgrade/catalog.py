"""The chart catalog shipped with the rules: for each known release of a chart that is
referenced by version (not vendored), its appVersion and the image part of its values."""

from __future__ import annotations

from .errors import InputError
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
    from .yamlio import YamlFile

    yf = YamlFile.parse(text.encode("utf-8"), source)
    doc = yf.documents[0] if yf.documents else None
    data = doc.data if doc is not None else None

    def fail(at: tuple[str | int, ...], message: str) -> InputError:
        node = None
        probe = at
        while probe and doc is not None:
            node = doc.find(probe)
            if node is not None:
                break
            probe = probe[:-1]
        where = ".".join(str(p) for p in at)
        return InputError(
            source,
            f"catalog: {where}: {message}",
            node.line if node else 0,
            node.col if node else 0,
        )

    if not isinstance(data, dict) or data.get("schema") != 1:
        raise fail(("schema",), "unsupported catalog schema (expected 1)")
    raw_charts = data.get("charts")
    if not isinstance(raw_charts, dict):
        raise fail(("charts",), "expected a mapping of charts")
    charts = []
    for name, raw in raw_charts.items():
        at: tuple[str | int, ...] = ("charts", name)
        if not isinstance(raw, dict):
            raise fail(at, "a chart must be a mapping")
        names = raw.get("names", [name])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise fail(at + ("names",), "expected a list of strings")
        releases = []
        for i, rel in enumerate(raw.get("releases") or []):
            rat = at + ("releases", i)
            if not isinstance(rel, dict) or not isinstance(rel.get("version"), str):
                raise fail(rat, "a release needs a quoted `version`")
            refs = rel.get("refs", [rel["version"]])
            if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
                raise fail(rat + ("refs",), "expected a list of quoted strings")
            values = rel.get("values") or {}
            if not isinstance(values, dict):
                raise fail(rat + ("values",), "expected a mapping")
            app = rel.get("appVersion")
            node = doc.find(rat) if doc is not None else None
            releases.append(
                ChartRelease(
                    str(name),
                    rel["version"],
                    tuple(refs),
                    str(app) if app is not None else None,
                    values,
                    source,
                    node.line if node is not None else 0,
                )
            )
        charts.append(CatalogChart(str(name), tuple(names), tuple(releases)))
    return Catalog(tuple(charts), source)
