"""What a LiteMaaS chart release says about Redis (LU018), kept as a fact before the merged
values are let go: `redis.enabled` and `backend.redis.host`, the two values the v0.4.0
chart builds the backend's REDIS_HOST from, and the chart whose templates read them."""

from __future__ import annotations

from ...facts import RedisValues
from ...model import Target, YamlPath, format_path
from ..base import ScanContext
from .release import Release, site_of
from .values import get_path

ENABLED = ("redis", "enabled")
HOST = ("backend", "redis", "host")
# The lint rule that reads these facts (rulesets.ADVISORY_KINDS).
KIND = "redis-consistency"


def redis_values(ctx: ScanContext, target: Target, rel: Release) -> list[RedisValues]:
    """The release's Redis values, when the rules ask for the check and the release
    deploys a backend whose chart values are where the rules say (never guessed)."""
    if not any(a.kind == KIND for a in ctx.rules.advisories):
        return []
    backend = ctx.rules.components.get("backend")
    hints = backend.helm if backend is not None else None
    locs = rel.locations.get("backend") or []
    if hints is None or "backend" not in target.components or len(locs) != 1:
        return []
    loc = locs[0].path
    if loc[-len(hints.values) :] != hints.values:
        return []
    prefix = loc[: len(loc) - len(hints.values)]
    if any(not isinstance(p, str) for p in prefix):
        return []
    chart = _chart_folder(rel, prefix)
    enabled = get_path(rel.merged, prefix + ENABLED)
    host = get_path(rel.merged, prefix + HOST)
    if enabled is None and host is None:
        return []  # a chart before v0.4.0, values that say nothing of Redis
    return [
        RedisValues(
            enabled if isinstance(enabled, bool) else None,
            _at(ctx, rel, prefix + ENABLED) if enabled is not None else ("", 0, 0),
            host.strip() if isinstance(host, str) else "",
            _at(ctx, rel, prefix + HOST) if isinstance(host, str) and host.strip() else ("", 0, 0),
            chart,
            format_path(prefix) + "." if prefix else "",
        )
    ]


def _at(ctx: ScanContext, rel: Release, path: YamlPath) -> tuple[str, int, int]:
    site = site_of(ctx, rel, path, "redis")
    return site.file, site.line, site.col


def _chart_folder(rel: Release, prefix: tuple[str | int, ...]) -> str:
    """The folder of the chart that renders the backend: the release's chart, or the
    vendored subchart whose values sit under `prefix`; "" when not in the repository."""
    if not prefix:
        return rel.chart.vendored or ""
    for sub in rel.chart.subcharts:
        if sub.key == prefix:
            return sub.sub.folder
    return ""
