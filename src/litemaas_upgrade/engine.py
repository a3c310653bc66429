"""Find, resolve and plan: run every manager over a source, judge each target's stage,
and compute the phases by editing an in-memory copy of the repository and scanning it
again, so that each phase's result is checked by the same code that reads the repository."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import codes, progress
from .config_check import CONFIG_FILE
from .errors import EditError
from .facts import Notice
from .judge import FORBIDDEN, UNVERIFIED, high, judge_state
from .lint.rules import findings_of
from .managers import PhaseStep, ScanContext, all_managers, manager_for
from .managers.base import DEPLOY_DIR, ScanOptions
from .model import Change, ComponentState, Finding, Severity, Target
from .records import field, record, replace
from .rules import Phase, Rules
from .share import Shared
from .source import Overlay, Source
from .stage import stage_of
from .yamlio.text import LineIndex, decode

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from .managers.helm.discover import HelmSpec


def helm_inputs(target: Target) -> tuple[HelmSpec, dict[str, Any]]:
    """What `helm upgrade` is given for a Helm target: its spec (chart, release name,
    namespace) and its override files' values merged in `-f` order (for rendering)."""
    from .managers.helm.manager import HelmData
    from .managers.helm.values import merge_overrides

    data = target.data_as(HelmData)
    return data.spec, merge_overrides(data.override_values())


def load_config(source: Source) -> dict | None:
    """The repository's config file, every key checked up front (exit 3 at its line:col)."""
    if not source.exists(CONFIG_FILE):
        return None
    from .config_check import Checker, check_config

    docs = source.yaml(CONFIG_FILE).documents
    doc = docs[0] if docs else None
    checker = Checker(source.display(CONFIG_FILE), doc, "config")
    return check_config(checker, doc.data if doc is not None else None)


@record
class Scan:
    """What a scan finds: the targets (sorted), and its notices: what it could not read
    as it is, for no target in particular (links, skipped files)."""

    targets: list[Target]
    notices: list[Notice] = field(default_factory=list)


def scan(
    source: Source, rules: Rules, options: ScanOptions | None = None, shared: Shared | None = None
) -> Scan:
    """Every target of the source. `shared`: the table that makes equal values one
    object, for a run that scans several views (plan's phases); one per scan otherwise."""
    options = options or ScanOptions()
    shared = shared or Shared()
    if options.config is None:
        options.config = load_config(source)
    ctx = ScanContext(source, rules, options)
    targets: list[Target] = []
    managers = all_managers()
    for manager in managers:
        # A manager may claim files before any extracts (values files that a GitOps
        # object names belong to that object's release, not to a Helm target of their own).
        ctx.claimed.update(manager.claim(ctx))
    for manager in progress.each(managers, "scanning", lambda m: m.kind, lambda: len(targets)):
        found = manager.extract(ctx)
        for target in found:
            shared.target(target)
            manager.share(target, shared)
        targets.extend(found)
    for target in targets:
        target.stage = shared.stage(stage_of(target.components, rules))
        target.findings = findings_of(target)
    notices = [Notice(source.display(rel), "link-outside") for rel in source.outside]
    notices += [Notice(source.display(rel), "link") for rel in source.links]
    notices += [
        Notice(source.display(rel), "skipped", why) for rel, why in sorted(source.skipped.items())
    ]
    return Scan(sorted(targets, key=lambda t: (t.path, t.kind)), notices)


@record(slots=True)
class TargetStep:
    target: Target  # as it was before the phase
    step: PhaseStep
    changes: list[Change]
    after: Target | None = None
    # Phase files, by path in the phase folder (`plan --out` lets go of their texts, "",
    # once it has written them)
    files: dict[str, str] = field(default_factory=dict)
    deploy: str = ""


@record
class PhasePlan:
    phase: Phase
    steps: list[TargetStep]
    # Changed files as they were before this phase, and after it (`plan --out` keeps
    # only their names once it has written the phase: PhaseWriter)
    before: dict[str, bytes]
    after: dict[str, bytes]
    targets_after: list[Target]
    # The targets it was planned on: the previous phase's targets_after, or the scan's
    targets_before: list[Target] = field(default_factory=list)


@record
class Plan:
    rules: Rules
    source: Source
    targets: list[Target]
    phases: list[PhasePlan]
    findings: list[Finding]
    notices: list[Notice] = field(default_factory=list)  # the first scan's (Scan.notices)

    def unsafe(self) -> list[Finding]:
        """What the plan itself would deploy wrongly: `plan` and `apply` refuse then."""
        return [f for f in self.findings if f.code == codes.UNSAFE_PLAN]


