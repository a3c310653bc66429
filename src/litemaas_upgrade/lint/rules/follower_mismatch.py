"""LU003: a component that follows another (the frontend follows the backend) is on a
different version."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...model import Finding, Severity
from ..context import LintContext, describe, locate

CODE = codes.FOLLOWER_MISMATCH
NAME = "follower-mismatch"
SEVERITY = Severity.WARNING
EXPLANATION = """\
The LiteMaaS frontend and backend are released together and should run the same version;
this target deploys them on different ones (the rules say which component follows which:
`follows: backend`). A common cause: only `backend.image.tag` was set, and the frontend
still follows the chart's appVersion.

Fix: set the frontend's tag to the backend's."""


def check(ctx: LintContext) -> Iterator[Finding]:
    for chk in ctx.checks:
        target = chk.target
        for name, comp in sorted(ctx.rules.components.items()):
            if comp.follows is None:
                continue
            state = target.components.get(name)
            leader = target.components.get(comp.follows)
            if state is None or leader is None:
                continue
            if state.version is None or leader.version is None:
                continue
            if state.version == leader.version:
                continue
            file, line, col = locate(target, state)
            yield Finding(
                CODE,
                SEVERITY,
                f"{chk.prefix}{name} is at {describe(state)} but {comp.follows} at "
                f"{describe(leader)}: they are released together",
                file,
                line,
                col,
                target.path,
                f"set {name}'s tag to {leader.tag or leader.version}",
            )
