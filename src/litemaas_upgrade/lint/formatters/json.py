"""Machine output: `{"findings": [...], "suppressed": [...], "summary": {...}}`."""

from __future__ import annotations

import json

from ...model import Finding, Severity
from ..rules import rule_for
from ..runner import LintResult

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any


def _finding(f: Finding) -> dict[str, Any]:
    rule = rule_for(f.code)
    return {**f.to_json(), "name": rule.NAME if rule else ""}


def render(result: LintResult, *, show_suppressed: bool = True, colour: bool = False) -> str:
    data = {
        "base": result.base,
        "summary": {
            "targets": result.targets,
            "errors": result.count(Severity.ERROR),
            "warnings": result.count(Severity.WARNING),
            "info": result.count(Severity.INFO),
            "suppressed": len(result.suppressed),
        },
        "findings": [_finding(f) for f in result.findings],
        "suppressed": [
            {**_finding(s.finding), "reason": s.reason, "comment_line": s.line}
            for s in result.suppressed
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