def step_for(target: Target, phase: Phase, rules: Rules, notes: list[Finding]) -> PhaseStep | None:
    """What the phase still has to do for this target: nothing for a target already past
    it. A component already past the phase's tag is left as it is (never a downgrade), and
    one whose image cannot be resolved is not written over blindly: both with a note."""
    sets: dict[str, str] = {}
    repos: dict[str, str] = {}
    for name, tag in phase.set.items():
        state = target.components.get(name)
        if state is None:
            continue
        want = rules.components[name].version_of(tag)
        repo = phase.repos.get(name)
        if repo is not None and state.image is not None and state.image.name != repo:
            if not any(m.component == name and m.is_old(state.image) for m in rules.moves):
                # A mirror or a fork of its own: moving it to the guide's repository
                # would bypass it. Left as it is, said loudly.
                notes.append(
                    Finding(
                        codes.UNRESOLVED,
                        Severity.WARNING,
                        f"phase {phase.number}: {name} comes from {state.image.name}, not "
                        f"from a repository the rules move to {repo}: left as it is",
                        target=target.path,
                        fix=f"make {repo}:{tag} available there (a mirror), then set "
                        f"{name}'s tag to {tag} by hand, or its repository to {repo}",
                    )
                )
                continue
            # Another repository (the LiteLLM fork): moved with its tag, whatever the
            # version (the fork's main-v1.81.0-stable-custom reads as 1.81.0 too).
            sets[name], repos[name] = tag, repo
            continue
        have = high(state)
        if have is not None and want is not None and have > want:
            notes.append(
                Finding(
                    codes.UNRESOLVED,
                    Severity.INFO,
                    f"phase {phase.number}: {name} is already at {describe(state)}, past "
                    f"{tag}: left as it is",
                    target=target.path,
                )
            )
            continue
        if state.version is not None and want is not None and state.version >= want:
            continue
        sets[name] = tag
    for name in _unsafe_moves(target, phase, sets, rules, notes):
        del sets[name]  # never moved: the plan is refused (LU012)
    for name in [n for n in repos if n not in sets]:
        del repos[name]
    for name in [n for n in sets if target.components[n].image is None]:
        notes.append(
            Finding(
                codes.UNRESOLVED,
                Severity.WARNING,
                f"phase {phase.number}: {name} cannot be moved to {sets[name]}: it is "
                f"{describe(target.components[name])}; left as it is",
                target=target.path,
                fix=f"make {name}'s image readable from the repository, then plan again",
            )
        )
        del sets[name]
    if not sets:
        return None
    pins: dict[str, str] = {}
    for name in phase.pin:
        state = target.components.get(name)
        if name in sets or state is None:
            continue
        if state.tag is None or rules.components[name].version_of(state.tag) is None:
            notes.append(
                Finding(
                    codes.UNRESOLVED,
                    Severity.WARNING,
                    f"phase {phase.number}: cannot pin {name}: its current tag is not known "
                    f"({state.note or 'no tag'}); pin it by hand before deploying",
                    target=target.path,
                    fix=f"set {name}'s tag explicitly to the version deployed today",
                )
            )
            continue
        pins[name] = state.tag
    return PhaseStep(phase, sets, pins, repos)


