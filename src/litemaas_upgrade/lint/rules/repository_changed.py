"""LU007: a component's image repository changes (a fork or a mirror)."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...model import Finding, Severity
from ..context import NAME_SITES, LintContext, locate

CODE = codes.REPOSITORY_CHANGED
NAME = "repository-changed"
SEVERITY = Severity.WARNING
EXPLANATION = """\
The change points a component at another image repository: a fork, a mirror, or the
LiteMaaS-built LiteLLM image (`quay.io/rh-aiservices-bu/litellm-non-root`). That can be
intended, but the new repository must carry the tags the phases use, and a fork's versions
need not mean what upstream's do.

A move the rules declare (`moves:` in a rule set: the LiteMaaS v0.4.0 guide's switch of
LiteLLM from `ghcr.io/berriai/litellm-non_root` to the fork) is expected and not reported;
any other move is.

Fix: check that the repository holds the tag; silence the note with
`# litemaas-upgrade: ignore LU007 <reason>` once it is intended."""


def check(ctx: LintContext) -> Iterator[Finding]:
    for chk in ctx.checks:
        if chk.base is None:
            continue
        for name, state in sorted(chk.target.components.items()):
            before = chk.base.components.get(name)
            if before is None or before.image is None or state.image is None:
                continue
            if before.image.name == state.image.name:
                continue
            if ctx.rules.expected_move(name, before.image, state.image) is not None:
                continue  # the guide's own move (the LiteLLM fork)
            file, line, col = locate(chk.target, state, NAME_SITES)
            yield Finding(
                CODE,
                SEVERITY,
                f"{chk.prefix}{name}'s image repository changes: {before.image.name} -> "
                f"{state.image.name}",
                file,
                line,
                col,
                chk.target.path,
                f"make sure {state.image.name} carries the tags the upgrade uses",
            )
