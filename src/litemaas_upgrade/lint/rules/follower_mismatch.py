"""LU003: a component that follows another (the frontend follows the backend) is on a
different version."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...judge import followers
from ...model import Finding, Severity
from ..context import LintContext, describe, locate
from ..valuefix import tag_fix

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
        for name, leader_name in followers(target.components, ctx.rules):
            state, leader = target.components[name], target.components[leader_name]
            file, line, col = locate(target, state)
            yield Finding(
                CODE,
                SEVERITY,
                f"{chk.prefix}{name} is at {describe(state)} but {leader_name} at "
                f"{describe(leader)}: they are released together",
                file,
                line,
                col,
                target.path,
                f"set {name}'s tag to {leader.tag or leader.version}",
                None if chk.from_plan or not leader.tag else tag_fix(target, state, leader.tag),
            )