def plan(
    source: Source,
    rules: Rules,
    options: ScanOptions | None = None,
    done: Callable[[PhasePlan], None] | None = None,
    last: int | None = None,
    keep_data: bool = True,
) -> Plan:
    """The phases (up to `last`, all by default), each computed on the repository as the
    one before leaves it. `done` is given each phase once it is planned (its steps, files
    and results complete): `plan --out` writes it then and lets go of what only the files
    needed. Without `keep_data` (a caller that reads of the targets only what they report:
    components, stages, findings), a set of targets lets go of its manager data as soon
    as the phase planned on it has its edits, before the repository is scanned again."""
    # The editors are loaded by the commands that plan, not by `scan` and `lint`.
    from .textedit import apply_text_changes
    from .yamlio import ScalarChange
    from .yamlio.embedded import apply_edits

    options = options or ScanOptions()
    shared = Shared()  # the phases' targets share what they have in common
    scanned = scan(source, rules, options, shared)
    targets = scanned.targets
    initial = targets
    notes: list[Finding] = []
    for target in targets:
        notes.extend(_state_notes(target, rules))
    changed: dict[str, bytes] = {}
    current: Source = source
    phases: list[PhasePlan] = []
    chosen = rules.phases[:last]
    for phase in chosen:
        ctx = ScanContext(current, rules, options)
        place = Placer(current)
        steps: list[TargetStep] = []
        by_file: dict[str, dict[tuple, Change]] = {}
        made: dict[tuple, PhaseStep] = {}  # equal steps (most targets take the same) once
        for target in targets:
            step = step_for(target, phase, rules, notes)
            if step is None:
                continue
            same = (tuple(step.set.items()), tuple(step.pin.items()), tuple(step.repos.items()))
            step = made.setdefault(same, step)
            manager = manager_for(target.kind)
            target_changes = [
                shared.change(place(c)) for c in manager.changes(ctx, target, step)
            ]
            steps.append(TargetStep(target, step, target_changes))
            for change in target_changes:
                slot = by_file.setdefault(change.file, {})
                key = (change.doc, change.path, change.span)
                other = slot.get(key)
                if other is not None and other.value != change.value:
                    raise EditError(
                        source.display(change.file),
                        f"targets disagree on {change.path}: {other.value!r} vs {change.value!r} "
                        "(a file shared by targets at different stages); plan them separately",
                    )
                slot[key] = change
        release(targets, deployed=not keep_data)  # their steps are computed
        shared.forget_changes()
        before: dict[str, bytes] = {}
        after: dict[str, bytes] = {}
        for rel, slot in sorted(by_file.items()):
            old = current.read(rel)
            # Text edits (span) first: their offsets refer to the file as read.
            texts = [c for c in slot.values() if c.span is not None]
            new = apply_text_changes(old, source.display(rel), texts) if texts else old
            new = apply_edits(
                new,
                source.display(rel),
                [
                    c.edit if c.edit is not None else ScalarChange(c.doc, c.path, c.value)
                    for c in slot.values()
                    if c.span is None
                ],
            )
            if new != old:
                before[rel], after[rel] = old, new
        del by_file  # the edits are made (the steps keep theirs)
        changed.update(after)
        nxt = Overlay(source, changed)
        targets_after = scan(
            nxt, rules, ScanOptions(options.charts, options.values, options.config), shared
        ).targets
        by_key = {t.key: t for t in targets_after}
        nctx = ScanContext(nxt, rules, options)
        touched = {n for p in rules.phases[: phase.number] for n in (*p.set, *p.pin)}
        for ts in steps:
            ts.after = by_key.get(ts.target.key)
            if ts.after is None:
                continue
            tags = {n: s.tag for n, s in ts.after.components.items() if n in touched and s.tag}
            manager = manager_for(ts.target.kind)
            ts.files = manager.phase_files(nctx, ts.after, ts.step, tags)
            # The command deploys the phase file (the first, by name) where `plan --out`
            # writes it; the target as the phase leaves it is deployed the same way.
            first = min(ts.files, default=None)
            out = options.out if options.out is not None else "."
            where = f"{out}/phase-{phase.number}/{DEPLOY_DIR}/{first}" if first else None
            ts.deploy = manager.deploy_command(ts.after, where)
            _check_reached(ts, phase, rules, notes)
            notes.extend(_check_safe(ts, phase, rules))
            if phase is chosen[-1]:
                # No phase is planned on this result: what only planning reads goes as
                # each target's files are made (the peak of a large plan is here).
                manager.planned(ts.after)
        notes.extend(_moved_aside(phase, targets, targets_after, steps))
        phases.append(PhasePlan(phase, steps, before, after, targets_after, targets))
        if done is not None:
            done(phases[-1])
        # The view this phase was planned on (the previous phase's result) is done with.
        release((), current if current is not source else None)
        targets, current = targets_after, nxt
    release(targets, current if current is not source else None)
    return Plan(rules, source, initial, phases, notes, scanned.notices)


