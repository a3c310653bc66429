"""LU015: an image whose repository and tag come from two releases (the fork's repository
with upstream's tag, or upstream's repository with the fork's tag)."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...judge import mixed_images
from ...model import Finding, Severity
from ..context import NAME_SITES, LintContext, locate

CODE = codes.MIXED_RELEASE_IMAGE
NAME = "mixed-release-image"
SEVERITY = Severity.ERROR
EXPLANATION = """\
A rule set moves a component to another image repository whose tags differ from the old
one's (LiteMaaS v0.4.0 moves LiteLLM from `ghcr.io/berriai/litellm-non_root` to the fork
`quay.io/rh-aiservices-bu/litellm-non-root`, whose tag is `main-v1.81.0-stable-custom`).
This target combines the new repository with an old tag, or an old repository with the new
tag: an image no release of either chart ships, which the cluster cannot pull. A common
cause: a tag pinned in an override file (`litellm.image.tag: main-v1.81.0-stable`) meets a
chart whose default repository is now the fork.

Fix: set the repository and the tag together (`litellm.image.repository` and
`litellm.image.tag`), or lift the pin so that the chart's defaults decide both."""


def check(ctx: LintContext) -> Iterator[Finding]:
    for chk in ctx.checks:
        target = chk.target
        for name, move in mixed_images(target.components, ctx.rules):
            state = target.components[name]
            assert state.image is not None
            fork = move.is_new(state.image)
            whose = (
                "the new repository with a tag only the old one has"
                if fork
                else ("an old repository with a tag only the new one has")
            )
            file, line, col = locate(target, state, NAME_SITES)
            want = (
                f"a tag matching {', '.join(move.tags)} with {move.to}"
                if fork
                else f"{move.to} with its tag ({', '.join(move.tags)})"
            )
            yield Finding(
                CODE,
                SEVERITY,
                f"{chk.prefix}{name} image {state.image} mixes two releases: {whose}; no "
                "release ships it",
                file,
                line,
                col,
                target.path,
                f"set repository and tag together: {want}, or lift the tag pin",
            )
