"""What a LiteMaaS chart release says about the LiteLLM its backend calls (installations):
`backend.litellmApiUrl` when set (the chart's templates use it before anything else), or
else, with `litellm.enabled`, the chart's own LiteLLM in the same release."""

from __future__ import annotations

from ...facts import CallsUrl, Serves
from ...installations import CALLEE, CALLER, URL_VALUE
from ...model import Target, format_path
from ..base import ScanContext
from .release import Release, site_of
from .values import get_path

# The chart's own LiteLLM: a CallsUrl with no URL (the release links to itself).
OWN = ""


def release_links(
    ctx: ScanContext, target: Target, rel: Release, namespace: str = ""
) -> list[CallsUrl]:
    if CALLER not in target.components:
        return []
    url = get_path(rel.merged, URL_VALUE)
    if isinstance(url, str) and url.strip():
        site = site_of(ctx, rel, URL_VALUE, "url")
        return [CallsUrl(CALLER, url.strip(), site.file, site.line, site.col, site.path, namespace)]
    if CALLEE in target.components:
        hints = ctx.rules.components[CALLEE].helm
        switch = hints.enabled if hints is not None and hints.enabled else (CALLEE, "enabled")
        site = site_of(ctx, rel, switch, "enabled")
        return [
            CallsUrl(CALLER, OWN, site.file, site.line, site.col, format_path(switch), namespace)
        ]
    return []


def fullname(values: dict, chart: str, release: str) -> str:
    """A chart's fully qualified name as Helm's chart scaffold derives it (the LiteMaaS
    chart and BerriAI's litellm-helm both do): fullnameOverride, else the release name
    when it contains the chart's name, else `<release>-<name>`; 63 characters at most."""
    override = values.get("fullnameOverride")
    if isinstance(override, str) and override:
        return override[:63].rstrip("-")
    name = values.get("nameOverride")
    name = name if isinstance(name, str) and name else chart
    out = release if name in release else f"{release}-{name}"
    return out[:63].rstrip("-")


def chart_services(
    target: Target, rel: Release, release: str, namespace: str, at: tuple[str, int, int]
) -> list[Serves]:
    """The Service of the LiteLLM a chart release deploys, named as the chart names it:
    BerriAI's chart (`<fullname>`, port `service.port`, 4000 by default) or the LiteMaaS
    chart's own LiteLLM (`<fullname>-litellm`, port 4000). Only when the release's name
    is known (an Argo CD Application, a Flux HelmRelease; a Helm release the config
    names): a guessed name would link wrongly."""
    if CALLEE not in target.components or not release:
        return []
    values = rel.merged
    file, line, col = at
    if CALLER in target.components:
        name = fullname(values, "litemaas", release) + "-litellm"
        ports: tuple[int, ...] = (4000,)
    elif rel.chart.name:
        name = fullname(values, rel.chart.name, release)
        port = get_path(values, ("service", "port"))
        ports = (port if isinstance(port, int) else 4000,)
    else:
        return []
    return [
        Serves(CALLEE, name[:63].rstrip("-"), namespace, ports, file, line, col, "chart naming")
    ]
