"""The lint verdict on one target's change, for the diff summary: what lint's own rules
for the judgement (LU001, LU002, LU003, all asking judge.py) say about the move, plus the
errors the scanner recorded on the target after it (an image it cannot read), less what
a suppression comment silences, as lint does. What cannot be read fails closed here as
it does in lint."""

from __future__ import annotations

from ..lint.context import Check, LintContext
from ..lint.rules import all_rules, constraint_state, follower_mismatch, two_phases
from ..lint.suppress import Comments
from ..model import Finding, Severity, Target
from ..rules import Rules
from .model import Verdict

_JUDGED = (constraint_state, two_phases, follower_mismatch)


def verdict(before: Target | None, after: Target | None, rules: Rules) -> Verdict:
    if after is None:
        return Verdict()  # removed: nothing deployed, nothing to judge
    ctx = LintContext(rules, [Check(after, before)])
    found: list[Finding] = [f for rule in _JUDGED for f in rule.check(ctx)]
    found += [f for f in after.findings if f.severity == Severity.ERROR]
    if found:
        comments = Comments({r.CODE for r in all_rules()})
        found = [f for f in found if comments.silencing(f) is None]
    return Verdict(tuple((f.code, str(f.severity), f.message) for f in found))
