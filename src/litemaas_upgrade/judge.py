"""The one judgement of the upgrade rules: is this state, or this transition, safe?

Lint (LU001, LU002, LU003, LU012; LU013 across the targets of an installation, through
`joined`), `plan` and `apply` safety, `diff`'s verdict column and the runbook all ask
here, so that they can never disagree. What the files cannot say is
judged as unknown, never as absent: a constraint whose `if` side is at or past its
boundary while the `then` side's version cannot be read is unverified, and unverified is
an error (the gate fails closed)."""

from __future__ import annotations

from . import codes
from .model import ComponentState, Severity
from .records import record
from .rules import Constraint, Rules
from .rulesets import Move
from .versions import Version

# What is wrong, by kind.
FORBIDDEN = "forbidden"  # the state breaks a constraint
UNVERIFIED = "unverified"  # past the boundary, with the other side's version unknown
BOTH_PHASES = "both-phases"  # one change crosses the boundary before the other side
FOLLOWER = "follower-mismatch"  # a follower (frontend) is not at its leader's version

_CODES = {
    FORBIDDEN: codes.LITELLM_BEFORE_BACKEND,
    UNVERIFIED: codes.LITELLM_BEFORE_BACKEND,
    BOTH_PHASES: codes.SAME_CHANGE,
    FOLLOWER: codes.FOLLOWER_MISMATCH,
}

Components = dict[str, ComponentState]


@record(frozen=True, slots=True)
class Problem:
    """One thing the rules say about a state or a transition. `subject` is the component
    to point at (the constraint's `if` side, or the follower), `other` the one it is
    judged against (the `then` side, or the leader)."""

    kind: str
    subject: str
    other: str
    constraint: Constraint | None = None

    @property
    def code(self) -> str:
        return _CODES[self.kind]

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.kind == FOLLOWER else Severity.ERROR

    @property
    def blocking(self) -> bool:
        return self.severity == Severity.ERROR


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


def violations(components: Components, rules: Rules) -> list[Constraint]:
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


def unverified(components: Components, rules: Rules) -> list[Constraint]:
    """Constraints whose `if` side is at or past its boundary while the `then` side is
    deployed at a version nobody can know (a floating tag, a digest alone, an image the
    tool cannot resolve): the state may be forbidden and nothing shows it is not."""
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


def crossings(before: Components, after: Components, rules: Rules) -> list[Constraint]:
    """Constraints whose `if` side reaches its boundary in this change while, before it,
    the `then` side was not known to be past its own: the two phases at once. An `if`
    side not deployed before counts as crossing (the `then` side was there to order
    against); one whose version was unknown before is not this change's doing. An
    unknown `then` side before counts as before its boundary (fail closed)."""
    out = []
    for c in rules.constraints:
        lhs_after = after.get(c.if_component)
        rhs_before = before.get(c.then_component)
        if lhs_after is None or rhs_before is None:
            continue  # nothing past the boundary, or nothing deployed to order against
        now = high(lhs_after)
        if now is None or now < c.if_at_least:
            continue
        rhs_was = low(rhs_before)
        if rhs_was is not None and rhs_was >= c.then_at_least:
            continue  # the other side was already past: this is the later phase
        lhs_before = before.get(c.if_component)
        if lhs_before is not None:
            was = high(lhs_before)
            if was is None or was >= c.if_at_least:
                continue  # unknown before, or already past: not this change
        out.append(c)
    return out


def followers(components: Components, rules: Rules) -> list[tuple[str, str]]:
    """(follower, leader) pairs deployed on different known versions."""
    out = []
    for name, comp in sorted(rules.components.items()):
        if comp.follows is None:
            continue
        mine, leader = components.get(name), components.get(comp.follows)
        if mine is None or leader is None:
            continue
        if mine.version is None or leader.version is None or mine.version == leader.version:
            continue
        out.append((name, comp.follows))
    return out


def joined(caller: Components, callee: Components, component: str) -> Components:
    """The state an installation deploys when `component` (LiteLLM) comes from another
    target than the rest (installations/): the caller's components (the backend's
    target) with the callee's `component` in place of the caller's own. Judged like any
    state or transition, by the functions below."""
    out = {name: state for name, state in caller.items() if name != component}
    if component in callee:
        out[component] = callee[component]
    return out


def judge_state(components: Components, rules: Rules) -> list[Problem]:
    """Everything the rules say about one deployed state."""
    out = [Problem(FORBIDDEN, c.if_component, c.then_component, c) for c in
           violations(components, rules)]
    out += [Problem(UNVERIFIED, c.if_component, c.then_component, c) for c in
            unverified(components, rules)]
    out += [Problem(FOLLOWER, name, leader) for name, leader in followers(components, rules)]
    return out


