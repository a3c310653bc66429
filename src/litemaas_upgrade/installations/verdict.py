"""Installations in `diff`: which installation each changed target belongs to, and the
verdict of lint's installation rules (LU013, LU014) on the change, asked of the same
rule modules (and so of judge.py) as lint."""

from __future__ import annotations

from ..lint.context import LintContext
from ..lint.rules import installation_order, installation_unknown
from ..lint.suppress import Comments
from ..model import Finding, Target
from ..rules import Rules
from .link import link
from .lintview import view
from .show import worth_showing


def judged(
    before: list[Target], after: list[Target], rules: Rules, config: dict | None
) -> tuple[dict[str, str], dict[str, list[Finding]]]:
    """(target path -> installation name, for installations across targets; target path
    -> the installation findings reported at it)."""
    found = link(after, config)
    names: dict[str, str] = {}
    if worth_showing(found):
        for inst in found.installations:
            if len(inst.members) > 1:
                for key in inst.members:
                    names[key[0]] = inst.name
    ctx = LintContext(rules, [], base_label="the base")
    ctx.installations = view(found, after, {t.key: t for t in before}, after)
    out: dict[str, list[Finding]] = {}
    comments = Comments({installation_order.CODE, installation_unknown.CODE})
    for rule in (installation_order, installation_unknown):
        for f in rule.check(ctx):
            if comments.silencing(f) is None:
                out.setdefault(f.target, []).append(f)
    return names, out
