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
