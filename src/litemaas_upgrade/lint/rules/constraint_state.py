"""LU001: a state the rules forbid (LiteLLM at or past the boundary, backend before it)."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...judge import FORBIDDEN, UNVERIFIED, judge_state
from ...model import ComponentState, Finding, Severity, ValueFix
from ...rules import Constraint
from ..context import Check, LintContext, describe, locate, phase_advice
from ..valuefix import pointed_site, same_site, tag_fix

CODE = codes.LITELLM_BEFORE_BACKEND
NAME = "constraint-broken"
SEVERITY = Severity.ERROR
EXPLANATION = """\
A target deploys a state that a constraint of the rules forbids: with the built-in rules,
LiteLLM at 1.81.0 or later while the LiteMaaS backend is before 0.2.0. LiteLLM 1.81.0
changed the /key/info response, and older backends show API key spend and budget wrongly
against it.

Also reported when LiteLLM is at or past the boundary and the backend's version cannot be
known (a floating tag such as `latest`, an unreadable image): the gate fails closed.

It happens when LiteLLM is upgraded first (its tag, or a vendored chart's default that the
target does not pin), or when the backend is rolled back below 0.2.0 while LiteLLM stays
new.

Fix: upgrade in two phases. Phase 1 moves the backend and frontend to 0.2.0 with LiteLLM
pinned at its current tag; deploy it; phase 2 then moves LiteLLM.
`litemaas-upgrade plan . --out upgrade/` writes both phases (`upgrade/phase-1.diff`). To
roll back the backend, revert LiteLLM first: reverting LiteLLM alone is always safe.

Silence (not advised): `# litemaas-upgrade: ignore LU001 <reason>` on the line or the line
above."""


def check(ctx: LintContext) -> Iterator[Finding]:
    for chk in ctx.checks:
        target = chk.target
        for p in judge_state(target.components, ctx.rules):
            c = p.constraint
            if c is None or p.kind not in (FORBIDDEN, UNVERIFIED):
                continue
            lhs = target.components[c.if_component]
            rhs = target.components[c.then_component]
            file, line, col = locate(target, lhs)
            if p.kind == FORBIDDEN:
                message = (
                    f"{chk.prefix}{c.if_component} is at {describe(lhs)}, at or past "
                    f"{c.if_at_least}, while {c.then_component} is at {describe(rhs)}, "
                    f"before {c.then_at_least}"
                )
                if c.why:
                    message += f": {c.why}"
                fix, keep = _fix(chk, ctx, c)
                value_fix = _keep(chk, c, keep) if keep is not None else None
            else:
                # Fail closed: past the boundary with a backend nobody can read a version from.
                message = (
                    f"{chk.prefix}{c.if_component} is at {describe(lhs)}, at or past "
                    f"{c.if_at_least}, while the version of {c.then_component} cannot be "
                    f"known ({rhs.note or 'no versioned tag'}): nothing shows it is at least "
                    f"{c.then_at_least}"
                )
                fix = (
                    f"pin {c.then_component} to a versioned tag (at least "
                    f"{c.then_at_least}) so that the state can be checked"
                )
                value_fix = None
            yield Finding(CODE, SEVERITY, message, file, line, col, target.path, fix, value_fix)


def _keep(chk: Check, c: Constraint, base: ComponentState) -> ValueFix | None:
    """"keep litellm at X" as an edit: the scalar the change moved, back to its value at
    the base, when the base read the tag from that same scalar."""
    now = chk.target.components[c.if_component]
    if chk.base is None or base.tag is None:
        return None
    if not same_site(pointed_site(chk.target, now), pointed_site(chk.base, base)):
        return None
    return tag_fix(chk.target, now, base.tag)


def _fix(chk: Check, ctx: LintContext, c: Constraint) -> tuple[str, ComponentState | None]:
    """The advice, and the base state to keep `c.if_component` at when that is it."""
    base = chk.base
    lhs_base = base.components.get(c.if_component) if base else None
    rhs_base = base.components.get(c.then_component) if base else None
    rhs_now = chk.target.components[c.then_component]
    earlier = (
        lhs_base
        if lhs_base is not None
        and lhs_base.version is not None
        and lhs_base.version < c.if_at_least
        else None
    )
    advice = phase_advice(ctx.rules, c, earlier)
    if chk.from_plan:
        return (
            f"the plan must not deploy this state: {c.then_component} has to reach "
            f"{c.then_at_least} in an earlier step ({advice}); regenerate it with "
            "`litemaas-upgrade plan`"
        ), None
    if (
        rhs_base is not None
        and rhs_base.version is not None
        and rhs_base.version >= c.then_at_least
        and rhs_now.version is not None
        and rhs_now.version < c.then_at_least
    ):
        return (
            f"this change rolls {c.then_component} back to {describe(rhs_now)}: revert "
            f"{c.if_component} first (to its tag before {c.if_at_least}; that alone is "
            f"safe), deploy that, then roll {c.then_component} back"
        ), None
    keep = f"keep {c.if_component} at {describe(earlier)}; " if earlier is not None else ""
    return (
        f"{keep}commit {advice} first and deploy it; move {c.if_component} in a later "
        "commit (`litemaas-upgrade plan . --out upgrade/` writes both phases)"
    ), earlier
