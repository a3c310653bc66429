"""LU012: a phase that `plan` or `apply` computed would deploy a forbidden, unverified or
two-phases-at-once state. The engine builds a check per target and phase (the target
before the phase as the base, after it as the state) and asks this rule; `plan` and
`apply` refuse when it finds anything."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...judge import FORBIDDEN, UNVERIFIED, blocking, explain, judge_transition
from ...model import Finding, Severity
from ..context import LintContext

CODE = codes.UNSAFE_PLAN
NAME = "plan-unsafe"
SEVERITY = Severity.ERROR
EXPLANATION = """\
A phase that `plan` or `apply` computed for a target would deploy what the rules forbid:
a forbidden state (LiteLLM at or past 1.81.0 with the backend before 0.2.0), an
unverified one (LiteLLM at or past the boundary next to a backend whose version the files
cannot tell: a floating tag, a digest alone, a chart default that is not in the
repository), or both phases at once. `plan` and `apply` then write nothing and exit 1.

It happens when a --*-tag option names a version below the boundary, when rules do not
fit the repository, or when the backend cannot be resolved: the tool never moves LiteLLM
past the boundary for a target whose backend it cannot read. `apply --phase N` refuses
the same way while an earlier phase is not done in the repository: phase N's edits are
planned on the files as the earlier phases leave them, and made on the files as they are,
they could move LiteLLM, or both sides at once, before the backend's phase is deployed.

Fix: make the backend's version readable (pin a versioned tag; vendor the chart or name
it with --chart), check the --*-tag options and the rules' phases, then plan again.
Reported by `plan` and `apply`; `lint` reports a plan file's steps as LU001 and LU002."""


def check(ctx: LintContext) -> Iterator[Finding]:
    """Only the steps the engine computed (`Check.computed`): lint's own checks of the
    repository and of plan files are judged by LU001 and LU002 instead."""
    for chk in ctx.checks:
        if not chk.computed:
            continue
        before = chk.base.components if chk.base is not None else None
        after = chk.target.components
        for problem in blocking(judge_transition(before, after, ctx.rules)):
            # "it would deploy" reads only before a state ("litellm X with backend Y");
            # the other problems' sentences say what the change does themselves.
            deploys = "it would deploy " if problem.kind in (FORBIDDEN, UNVERIFIED) else ""
            yield Finding(
                CODE,
                SEVERITY,
                f"{chk.where} is unsafe for {chk.target.path}: {deploys}"
                f"{explain(problem, before, after)}",
                target=chk.target.path,
                fix=_fix(problem.kind),
            )


def phase_not_done(phase: int, first: int, count: int) -> Finding:
    """`apply --phase N` on a repository where phase `first` (< N) is not done yet."""
    return Finding(
        CODE,
        SEVERITY,
        f"phase {phase} is unsafe for this repository: phase {first} is not done in it yet "
        f"({count} file(s) would change)",
        fix=f"apply --phase {first} first, deploy and verify it, then come back for the "
        "next phase",
    )


def _fix(kind: str) -> str:
    if kind == "unverified":
        return (
            "make the backend's version readable (a versioned tag; the chart in the "
            "repository or named with --chart), then plan again"
        )
    return "check the --*-tag options and the rules' phases"
