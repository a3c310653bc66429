"""Charts a GitOps object deploys that are neither in the repository nor in the chart
catalog: a LiteLLM chart (litellm-helm, pulled from its OCI registry) or a generic one
such as the bjw-s app-template. The object is a target when it deploys a component: the
chart's name is one of the component's image names (the rules' patterns: `litellm-helm`
is a LiteLLM chart), or its values hold a component image (app-template's
`controllers.*.containers.*.image`, read wherever it is). What only the chart's
defaults could tell is unknown, with the reason."""

from __future__ import annotations

from ...facts import Cause, Unreadable
from ...model import Severity, Target, YamlPath
from ..base import ScanContext
from ..helm.chart import ChartRef
from ..helm.discover import implied
from ..helm.images import find_images
from ..helm.layers import Layer
from ..helm.values import merge_overrides


def chart_name(url: str) -> str:
    """The chart a repository URL names by its last segment (`oci://ghcr.io/berriai/
    litellm-helm` -> `litellm-helm`)."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def other_chart(
    ctx: ScanContext,
    name: str | None,
    ref: str | None,
    *,
    describe: str = "",
    at: tuple[str, int, YamlPath] | None = None,
) -> ChartRef:
    """A chart not in the repository and not in the catalog."""
    out = ChartRef(name, ref, implies=implied(ctx, name))
    if at is not None:
        out.file, out.doc, out.path = at
    out.describe = describe or f"chart {name or '(unnamed)'} {ref or '(no version)'}"
    return out


def deploys(ctx: ScanContext, chart: ChartRef, layers: list[Layer]) -> bool:
    """Whether a release of a chart outside the catalog deploys a component: by the
    chart's name, or by a component image in the values the object gives it."""
    if chart.release is not None or chart.implies is None:
        return True  # the LiteMaaS chart
    if chart.implies:
        return True
    user = merge_overrides([la.data for la in layers if la.kind != "default"], share=True)
    return bool(find_images(user, ctx.rules))


def not_in_repository(
    ctx: ScanContext, target: Target, chart: ChartRef, where: str, line: int, col: int
) -> None:
    """After resolving: a component the chart implies whose image is unknown says why
    (LU009), at the object's chart reference."""
    if chart.implies is None or chart.vendored is not None:
        return
    unknown = [n for n, s in sorted(target.components.items()) if s.image is None]
    if unknown:
        target.facts.append(
            Unreadable(
                where,
                line,
                col,
                f"{chart.describe} is not in the repository: the values do not set all of "
                f"the image of {', '.join(unknown)}, and its defaults are unknown",
                Severity.WARNING,
                Cause.CHART_NOT_IN_REPO,
            )
        )
