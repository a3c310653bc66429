"""The lint verdict on one target's change, for the diff summary: what the judgement
(judge.py, the same one lint's LU001/LU002/LU003 ask) says about the move, plus the
errors the scanner recorded on the target after it (an image it cannot read). What the
judgement cannot read fails closed here as it does in lint."""

from __future__ import annotations

from ..judge import explain, judge_transition
from ..model import Severity, Target
from ..rules import Rules
from .model import Verdict


def verdict(before: Target | None, after: Target | None, rules: Rules) -> Verdict:
    if after is None:
        return Verdict()  # removed: nothing deployed, nothing to judge
    prior = before.components if before is not None else None
    found = [
        (p.code, str(p.severity), explain(p, prior, after.components))
        for p in judge_transition(prior, after.components, rules)
    ]
    found += [
        (f.code, str(f.severity), f.message)
        for f in after.findings
        if f.severity == Severity.ERROR
    ]
    return Verdict(tuple(found))
