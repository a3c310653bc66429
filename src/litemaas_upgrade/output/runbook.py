"""RUNBOOK.md: what an operator does, in order, for every target."""

from __future__ import annotations

from collections.abc import Iterator

from ..engine import Plan
from ..judge import explain, judge_transition
from ..lint.rules.unresolved import of_notices
from ..model import ComponentState
from ..rules import Rules
from ..rulesets import starting
from ..shellword import word


def runbook(plan: Plan, out_rel: str) -> str:
    return "".join(runbook_text(plan, out_rel))


def runbook_text(plan: Plan, out_rel: str) -> Iterator[str]:
    """RUNBOOK.md in pieces, made as they are written (it has a section per target and
    phase: large for a large repository, see bench/README.md)."""
    first = True
    for line in _lines(plan, out_rel):
        yield line if first else "\n" + line
        first = False


def _lines(plan: Plan, out_rel: str) -> Iterator[str]:
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
    yield from _installations(plan)
    warnings = [f for f in plan.findings] + [
        f for t in plan.targets for f in t.findings if str(f.severity) != "info"
    ]
    warnings += [f for f in of_notices(list(plan.notices)) if str(f.severity) != "info"]
    if warnings:
        yield from ["", "## Read this first", ""]
        for f in warnings:
            yield f"- **{f.severity}** {f.code} `{f.where()}`: {f.message}"
    if any(
        "<release>" in ts.deploy or "<namespace>" in ts.deploy
        for ph in plan.phases
        for ts in ph.steps
    ):
        yield from [
            "",
            "`<release>` and `<namespace>` stand for each release's own: name them per target "
            "in `.litemaas-upgrade.yaml` (`helm: [{chart, values, release, namespace}]`) to "
            "get exact commands.",
        ]
    yield from ["", "## Before you start", ""]
    yield from (f"- [ ] {item}" for item in rules.before)
    for ph in plan.phases:
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
            continue
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
            + f", or `litemaas-upgrade apply {word(plan.source.display('') or '.')} "
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
    yield from [
        "",
        "## If both phases fail" if len(plan.phases) == 2 else "## If the phases fail",
        "",
        "Restore both databases from the backups, then roll the releases back.",
        "",
    ]


def _installations(plan: Plan) -> Iterator[str]:
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
    yield from order(found, plan)
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
