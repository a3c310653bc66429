"""How far along the upgrade a target is, judged by the rules alone."""

from __future__ import annotations

from .model import ComponentState, Stage
from .rules import Constraint, Rules


def violations(components: dict[str, ComponentState], rules: Rules) -> list[Constraint]:
    """Constraints the state breaks: `if` side at or past its version, `then` side before."""
    broken = []
    for c in rules.constraints:
        lhs = components.get(c.if_component)
        rhs = components.get(c.then_component)
        if lhs is None or rhs is None or lhs.version is None or rhs.version is None:
            continue
        if lhs.version >= c.if_at_least and rhs.version < c.then_at_least:
            broken.append(c)
    return broken


def phases_reached(components: dict[str, ComponentState], rules: Rules) -> int | None:
    """How many phases are done, in order; None when a version needed to tell is unknown."""
    done = 0
    for phase in rules.phases:
        for name in phase.set:
            state = components.get(name)
            if state is None:
                continue  # not deployed by this target: nothing to move
            want = rules.target_version(phase, name)
            if state.version is None or want is None:
                return None
            if state.version < want:
                return done
        done += 1
    return done


def stage_of(components: dict[str, ComponentState], rules: Rules) -> Stage:
    if not components:
        return Stage.UNKNOWN  # nothing deployed that the rules know: nothing is upgraded
    if violations(components, rules):
        return Stage.INVALID
    # One unknown version and the state cannot be told: a floating LiteLLM tag may
    # already be past the boundary.
    judged = {n for p in rules.phases for n in p.set} | {
        n for c in rules.constraints for n in (c.if_component, c.then_component)
    }
    if any(components[n].version is None for n in judged if n in components):
        return Stage.UNKNOWN
    reached = phases_reached(components, rules)
    if reached is None:
        return Stage.UNKNOWN
    if reached == len(rules.phases):
        return Stage.UPGRADED
    if reached == 0:
        return Stage.BEFORE
    return Stage.phase_done(reached)


def unverified(components: dict[str, ComponentState], rules: Rules) -> list[Constraint]:
    """Constraints whose `if` side is at or past its boundary while the `then` side is
    deployed at a version nobody can know (a floating tag, an unreadable image): the state
    may be forbidden and nothing shows it is not. A gate fails closed on these."""
    out = []
    for c in rules.constraints:
        lhs = components.get(c.if_component)
        rhs = components.get(c.then_component)
        if lhs is None or rhs is None or lhs.version is None:
            continue
        if lhs.version >= c.if_at_least and rhs.version is None:
            out.append(c)
    return out


def crossings(
    before: dict[str, ComponentState], after: dict[str, ComponentState], rules: Rules
) -> list[Constraint]:
    """Constraints whose `if` side crosses its boundary in one move while, before it, the
    `then` side was not past its own (or not known to be): the two phases at once."""
    out = []
    for c in rules.constraints:
        lhs_before, lhs_after = before.get(c.if_component), after.get(c.if_component)
        rhs_before = before.get(c.then_component)
        if lhs_before is None or lhs_after is None or rhs_before is None:
            continue
        if lhs_before.version is None or lhs_after.version is None:
            continue
        if not lhs_before.version < c.if_at_least <= lhs_after.version:
            continue
        if rhs_before.version is None or rhs_before.version < c.then_at_least:
            out.append(c)
    return out
