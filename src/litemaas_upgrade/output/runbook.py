"""RUNBOOK.md: what an operator does, in order, for every target."""

from __future__ import annotations

from ..engine import Plan


def runbook(plan: Plan, out_rel: str) -> str:
    rules = plan.rules
    lines = [
        f"# Upgrade runbook: {rules.title}",
        "",
        f"Made by litemaas-upgrade from `{plan.source.display('')}` with the rules "
        f"`{rules.name}`. Deploy the phases in order, one at a time, and verify each "
        "before the next.",
    ]
    if rules.guide:
        lines += ["", f"Upgrade guide: {rules.guide}"]
    lines += [
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
        lines.append(f"| `{t.path}` | {t.kind} | {t.stage} | " + " | ".join(cells) + " |")
    warnings = [f for f in plan.findings] + [
        f for t in plan.targets for f in t.findings if str(f.severity) != "info"
    ]
    if warnings:
        lines += ["", "## Read this first", ""]
        for f in warnings:
            lines.append(f"- **{f.severity}** {f.code} `{f.where()}`: {f.message}")
    if any(
        "<release>" in ts.deploy or "<namespace>" in ts.deploy
        for ph in plan.phases
        for ts in ph.steps
    ):
        lines += [
            "",
            "`<release>` and `<namespace>` stand for each release's own: name them per target "
            "in `.litemaas-upgrade.yaml` (`helm: [{chart, values, release, namespace}]`) to "
            "get exact commands.",
        ]
    lines += ["", "## Before you start", ""]
    lines += [f"- [ ] {item}" for item in rules.before]
    for ph in plan.phases:
        n = ph.phase.number
        lines += ["", f"## Phase {n}: {ph.phase.title}", ""]
        if not ph.steps:
            lines += ["Nothing to do: every target is already past this phase."]
            continue
        changes = ", ".join(f"{c} → `{t}`" for c, t in ph.phase.set.items())
        pins = ", ".join(ph.phase.pin)
        lines += [
            f"Moves {changes}" + (f"; keeps {pins} pinned at its current tag." if pins else ".")
        ]
        lines += [
            "",
            f"Edits in the repository: `{out_rel}/phase-{n}.diff` "
            f"(`git apply {out_rel}/phase-{n}.diff`"
            + (" after phase " + str(n - 1) if n > 1 else "")
            + f", or `litemaas-upgrade apply {plan.source.display('')} --phase {n}`).",
        ]
        for ts in ph.steps:
            moves = ", ".join(
                f"{c} `{ts.target.components[c].tag if c in ts.target.components else '?'}` → `{t}`"
                for c, t in ts.step.set.items()
            )
            pinned = ", ".join(f"{c} at `{t}`" for c, t in ts.step.pin.items())
            lines += ["", f"### `{ts.target.path}` ({ts.target.kind})", ""]
            lines += [f"- {moves}" + (f"; pin {pinned}" if pinned else "")]
            if ts.after is not None:
                lines += [f"- stage after this phase: {ts.after.stage}"]
            if ts.deploy:
                lines += ["", "```bash", ts.deploy, "```"]
        lines += ["", "### Verify", ""]
        lines += [f"- [ ] {check}" for check in ph.phase.checks]
        if ph.phase.rollback:
            lines += ["", f"**Rollback:** {ph.phase.rollback}"]
    lines += [
        "",
        "## If both phases fail",
        "",
        "Restore both databases from the backups, then roll the releases back.",
        "",
    ]
    return "\n".join(lines)