def judge_transition(
    before: Components | None, after: Components | None, rules: Rules
) -> list[Problem]:
    """Everything the rules say about moving from `before` to `after`: the state reached
    and, when there is a `before` (None: a fresh install), the move itself. A constraint
    the state already breaks is reported once, as the state."""
    if after is None:
        return []  # removed: nothing deployed, nothing to judge
    out = judge_state(after, rules)
    if before is None:
        return out
    broken = {p.constraint.id for p in out if p.constraint is not None}
    out += [
        Problem(BOTH_PHASES, c.if_component, c.then_component, c)
        for c in crossings(before, after, rules)
        if c.id not in broken
    ]
    return out


def blocking(problems: list[Problem]) -> list[Problem]:
    """The problems that make a state or a transition unsafe to deploy."""
    return [p for p in problems if p.blocking]


def _tag(state: ComponentState | None) -> str:
    if state is None:
        return "not deployed"
    if state.tag:
        return state.tag
    if state.image is not None:
        return str(state.image)
    if state.version is not None:
        return str(state.version)
    return "an image the tool cannot read"


def explain(p: Problem, before: Components | None, after: Components) -> str:
    """The problem in one sentence (diff's verdict, the runbook, LU012), with no None."""
    c = p.constraint
    if p.kind == FOLLOWER:
        mine, leader = after[p.subject], after[p.other]
        return (
            f"{p.subject} {mine.version} is not at {p.other}'s {leader.version}: they are "
            "released together"
        )
    assert c is not None
    lhs, rhs = after.get(c.if_component), after.get(c.then_component)
    rule = (
        f"the rules require {c.then_component} >= {c.then_at_least} once {c.if_component} "
        f">= {c.if_at_least}; {c.id}"
    )
    if p.kind == FORBIDDEN:
        return f"{c.if_component} {_tag(lhs)} with {c.then_component} {_tag(rhs)} ({rule})"
    if p.kind == UNVERIFIED:
        why = rhs.note if rhs is not None and rhs.note else "no versioned tag"
        return (
            f"{c.if_component} {_tag(lhs)} with {c.then_component} of a version that cannot "
            f"be known ({why}; {rule})"
        )
    was = before.get(c.then_component) if before is not None else None
    tag, boundary = _tag(lhs), str(c.if_at_least)
    reached = boundary if tag == boundary else f"{boundary} ({tag})"
    return (
        f"{c.if_component} reaches {reached} in the same change that "
        f"finds {c.then_component} at {_tag(was)}, not yet past {c.then_at_least}: deploy "
        "them as two phases"
    )


# -- a chain of rule sets (one per upgrade guide) ----------------------------------------


def mixed_images(components: Components, rules: Rules) -> list[tuple[str, Move]]:
    """(component, move) pairs whose image mixes two releases' defaults: the repository a
    guide moves to with a tag only the old one carries (the fork with `main-v1.81.0-stable`),
    or an old repository with a tag only the new one carries (`...-custom` upstream). No
    release of either chart ships such an image (LU015)."""
    out = []
    for move in rules.moves:
        state = components.get(move.component)
        if state is None or state.image is None or not state.tag or not move.tags:
            continue
        new_tag = move.new_tag(state.tag)
        if (move.is_new(state.image) and not new_tag) or (move.is_old(state.image) and new_tag):
            out.append((move.component, move))
    return out


def reaches(components: Components, rules: Rules, index: int) -> str | None:
    """The component that shows the state deploys what rule set `index` of the chain
    moves to (a version past every earlier set's target, or the repository its phase
    moves to); None when nothing does."""
    chain = rules.chain
    earlier: dict[str, Version] = {}
    for rule_set in chain[:index]:
        for phase in rule_set.phases:
            for name in phase.set:
                want = rule_set.target_version(phase, name)
                if want is not None and (name not in earlier or want > earlier[name]):
                    earlier[name] = want
    for phase in chain[index].phases:
        for name in phase.set:
            state = components.get(name)
            if state is None:
                continue
            repo = phase.repos.get(name)
            if repo is not None and state.image is not None and state.image.name == repo:
                return name
            have, was = high(state), earlier.get(name)
            if have is not None and was is not None and have > was:
                return name
    return None


def skipped(before: Components, after: Components, rules: Rules) -> list[tuple[int, str]]:
    """(index of a rule set in the chain, component) for each set this change reaches
    from a state that does not meet its `requires` (0.1.3 straight to 0.4.0): the sets
    before it are skipped (LU016). A version unknown before is not known to meet it."""
    out = []
    for index, rule_set in enumerate(rules.chain):
        req = rule_set.requires
        if req is None or index == 0:
            continue
        name = reaches(after, rules, index)
        if name is None or reaches(before, rules, index) is not None:
            continue
        unmet = False
        for comp, least in req.at_least.items():
            state = before.get(comp)
            if state is None:
                continue
            was = low(state)
            if was is None or was < least:
                unmet = True
        if unmet:
            out.append((index, name))
    return out
