"""LU013: a LiteLLM in one target at or past its boundary (or moving past it) while the
backend it serves, in another target, is before its own."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...installations import CALLEE
from ...judge import BOTH_PHASES, FORBIDDEN, UNVERIFIED, joined, judge_transition
from ...model import Finding, Severity
from ..context import LintContext, describe, locate, phase_advice

CODE = codes.INSTALLATION_ORDER
NAME = "installation-order"
SEVERITY = Severity.ERROR
EXPLANATION = """\
The backend and the LiteLLM it calls are deployed by different targets (an installation:
the LiteMaaS chart with `litellm.enabled: false` and `backend.litellmApiUrl`, a Kustomize
app per component, one LiteLLM shared by several LiteMaaS environments), and the LiteLLM
target deploys 1.81.0 or later - or moves to it in this change - while the backend it
serves is before 0.2.0 (now, or at the base revision). Reported at the LiteLLM target's
line, naming the backend's target. A LiteLLM shared by several backends may move only
when all of them are at 0.2.0.

How a backend is linked to its LiteLLM (the URL it is given matched to a Service, the
chart's own LiteLLM, or `installations:` in `.litemaas-upgrade.yaml`) is what `scan`
shows under `installations:`.

Fix: upgrade the backend's target first (phase 1), deploy it, then move LiteLLM in a
later commit (phase 2). `litemaas-upgrade plan . --out upgrade/` writes both phases."""


def check(ctx: LintContext) -> Iterator[Finding]:
    view = ctx.installations
    if view is None:
        return
    rules = ctx.rules
    for j in view.joined:
        after = joined(j.caller.components, j.callee.components, CALLEE)
        before = None
        if j.caller_base is not None:
            callee_base = j.callee_base.components if j.callee_base is not None else {}
            before = joined(j.caller_base.components, callee_base, CALLEE)
        for p in judge_transition(before, after, rules):
            c = p.constraint
            if (
                c is None
                or c.if_component != CALLEE
                or p.kind
                not in (
                    FORBIDDEN,
                    UNVERIFIED,
                    BOTH_PHASES,
                )
            ):
                continue
            lhs = after[CALLEE]
            rhs = after[c.then_component]
            backend = f"{c.then_component} it serves, in {j.caller.path}"
            site = locate(j.caller, rhs)
            if site[1]:
                backend += f" ({site[0]}:{site[1]})"
            file, line, col = locate(j.callee, lhs)
            if p.kind == FORBIDDEN:
                message = (
                    f"{CALLEE} is at {describe(lhs)}, at or past {c.if_at_least}, while the "
                    f"{backend}, is at {describe(rhs)}, before {c.then_at_least}"
                )
            elif p.kind == UNVERIFIED:
                message = (
                    f"{CALLEE} is at {describe(lhs)}, at or past {c.if_at_least}, while the "
                    f"version of the {backend}, cannot be known "
                    f"({rhs.note or 'no versioned tag'})"
                )
            else:
                assert before is not None
                was = before.get(CALLEE)
                message = (
                    f"{CALLEE} moves {describe(was)} -> {describe(lhs)}, past "
                    f"{c.if_at_least}, while the {backend}, is at "
                    f"{describe(before[c.then_component])} at {ctx.base_label or 'the base'}, "
                    f"before {c.then_at_least}"
                )
            message += f" (installation {j.name}: {j.link.describe()})"
            if c.why:
                message += f": {c.why}"
            keep = j.callee_base.components.get(CALLEE) if j.callee_base is not None else None
            if keep is not None and keep.version is not None and keep.version >= c.if_at_least:
                keep = None
            pin = f"keep {CALLEE} in {j.callee.path} at {describe(keep)}; " if keep else ""
            advice = phase_advice(rules, c, keep)
            pinned = f", {CALLEE} pinned at"
            if CALLEE not in j.caller.components and pinned in advice:
                advice = advice.split(pinned)[0] + ")"  # no LiteLLM to pin in that target
            fix = (
                f"{pin}commit {advice} for {j.caller.path} first and deploy it; move "
                f"{CALLEE} in {j.callee.path} in a later commit"
            )
            yield Finding(CODE, SEVERITY, message, file, line, col, j.callee.path, fix)
