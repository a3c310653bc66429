"""A small lint verdict for the diff summary: the after-state against the rules'
constraints (stage.violations), the move itself (both sides of a constraint crossing in
one change), and followers left behind. The full lint lives in its own package; this is
only what the summary table needs."""

from __future__ import annotations

from .. import codes
from ..model import Target
from ..rules import Rules
from ..stage import violations
from ..versions import Version
from .model import Verdict


def _crosses(before: Version | None, after: Version | None, bound: Version) -> bool:
    return before is not None and after is not None and before < bound <= after


def verdict(before: Target | None, after: Target | None, rules: Rules) -> Verdict:
    found: list[tuple[str, str, str]] = []
    if after is None:
        return Verdict()
    for c in violations(after.components, rules):
        found.append(
            (
                codes.LITELLM_BEFORE_BACKEND,
                "error",
                f"{c.if_component} at or past {c.if_at_least} needs {c.then_component} "
                f"at or past {c.then_at_least} ({c.id})",
            )
        )
    if before is not None:
        for c in rules.constraints:
            lhs_b = before.components.get(c.if_component)
            lhs_a = after.components.get(c.if_component)
            rhs_b, rhs_a = (
                before.components.get(c.then_component),
                after.components.get(c.then_component),
            )
            if None in (lhs_b, lhs_a, rhs_b, rhs_a):
                continue
            assert lhs_b and lhs_a and rhs_b and rhs_a
            if _crosses(lhs_b.version, lhs_a.version, c.if_at_least) and _crosses(
                rhs_b.version, rhs_a.version, c.then_at_least
            ):
                found.append(
                    (
                        codes.SAME_CHANGE,
                        "error",
                        f"{c.then_component} and {c.if_component} cross {c.then_at_least} / "
                        f"{c.if_at_least} in one change: deploy them as two phases",
                    )
                )
    for name, comp in sorted(rules.components.items()):
        if comp.follows is None:
            continue
        mine, leader = after.components.get(name), after.components.get(comp.follows)
        if mine is None or leader is None or mine.version is None or leader.version is None:
            continue
        if mine.version != leader.version:
            found.append(
                (
                    codes.FOLLOWER_MISMATCH,
                    "warning",
                    f"{name} {mine.version} is not at {comp.follows}'s {leader.version}",
                )
            )
    return Verdict(tuple(found))
