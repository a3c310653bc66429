"""RUNBOOK.md: what an operator does, in order, for every target."""

from __future__ import annotations

from collections.abc import Iterator

from ..engine import PhasePlan, Plan
from ..judge import explain, judge_transition
from ..lint.rules.unresolved import of_notices
from ..model import ComponentState
from ..records import record
from ..rules import Rules
from ..rulesets import starting
from ..shellword import word
from ..source import Source

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from .planfiles import Staging


@record
class PhaseSummary:
    """What the runbook's head says of a phase: the targets it moves (by key, for the
    installations' order) and whether a deploy command names `<release>` or
    `<namespace>`."""

    moved: set[tuple[str, str]]
    placeholders: bool


def runbook(plan: Plan, out_rel: str) -> str:
    return "".join(runbook_text(plan, out_rel))


def runbook_text(plan: Plan, out_rel: str, staging: Staging | None = None) -> Iterator[str]:
    """RUNBOOK.md in pieces, made as they are written (it has a section per target and
    phase: large for a large repository, see bench/README.md). The sections of the
    phases `staging` holds (PhaseWriter) are read back from it."""
    staged = staging.phases if staging is not None else 0
    summaries = [
        staging.summaries[ph.phase.number] if i < staged and staging is not None
        else phase_summary(ph)
        for i, ph in enumerate(plan.phases)
    ]
    yield from _joined(_head(plan, summaries))
    for i, ph in enumerate(plan.phases):
        if i < staged and staging is not None:
            yield from staging.part(f"runbook-{ph.phase.number}.md")
        else:
            yield from phase_section(plan.rules, plan.source, ph, out_rel)
    yield from ("\n" + line for line in _tail(len(plan.phases)))


def _joined(lines: Iterator[str]) -> Iterator[str]:
    """Lines as pieces of text: the first as it is, every other after a line break."""
    first = True
    for line in lines:
        yield line if first else "\n" + line
        first = False


def _tail(phases: int) -> list[str]:
    return [
        "",
        "## If both phases fail" if phases == 2 else "## If the phases fail",
        "",
        "Restore both databases from the backups, then roll the releases back.",
        "",
    ]


def _head(plan: Plan, summaries: list[PhaseSummary]) -> Iterator[str]:
    rules = plan.rules
    yield from [
        f"# Upgrade runbook: {rules.title}",
        "",
        f"Made by litemaas-upgrade from `{plan.source.display('')}` with the rules "
        f"`{rules.name}`. Deploy the phases in order, one at a time, and verify each "
        "before the next.",
    ]
    if rules.guide:
        yield from ["", f"Upgrade guide: {rules.guide}"]
    yield from [
        "",
        "## Targets",
        "",
        "| target | kind | stage | " + " | ".join(sorted(rules.components)) + " |",
        "|---|---|---|" + "---|" * len(rules.components),
    ]
    for t in plan.targets:
        cells = []
        for name in sorted(rules.components):
            state = t.components.get(name)
            cells.append(
                f"`{state.image}`"
                if state and state.image
                else ("unknown" if state else "not deployed")
            )
        yield f"| `{t.path}` | {t.kind} | {t.stage} | " + " | ".join(cells) + " |"
    yield from _installations(plan, summaries)
    warnings = [f for f in plan.findings] + [
        f for t in plan.targets for f in t.findings if str(f.severity) != "info"
    ]
    warnings += [f for f in of_notices(list(plan.notices)) if str(f.severity) != "info"]
    if warnings:
        yield from ["", "## Read this first", ""]
        for f in warnings:
            yield f"- **{f.severity}** {f.code} `{f.where()}`: {f.message}"
    if any(s.placeholders for s in summaries):
        yield from [
            "",
            "`<release>` and `<namespace>` stand for each release's own: name them per target "
            "in `.litemaas-upgrade.yaml` (`helm: [{chart, values, release, namespace}]`) to "
            "get exact commands.",
        ]
    yield from ["", "## Before you start", ""]
    yield from (f"- [ ] {item}" for item in rules.before)


def phase_section(rules: Rules, source: Source, ph: PhasePlan, out_rel: str) -> Iterator[str]:
    """A phase's section of the runbook, in pieces (each line after a line break): made
    as soon as the phase is planned by `plan --out`, as is its summary."""
    return ("\n" + line for line in _phase_lines(rules, source, ph, out_rel))