class Placer:
    """Gives each planned change its position in the file it edits, as `view` (the
    repository as the phase finds it) has that file; each file's lines are indexed once."""

    def __init__(self, view: Source) -> None:
        self.view = view
        self.lines: dict[str, LineIndex] = {}

    def __call__(self, change: Change) -> Change:
        if change.line:
            return change
        if change.span is not None:
            index = self.lines.get(change.file)
            if index is None:
                text = decode(self.view.read(change.file), self.view.display(change.file)).text
                index = self.lines[change.file] = LineIndex(text)
            line, col = index.locate(change.span[0])
            return replace(change, line=line, col=col, was=change.old)
        if not self.view.exists(change.file):
            return change
        docs = self.view.yaml(change.file).documents
        if change.doc >= len(docs):
            return change
        document = docs[change.doc]
        probe = change.path
        while probe:
            node = document.find(probe)
            if node is not None:
                exact = probe == change.path and node.kind == "scalar"
                was = str(node.value) if exact else None
                return replace(change, line=node.line, col=node.col, was=was)
            probe = probe[:-1]
        return replace(change, line=1, col=1)


def without_steps(ph: PhasePlan) -> None:
    """A `done` hook for the commands that use a phase's files and targets but not its
    steps (`diff`, `apply`): the steps (edits, phase files) are let go as each phase is
    planned."""
    ph.steps = []


def let_go(ph: PhasePlan, previous: PhasePlan | None) -> None:
    """A `done` hook's last step once it has made all it writes of a phase (`plan --out`:
    PhaseWriter): the phase's steps, its changed files' texts (their names stay), the
    manager data of the targets it was planned on and those targets themselves (kept by
    `previous`, the phase before it; the scan's stay in the Plan). The rest of the plan
    then holds two sets of targets, not one per phase."""
    release([ts.target for ts in ph.steps], deployed=True)
    ph.steps, ph.before, ph.targets_before = [], {}, []
    ph.after = dict.fromkeys(ph.after, b"")
    if previous is not None:
        previous.targets_after = []


def release(
    targets: Iterable[Target], view: Source | None = None, deployed: bool = False
) -> None:
    """Where a plan lets go of memory, so that it does not hold every phase's targets and
    views in full. Planning is done with `targets` (their steps are computed, or they are
    the last phase's result): each one's manager drops what only planning reads
    (Manager.planned); with `deployed` (nothing will read it: `plan --out` and `apply`,
    which make deploy commands from the phase's result), their manager data goes entirely.
    What targets report (components, stage, findings) stays. `view`, a view of the
    repository planning is done with, drops its parsed files. The rest is bounded where it
    is kept: each view holds its last RECENT parsed files by path (source.py), the parse
    cache a bounded amount of parsed text by content (yamlio/cache.py), and a Helm release
    keeps no parsed layer once resolved (Release.detach: a scan would hold every release's
    layers until its end)."""
    for target in targets:
        if deployed:
            target.data = None
        else:
            manager_for(target.kind).planned(target)
    if view is not None:
        view.forget()


def _check_reached(ts: TargetStep, phase: Phase, rules: Rules, notes: list[Finding]) -> None:
    """The phase's own result, read back by the scanner: did it get where it should?"""
    assert ts.after is not None
    for name, tag in ts.step.tags().items():
        state = ts.after.components.get(name)
        repo = ts.step.repos.get(name)
        if repo is not None and state is not None and state.image is not None and (
            state.image.name != repo
        ):
            notes.append(
                Finding(
                    codes.UNRESOLVED,
                    Severity.WARNING,
                    f"phase {phase.number}: after the planned edits {name} reads "
                    f"{state.image}, not from {repo}; something else decides its repository "
                    f"(set it to {repo}:{tag} by hand)",
                    target=ts.target.path,
                )
            )
        if state is None or state.tag != tag:
            notes.append(
                Finding(
                    codes.UNRESOLVED,
                    Severity.WARNING,
                    f"phase {phase.number}: after the planned edits {name} reads "
                    f"{_reads(state)}, not {tag!r}; "
                    "something else decides it (see scan)",
                    target=ts.target.path,
                )
            )


def _unsafe_moves(
    target: Target, phase: Phase, sets: dict[str, str], rules: Rules, notes: list[Finding]
) -> set[str]:
    """The step judged before it is made (LU012, the same judgement as the result's): a
    component whose move would deploy what the rules forbid, or cannot verify (LiteLLM
    past the boundary next to a backend nobody can read), is not moved, and the finding
    refuses the plan."""
    from .lint.context import Check, LintContext
    from .lint.rules import plan_unsafe

    if not sets:
        return set()
    after = dict(target.components)
    for name, tag in sets.items():
        state = target.components[name]
        image = state.image.with_tag(tag) if state.image is not None else None
        if image is not None and name in phase.repos:
            image = image.with_name(phase.repos[name])
        after[name] = ComponentState(
            name, image, rules.components[name].version_of(tag), state.sites, state.note
        )
    planned = Target(target.kind, target.path, target.formed, after)
    step = Check(planned, target, where=f"phase {phase.number}", scan=False, computed=True)
    found = list(plan_unsafe.check(LintContext(rules, [step])))
    if not found:
        return set()
    notes.extend(found)
    # The constraints' `if` sides (LiteLLM) are what is held back; the rest of the step
    # only if none of it is one.
    held = {c.if_component for c in rules.constraints} & set(sets)
    return held or set(sets)


