"""LU016: a change reaches a later upgrade guide's release before the earlier guide's
phases are done (LiteMaaS 0.1.3 straight to 0.4.0)."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...judge import skipped
from ...model import ComponentState, Finding, Severity
from ...rules import Rules
from ..context import LintContext, describe, locate

CODE = codes.SKIPPED_GUIDE
NAME = "skipped-guide"
SEVERITY = Severity.ERROR
EXPLANATION = """\
Each published upgrade guide is a rule set that starts where the one before it ends (its
`requires`): the LiteMaaS v0.4.0 guide starts from v0.2.0 or later with LiteLLM
main-v1.81.0-stable ("Upgrading from v0.1.x? First follow the v0.2.0 Upgrade Guide"). This
change reaches a later guide's release (the backend at 0.4.0, or LiteLLM on the fork) from
a state the guide does not start from, so the earlier guide's phases would be skipped or
deployed at once.

Fix: take the path the message names, one phase per deployment:
`litemaas-upgrade plan . --out upgrade/` writes every phase from where the repository is."""


def path_of(rules: Rules, upto: int) -> str:
    """The phases of the chain's first `upto + 1` rule sets, in words."""
    sets = {r.name for r in rules.chain[: upto + 1]}
    parts = []
    for phase in rules.phases:
        if phase.rules not in sets:
            continue
        moves = ", ".join(
            f"{c} to {phase.repos[c] + ':' if c in phase.repos else ''}{t}"
            for c, t in phase.set.items()
        )
        pins = f" ({', '.join(phase.pin)} pinned)" if phase.pin else ""
        parts.append(f"phase {phase.number} [{phase.rules}]: {moves}{pins}")
    return "; then ".join(parts)


def _image(state: ComponentState | None) -> str:
    """The whole image (a rule set may be reached by a repository, not a version)."""
    if state is None or state.image is None:
        return describe(state)
    return str(state.image)


def check(ctx: LintContext) -> Iterator[Finding]:
    rules = ctx.rules
    for chk in ctx.checks:
        if chk.base is None:
            continue
        before, after = chk.base.components, chk.target.components
        for index, name in skipped(before, after, rules):
            rule_set = rules.chain[index]
            req = rule_set.requires
            assert req is not None
            state = after[name]
            was = ", ".join(f"{c} {describe(before.get(c))}" for c in req.at_least if c in before)
            least = ", ".join(f"{c} >= {v}" for c, v in req.at_least.items())
            file, line, col = locate(chk.target, state)
            yield Finding(
                CODE,
                SEVERITY,
                f"{chk.prefix}{name} moves {_image(before.get(name))} -> {_image(state)}, "
                f"which is {rule_set.name}, from {was}: {rule_set.name} starts after "
                f"{req.rules} ({least}); the change skips it",
                file,
                line,
                col,
                chk.target.path,
                f"take the path: {path_of(rules, index)}; one phase per deployment "
                "(`litemaas-upgrade plan . --out upgrade/` writes them)",
            )
