"""How far along the upgrade a target is, judged by the rules alone."""

from __future__ import annotations

from .model import ComponentState, Stage
from .rules import Constraint, Rules
from .versions import Version


def high(state: ComponentState) -> Version | None:
    """The highest known version among the component's containers."""
    known = [v for v in state.all_versions() if v is not None]
    return max(known) if known else None


def low(state: ComponentState) -> Version | None:
    """The lowest version among the component's containers; None if any is unknown."""
    versions = state.all_versions()
    if any(v is None for v in versions):
        return None
    return min(v for v in versions if v is not None)


def violations(components: dict[str, ComponentState], rules: Rules) -> list[Constraint]:
    """Constraints the state breaks: `if` side at or past its version, `then` side before."""
    broken = []
    for c in rules.constraints:
        lhs = components.get(c.if_component)
        rhs = components.get(c.then_component)
        if lhs is None or rhs is None:
            continue
        lhs_v, rhs_v = high(lhs), low(rhs)
        if lhs_v is None or rhs_v is None:
            continue
        if lhs_v >= c.if_at_least and rhs_v < c.then_at_least:
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
            have = low(state)  # every container of it has to be there
            if have is None or want is None:
                return None
            if have < want:
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
    if any(None in components[n].all_versions() for n in judged if n in components):
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
        if lhs is None or rhs is None:
            continue
        lhs_v = high(lhs)
        if lhs_v is not None and lhs_v >= c.if_at_least and low(rhs) is None:
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
        was, now = high(lhs_before), high(lhs_after)
        if was is None or now is None or not was < c.if_at_least <= now:
            continue
        rhs_was = low(rhs_before)
        if rhs_was is None or rhs_was < c.then_at_least:
            out.append(c)
    return out
