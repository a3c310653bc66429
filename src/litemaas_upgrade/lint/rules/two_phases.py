"""LU002: both sides of a constraint cross their boundaries in one change."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...judge import BOTH_PHASES, judge_transition
from ...model import Finding, Severity
from ..context import LintContext, describe, locate, phase_advice

CODE = codes.SAME_CHANGE
NAME = "not-two-phases"
SEVERITY = Severity.ERROR
EXPLANATION = """\
A change (the work tree against the base revision, or one step of a plan) moves LiteLLM
to 1.81.0 or later for a target whose backend, at the base, is still before 0.2.0 - even
when the same change also upgrades the backend. Deployed at once, the old backend meets
the new LiteLLM while the pods roll, and a failed backend rollout leaves exactly the
forbidden state. The upgrade guide requires two deployments, one after the other.

Implicit moves count: a vendored chart updated in the same change (a new appVersion, a
new LiteLLM default) moves every target that does not pin the tag, and a Kustomize base
changed under an overlay moves the overlay. A target that does not exist at the base is a
fresh install, to which no ordering applies.

Fix: split the change. Commit phase 1 (backend and frontend to 0.2.0, LiteLLM pinned at
its current tag), deploy it, then commit phase 2 (LiteLLM). `litemaas-upgrade plan . --out
upgrade/` writes `phase-1.diff` and `phase-2.diff`."""


def check(ctx: LintContext) -> Iterator[Finding]:
    for chk in ctx.checks:
        base = chk.base
        if base is None:
            continue  # fresh install, or no base: only the state is judged
        target = chk.target
        for p in judge_transition(base.components, target.components, ctx.rules):
            c = p.constraint
            if c is None or p.kind != BOTH_PHASES:
                continue
            lhs = target.components.get(c.if_component)
            lhs_base = base.components.get(c.if_component)
            rhs_base = base.components.get(c.then_component)
            rhs = target.components.get(c.then_component)
            file, line, col = locate(target, lhs)
            against = "before the step" if chk.from_plan else f"at {ctx.base_label or 'the base'}"
            message = (
                f"{chk.prefix}{c.if_component} moves {describe(lhs_base)} -> {describe(lhs)}, "
                f"past {c.if_at_least}, in the same change as {c.then_component} "
                f"{describe(rhs_base)} -> {describe(rhs)}; {against} {c.then_component} is "
                f"before {c.then_at_least}, so the two phases would be deployed at once"
            )
            advice = phase_advice(ctx.rules, c, lhs_base)
            if chk.from_plan:
                fix = f"split the step: {advice} first, {c.if_component} in a later phase"
            else:
                fix = (
                    f"split the change: commit {advice} alone and deploy it, then move "
                    f"{c.if_component} in a later commit (`litemaas-upgrade plan . --out "
                    "upgrade/` writes both phases)"
                )
            yield Finding(CODE, SEVERITY, message, file, line, col, target.path, fix)
