"""What a lint rule looks at: each target as it is now (or after a plan step), the same
target at the base (or before the step) when there is one, and the rules."""

from __future__ import annotations

from ..judge import low
from ..model import ComponentState, Target
from ..records import field, record
from ..rules import Constraint, Rules
from .suppress import Comments

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ..facts import Notice, Unreadable
    from ..installations.lintview import View
    from ..model import Finding
    from ..rulesets import Advisory
    from ..source import Source
    from ..versions import Version


@record
class Check:
    """One target to judge: its state `target`, and `base`, the same target at the base
    revision (or before a plan step); None for a fresh install or when there is no base."""

    target: Target
    base: Target | None = None
    where: str = ""  # "" for the repository, "plan phase 2" for a plan step
    scan: bool = True  # the facts the scan recorded are reported here (not a plan step)
    # A phase step `plan` / `apply` computed (not the repository, not a plan file): LU012
    # judges these.
    computed: bool = False

    @property
    def prefix(self) -> str:
        return f"{self.where}: " if self.where else ""

    @property
    def from_plan(self) -> bool:
        return bool(self.where)


@record
class LintContext:
    rules: Rules
    checks: list[Check]
    base_label: str | None = None  # "HEAD (0123456789ab)" when transitions are judged
    files: list[str] = field(default_factory=list)  # read for suppression comments
    comments: Comments = field(default_factory=lambda: Comments(set()))
    # What could not be read for no target in particular: the scan's notices (links,
    # skipped files), an unreadable base.
    notices: list[Notice | Unreadable] = field(default_factory=list)
    # The repository the checks were scanned from (None: a plan file): the advisory
    # rules read the text of what a target reads.
    source: Source | None = None
    # Backends and the LiteLLM they call across targets (installations/); None when the
    # checks come from a plan or a single target.
    installations: View | None = None


def scanned(
    of_target: Callable[[Target], Iterator[Finding]],
) -> Callable[[LintContext], Iterator[Finding]]:
    """The `check` of a rule that words what the scan recorded of each target
    (`of_target`): run over the checks that carry a scan (not a plan's steps)."""

    def check(ctx: LintContext) -> Iterator[Finding]:
        for chk in ctx.checks:
            if chk.scan:
                yield from of_target(chk.target)

    return check


def advised(
    ctx: LintContext, kind: str
) -> Iterator[tuple[Target, Advisory, ComponentState, Version]]:
    """The scanned targets an advisory check of `kind` speaks to: each with the first of
    the rules' advisories of that kind whose component is at or past its version (the
    rule set asks for the check from that release on), that state and its version."""
    advisories = [a for a in ctx.rules.advisories if a.kind == kind]
    for chk in ctx.checks:
        if not chk.scan:
            continue
        for advisory in advisories:
            state = chk.target.components.get(advisory.component)
            version = low(state) if state is not None else None
            if state is not None and version is not None and version >= advisory.at_least:
                yield chk.target, advisory, state, version
                break


# Which site of a component to point at, by what the site decides: the tag first (the
# version lives there), then whatever names the whole image.
VERSION_SITES = ("tag", "newTag", "image", "digest", "env", "newName", "repository")
NAME_SITES = ("newName", "repository", "image", "registry", "name")


def locate(
    target: Target, state: ComponentState | None, prefer: tuple[str, ...] = VERSION_SITES
) -> tuple[str, int, int]:
    """file, line, col of the site that decides `state`'s version (or its name)."""
    sites = [s for s in (state.sites if state else []) if s.file]
    ranked = sorted(
        (s for s in sites if s.line),
        key=lambda s: prefer.index(s.decides) if s.decides in prefer else len(prefer),
    )
    if ranked:
        s = ranked[0]
        return s.file, s.line, s.col
    if sites:
        return sites[0].file, 0, 0
    return target.path, 0, 0


def describe(state: ComponentState | None) -> str:
    """`main-v1.81.0-stable (1.81.0)`; the image when the tag says nothing."""
    if state is None:
        return "not deployed"
    if state.tag is None and state.image is None:
        # No image to show (it cannot be resolved); a version read elsewhere still says much.
        return f"an unresolved image of version {state.version}" if state.version else "unknown"
    tag = state.tag or str(state.image)
    if state.version is not None and str(state.version) != tag:
        return f"{tag} ({state.version})"
    return tag


def first_phase_moving(rules: Rules, component: str) -> int | None:
    for phase in rules.phases:
        if component in phase.set:
            return phase.number
    return None


def phase_advice(rules: Rules, c: Constraint, keep: ComponentState | None = None) -> str:
    """`phase 1 (backend, frontend to 0.2.0, litellm pinned at main-v1.74.7-stable)`:
    the phase that moves the constraint's `then` side; `keep` is the state to pin at."""
    n = first_phase_moving(rules, c.then_component)
    if n is None:
        return f"move {c.then_component} to {c.then_at_least} or later first"
    phase = rules.phases[n - 1]
    moves = ", ".join(phase.set)
    targets = sorted(set(phase.set.values()))
    what = f"{moves} to {', '.join(targets)}"
    for name in phase.pin:
        at = keep.tag if keep is not None and keep.component == name and keep.tag else None
        what += f", {name} pinned at {at}" if at else f", {name} pinned at its current tag"
    # In a chain, the phase that moves the other side may come after others (LiteLLM's
    # phase 2 after the backend's phase 1): they are part of the way.
    if n > 2:
        what += f", once phases 1 to {n - 1} are deployed"
    elif n == 2:
        what += ", once phase 1 is deployed"
    return f"phase {n} ({what})"
