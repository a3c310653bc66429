"""How far along the upgrade a target is, judged by the rules alone."""

from __future__ import annotations

from .judge import low, violations
from .model import ComponentState, Stage
from .rules import Rules


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
    alone = _without_movers(components, rules)
    if alone is not None:
        return alone
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


def _without_movers(components: dict[str, ComponentState], rules: Rules) -> Stage | None:
    """Stages describe targets that deploy what the constraints order against (the
    backend). A target without it (LiteLLM alone) is not before, between or past the
    phases by itself: its own label (`litellm-only`) says so."""
    # The first rule set's: a later one may also order the backend against LiteLLM.
    first = rules.chain[0] if rules.chain else rules
    anchors = {c.then_component for c in first.constraints}
    if not anchors or anchors & set(components):
        return None
    return Stage.only(sorted(components))
