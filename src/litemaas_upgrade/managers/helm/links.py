"""What a LiteMaaS chart release says about the LiteLLM its backend calls (installations):
`backend.litellmApiUrl` when set (the chart's templates use it before anything else), or
else, with `litellm.enabled`, the chart's own LiteLLM in the same release."""

from __future__ import annotations

from ...facts import CallsUrl
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
