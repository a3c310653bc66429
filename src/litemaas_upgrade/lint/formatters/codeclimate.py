"""GitLab Code Quality (the subset of the Code Climate issue spec that GitLab reads): a JSON
array of issues, each with `description`, `check_name`, `fingerprint`, `severity` and
`location.path` + `location.lines.begin`. GitLab matches the issues of a merge request's
report with its target branch's by fingerprint, so a fingerprint names the finding, not
where it sits: code, file, target and message, without the line (an edit above it must
not make it "new"). Findings that would share one are told apart by line, then by order.
Suppressed findings are not issues and are left out."""

from __future__ import annotations

import hashlib
import json

from ...model import Finding, Severity
from ..rules import rule_for
from ..runner import LintResult

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

# GitLab's scale is info, minor, major, critical, blocker. An error blocks the merge
# (LU001/LU002: the upgrade would break), so it ranks above a warning's `major`.
SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def _digest(*parts: object) -> str:
    return hashlib.sha256("\0".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def fingerprints(findings: list[Finding]) -> list[str]:
    """One per finding, stable across runs, unique within the report."""
    keys = [(f.code, f.file, f.target, f.message) for f in findings]
    counts: dict[tuple, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    out: list[str] = []
    used: set[str] = set()
    for f, key in zip(findings, keys, strict=True):
        print_ = _digest(*key) if counts[key] == 1 else _digest(*key, f.line, f.col)
        n = 1
        while print_ in used:  # same place too: the order is all that is left
            print_ = _digest(*key, f.line, f.col, n)
            n += 1
        used.add(print_)
        out.append(print_)
    return out


def _issue(f: Finding, fingerprint: str) -> dict[str, Any]:
    rule = rule_for(f.code)
    name = rule.NAME if rule else f.code
    description = f"{f.code} {name}: "
    description += f"[{f.target}] {f.message}" if f.target else f.message
    if f.fix:
        description += f" Fix: {f.fix}"
    issue: dict[str, Any] = {
        "type": "issue",
        "description": description,
        "check_name": f.code,
        "fingerprint": fingerprint,
        "severity": SEVERITY[f.severity],
        "categories": ["Bug Risk"],
        # A finding without a file (a target that cannot be read as a whole) points at
        # the target's own path, at its first line: GitLab needs a path and a line.
        "location": {
            "path": (f.file or f.target or ".").replace("\\", "/"),
            "lines": {"begin": max(f.line, 1)},
        },
    }
    if rule is not None:
        issue["content"] = {"body": rule.EXPLANATION}
    return issue


def render(result: LintResult, *, show_suppressed: bool = False, colour: bool = False) -> str:
    findings = list(result.findings)
    issues = [_issue(f, p) for f, p in zip(findings, fingerprints(findings), strict=True)]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
