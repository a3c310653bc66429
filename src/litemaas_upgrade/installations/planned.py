"""Installations in `plan` and `apply`: the installations of the planned repository (for
plan.json and the runbook), and each computed phase judged per installation by lint's
own rule (LU013): a phase that would move a LiteLLM past its boundary while a backend it
serves, in another target, is still before its own is refused, as LU012 refuses one
within a target."""

from __future__ import annotations

from ..config_check import CONFIG_FILE
from ..engine import Plan, load_config
from ..lint.context import LintContext
from ..lint.rules import installation_order
from ..model import Finding, Target
from ..records import replace
from ..rules import Rules
from .link import Installations, link
from .lintview import view
from .show import worth_showing


def installations(plan: Plan) -> Installations | None:
    """The installations across targets of the repository as planned (None: none)."""
    found = link(plan.targets, load_config(plan.source), plan.source.display(CONFIG_FILE))
    return found if worth_showing(found) else None


def refusals(plan: Plan) -> list[Finding]:
    """LU013 for every phase that would deploy a LiteLLM before a backend it serves."""
    config = load_config(plan.source)
    shown = plan.source.display(CONFIG_FILE)
    out: list[Finding] = []
    for ph in plan.phases:
        out += phase_refusals(plan.rules, config, shown, ph.phase.number, ph.targets_before,
                              ph.targets_after)
    return out


def phase_refusals(
    rules: Rules,
    config: dict | None,
    shown: str,
    number: int,
    before: list[Target],
    after: list[Target],
) -> list[Finding]:
    """LU013 for one phase: the targets it was planned on, and its result."""
    where = f"plan phase {number}"
    ctx = LintContext(rules, [], base_label=f"before {where}")
    ctx.installations = view(link(after, config, shown), after, {t.key: t for t in before}, after)
    return [replace(f, message=f"{where}: {f.message}") for f in installation_order.check(ctx)]


def order(found: Installations, moved: list[tuple[int, set[tuple[str, str]]]]) -> list[str]:
    """Per installation, the phases of its targets in the order they are deployed: the
    runbook's lines (a LiteLLM target's phase comes after every backend it serves).
    `moved`: each phase's number and the keys of the targets it moves."""
    lines = []
    for inst in found.installations:
        if len(inst.members) < 2:
            continue
        steps = []
        for number, keys in moved:
            for key in inst.members:
                if key in keys:
                    steps.append(f"phase {number} `{key[0]}`")
        done = ", then ".join(steps) if steps else "nothing to do"
        members = ", ".join(f"`{k[0]}`" for k in inst.members)
        lines.append(f"- **{inst.name}** ({members}): {done}")
    return lines
