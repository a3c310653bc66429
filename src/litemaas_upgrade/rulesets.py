"""Rule sets and their chain: what a rules file says beyond one upgrade's phases
(`release`, `requires`, `moves`, `advisories`), and the shipped rule sets chained from
any release to the latest, one per published upgrade guide."""

from __future__ import annotations

from fnmatch import fnmatchcase

from .config_check import Checker
from .imageref import ImageRef, matches_pattern
from .records import record, replace
from .versions import Version

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .rules import Component, Phase, Rules

# The advisory checks a rules file may ask for, by kind (each kind is one lint rule module).
ADVISORY_KINDS = ("litellm-database-url", "redis-consistency")


@record(frozen=True)
class Requires:
    """Where a rule set starts: the rule set before it, and the versions it needs."""

    rules: str  # the id (`name`) of the rule set that must have been followed first
    at_least: dict[str, Version]


@record(frozen=True)
class Move:
    """A declared move of a component to another image repository (the LiteLLM fork):
    LU007 is silent for it, and its repository and tags go together (LU015)."""

    component: str
    sources: tuple[str, ...]  # globs of the repositories it moves from
    to: str  # the repository it moves to, as written
    tags: tuple[str, ...]  # globs of the tags only the new repository carries
    why: str

    def covers(self, old: ImageRef, new: ImageRef) -> bool:
        return new.name == self.to and any(matches_pattern(old, g) for g in self.sources)

    def is_new(self, ref: ImageRef) -> bool:
        return ref.name == self.to

    def is_old(self, ref: ImageRef) -> bool:
        return any(matches_pattern(ref, g) for g in self.sources)

    def new_tag(self, tag: str) -> bool:
        return any(fnmatchcase(tag, g) for g in self.tags)


@record(frozen=True)
class Advisory:
    """A check the guide recommends (never blocking): `kind` names the lint rule that
    makes it, `when` the version from which it applies."""

    id: str
    kind: str
    component: str
    at_least: Version
    why: str


@record(frozen=True)
class Extras:
    release: Version | None
    requires: Requires | None
    moves: tuple[Move, ...]
    advisories: tuple[Advisory, ...]


def parse_extras(
    checker: Checker,
    data: dict,
    components: dict[str, Component],
    version: Callable[[Any, tuple[str | int, ...]], Version],
) -> Extras:
    """The keys of a rules file that place it in a chain, checked at their line:col."""
    release = version(data["release"], ("release",)) if "release" in data else None
    requires = None
    if "requires" in data:
        raw = checker.mapping(data, "requires")
        checker.known_keys(raw, ("rules", "at_least"), ("requires",))
        least = checker.mapping(raw, "at_least", ("requires",)) if "at_least" in raw else {}
        for name in least:
            if name not in components:
                checker.fail(("requires", "at_least", name), "unknown component", key=True)
        requires = Requires(
            checker.string(raw, "rules", ("requires",), "expected the id of a rule set"),
            {n: version(v, ("requires", "at_least", n)) for n, v in least.items()},
        )
    moves = []
    raw_moves = data.get("moves") or []
    checker.expect(isinstance(raw_moves, list), ("moves",), "expected a list")
    for i, raw in enumerate(raw_moves):
        at: tuple[str | int, ...] = ("moves", i)
        checker.expect(isinstance(raw, dict), at, "a move must be a mapping")
        checker.known_keys(raw, ("component", "from", "to", "tags", "why"), at)
        comp = checker.string(raw, "component", at)
        checker.expect(comp in components, at + ("component",), f"unknown component {comp!r}")
        moves.append(
            Move(
                comp,
                tuple(checker.str_list(raw, "from", at)),
                checker.string(raw, "to", at, "expected the repository moved to"),
                tuple(checker.str_list(raw, "tags", at)) if "tags" in raw else (),
                str(raw.get("why", "")).strip(),
            )
        )
    advisories = []
    raw_adv = data.get("advisories") or []
    checker.expect(isinstance(raw_adv, list), ("advisories",), "expected a list")
    for i, raw in enumerate(raw_adv):
        at = ("advisories", i)
        checker.expect(isinstance(raw, dict), at, "an advisory must be a mapping")
        checker.known_keys(raw, ("id", "check", "when", "why"), at)
        kind = checker.one_of(raw, "check", ADVISORY_KINDS, at)
        checker.expect(kind is not None, at + ("check",), "expected the kind of check")
        when = checker.mapping(raw, "when", at)
        checker.known_keys(when, ("component", "at_least"), at + ("when",))
        comp = checker.string(when, "component", at + ("when",))
        checker.expect(comp in components, at + ("when", "component"), "unknown component")
        advisories.append(
            Advisory(
                checker.string(raw, "id", at),
                str(kind),
                comp,
                version(when.get("at_least"), at + ("when", "at_least")),
                str(raw.get("why", "")).strip(),
            )
        )
    return Extras(release, requires, tuple(moves), tuple(advisories))


def merge(chain: list[Rules]) -> Rules:
    """One Rules holding a chain: every set's constraints, moves and advisories, and
    their phases numbered on from one set to the next. `before` is the first set's: a
    later set's checklist comes before its first phase (`starting`)."""
    if len(chain) == 1:
        return replace(chain[0], chain=(chain[0],))
    first, last = chain[0], chain[-1]
    phases: list[Phase] = []
    for rules in chain:
        for phase in rules.phases:
            phases.append(replace(phase, number=len(phases) + 1))
    constraints = {c.id: c for r in chain for c in r.constraints}
    return replace(
        first,
        name=" -> ".join(r.name for r in chain),
        title=", then ".join(r.title for r in chain),
        guide=" ; ".join(r.guide for r in chain if r.guide),
        constraints=tuple(constraints.values()),
        phases=tuple(phases),
        before=first.before,  # each later set's own: before its first phase (runbook)
        source=", ".join(r.source for r in chain),
        # A YAML stream, one document per file (`rules --to V` prints one file alone).
        text="---\n".join(r.text if r.text.endswith("\n") else r.text + "\n" for r in chain),
        release=last.release,
        moves=tuple(m for r in chain for m in r.moves),
        advisories=tuple(a for r in chain for a in r.advisories),
        chain=tuple(chain),
    )


def starting(rules: Rules, phase: Phase) -> Rules | None:
    """The later rule set of a chain whose first phase `phase` is (its `before` items
    are done before it), or None."""
    for index, rule_set in enumerate(rules.chain):
        if index and rule_set.name == phase.rules and rule_set.phases[0].title == phase.title:
            return rule_set
    return None


def describe_chain(rules: Rules) -> list[str]:
    """The chain in words, for `rules`: each set, where it starts and its phases."""
    lines = []
    for rules_set in rules.chain or (rules,):
        req = rules_set.requires
        start = ""
        if req is not None:
            least = ", ".join(f"{c} >= {v}" for c, v in req.at_least.items())
            start = f" (after {req.rules}" + (f"; needs {least}" if least else "") + ")"
        lines.append(f"{rules_set.name}{start}: {rules_set.title}")
    for phase in rules.phases:
        moves = ", ".join(
            f"{c} to {phase.repos[c] + ':' if c in phase.repos else ''}{t}"
            for c, t in phase.set.items()
        )
        pins = f"; pins {', '.join(phase.pin)}" if phase.pin else ""
        lines.append(f"  phase {phase.number} [{phase.rules}]: {moves}{pins}")
    return lines