def phase_summary(ph: PhasePlan) -> PhaseSummary:
    """What the runbook's head needs of the phase's steps."""
    return PhaseSummary(
        {ts.target.key for ts in ph.steps},
        any("<release>" in ts.deploy or "<namespace>" in ts.deploy for ts in ph.steps),
    )


def _phase_lines(rules: Rules, source: Source, ph: PhasePlan, out_rel: str) -> Iterator[str]:
    n = ph.phase.number
    yield from ["", f"## Phase {n}: {ph.phase.title}", ""]
    later = starting(rules, ph.phase)
    if later is not None:
        # A later guide of the chain starts here: its checklist first.
        yield from [f"Before this phase ({later.name}, {later.guide}):", ""]
        yield from (f"- [ ] {item}" for item in later.before)
        yield ""
    if not ph.steps:
        yield from ["Nothing to do: every target is already past this phase."]
        return
    changes = ", ".join(
        f"{c} → `{_to(ph.phase.repos.get(c), t)}`" for c, t in ph.phase.set.items()
    )
    pins = ", ".join(ph.phase.pin)
    yield from [
        f"Moves {changes}" + (f"; keeps {pins} pinned at its current tag." if pins else ".")
    ]
    if ph.phase.notes:
        yield ""
        yield from (f"- {note}" for note in ph.phase.notes)
    yield from [
        "",
        f"Edits in the repository: `{out_rel}/phase-{n}.diff` "
        f"(`git apply {word(f'{out_rel}/phase-{n}.diff')}`"
        + (" after phase " + str(n - 1) if n > 1 else "")
        + f", or `litemaas-upgrade apply {word(source.display('') or '.')} "
        f"--phase {n}`).",
    ]
    for ts in ph.steps:
        moves = ", ".join(
            f"{c} `{_now(ts.target.components.get(c), c in ts.step.repos)}` → "
            f"`{_to(ts.step.repos.get(c), t)}`"
            for c, t in ts.step.set.items()
        )
        pinned = ", ".join(f"{c} at `{t}`" for c, t in ts.step.pin.items())
        yield from ["", f"### `{ts.target.path}` ({ts.target.kind})", ""]
        yield from [f"- {moves}" + (f"; pin {pinned}" if pinned else "")]
        if ts.after is not None:
            yield from [f"- stage after this phase: {ts.after.stage}"]
            yield from _judged(ts.target.components, ts.after.components, rules)
        if ts.deploy:
            yield from ["", "```bash", ts.deploy, "```"]
    yield from ["", "### Verify", ""]
    yield from (f"- [ ] {check}" for check in ph.phase.checks)
    if ph.phase.rollback:
        yield from ["", f"**Rollback:** {ph.phase.rollback}"]


def _installations(plan: Plan, summaries: list[PhaseSummary]) -> Iterator[str]:
    """Targets that talk to each other, and the order their phases are deployed in."""
    from ..installations.planned import installations, order

    found = installations(plan)
    if found is None:
        return
    yield from [
        "",
        "## Installations",
        "",
        "A backend and the LiteLLM it calls, in different targets: deploy each phase for "
        "every backend of an installation before the next phase of its LiteLLM.",
        "",
    ]
    yield from order(found, [(ph.phase.number, summary.moved)
                             for ph, summary in zip(plan.phases, summaries, strict=True)])
    yield from (f"- **unlinked**: {u.describe()}" for u in found.unlinked)


def _judged(
    before: dict[str, ComponentState], after: dict[str, ComponentState], rules: Rules
) -> Iterator[str]:
    """What the judgement (the one lint and the plan's safety check use) says about the
    step: a plan that is written has no blocking problem, so these are warnings."""
    for p in judge_transition(before, after, rules):
        yield f"- **{p.severity}** {p.code}: {explain(p, before, after)}"


def _now(state: ComponentState | None, image: bool = False) -> str:
    """A component's tag before the step: its image when the tag says nothing, or when
    the step moves its repository (`image`)."""
    if state is None:
        return "?"
    if image and state.image is not None:
        return str(state.image)
    return state.tag or (str(state.image) if state.image else "unknown")


def _to(repo: str | None, tag: str) -> str:
    """What a step moves a component to: the tag, or the image in another repository."""
    return f"{repo}:{tag}" if repo else tag