def _moved_aside(
    phase: Phase, before: list[Target], after: list[Target], steps: list[TargetStep]
) -> list[Finding]:
    """Targets whose image repository the phase changes though their own step does not
    move it: a file they share with another target (a Kustomize base) was edited for that
    one, and their own rename (an overlay's mirror) no longer matches."""
    moving = {ts.target.key: ts.step.repos for ts in steps}
    was = {t.key: t for t in before}
    out = []
    for target in after:
        old = was.get(target.key)
        if old is None:
            continue
        for name, state in sorted(target.components.items()):
            prior = old.components.get(name)
            if prior is None or prior.image is None or state.image is None:
                continue
            if prior.image.name == state.image.name or name in moving.get(target.key, {}):
                continue
            out.append(
                Finding(
                    codes.UNRESOLVED,
                    Severity.WARNING,
                    f"phase {phase.number}: {name} of this target moves from "
                    f"{prior.image.name} to {state.image.name} through a file another "
                    "target's step edits; its own choice of repository is lost",
                    target=target.path,
                    fix=f"check {name}'s repository in this target after the phase (an "
                    "images: entry may need its name updated)",
                )
            )
    return out


def _reads(state: ComponentState | None) -> str:
    """What a component reads after the edits, in words (never None)."""
    if state is None:
        return "no image at all"
    if state.tag:
        return repr(state.tag)
    if state.image is not None:
        return f"{state.image} (no tag)"  # digest-only
    return describe(state)


def _check_safe(ts: TargetStep, phase: Phase, rules: Rules) -> list[Finding]:
    """The phase must not deploy a forbidden or unverified state, nor cross both
    boundaries at once (say, with --backend-tag below the boundary, a backend that cannot
    be resolved, or rules that do not fit the repository): LU012 judges it."""
    from .lint.context import Check, LintContext
    from .lint.rules import plan_unsafe

    assert ts.after is not None
    step = Check(ts.after, ts.target, where=f"phase {phase.number}", scan=False, computed=True)
    return list(plan_unsafe.check(LintContext(rules, [step])))


UNREADABLE = "an image the tool cannot read"


def describe(state: ComponentState) -> str:
    """`main-v1.81.0-stable`, or the image, or why it cannot be read: never None."""
    if state.tag:
        return state.tag
    if state.image is not None:
        return str(state.image)
    return f"an image the tool cannot read ({state.note})" if state.note else UNREADABLE


def _state_notes(target: Target, rules: Rules) -> list[Finding]:
    """What the repository deploys today that the rules forbid (the plan repairs it by
    moving the other side first), or cannot verify."""
    out = []
    for p in judge_state(target.components, rules):
        c = p.constraint
        if c is None or p.kind not in (FORBIDDEN, UNVERIFIED):
            continue
        lhs = target.components[c.if_component]
        rhs = target.components[c.then_component]
        if p.kind == FORBIDDEN:
            message = (
                f"INVALID STATE: {c.if_component} is at {describe(lhs)} (>= {c.if_at_least}) "
                f"while {c.then_component} is at {describe(rhs)} (< {c.then_at_least}); the "
                f"plan repairs it by moving {c.then_component} first"
            )
        else:
            message = (
                f"UNVERIFIED STATE: {c.if_component} is at {describe(lhs)} (>= "
                f"{c.if_at_least}) while the version of {c.then_component} cannot be known "
                f"({describe(rhs)}); nothing shows the state is allowed"
            )
        fix = (
            "deploy phase 1 now"
            if p.kind == FORBIDDEN
            else f"pin {c.then_component} to a versioned tag it runs today, then plan again"
        )
        out.append(
            Finding(codes.LITELLM_BEFORE_BACKEND, Severity.ERROR, message, target=target.path,
                    fix=fix)
        )
    return out
