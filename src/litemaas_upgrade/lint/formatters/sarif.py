"""SARIF 2.1.0 (OASIS): one run, the rules as `tool.driver.rules` with their metadata,
each finding a result with a real region; suppressed findings carry an in-source
suppression with its reason, as the standard says (viewers hide them)."""

from __future__ import annotations

import json
from urllib.parse import quote

from ... import __version__
from ...model import Finding, Severity
from ..rules import all_rules, summary
from ..runner import LintResult

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/"), safe="/")


def _result(f: Finding, index: dict[str, int], reason: str | None) -> dict[str, Any]:
    text = f"{f.target}: {f.message}" if f.target else f.message
    if f.fix:
        text += f"\nFix: {f.fix}"
    out: dict[str, Any] = {
        "ruleId": f.code,
        "level": LEVEL[f.severity],
        "message": {"text": text},
    }
    if f.code in index:
        out["ruleIndex"] = index[f.code]
    file = f.file or f.target
    if file:
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": _uri(file), "uriBaseId": "%SRCROOT%"}
        }
        if f.line:
            physical["region"] = {"startLine": f.line, "startColumn": max(f.col, 1)}
        out["locations"] = [{"physicalLocation": physical}]
    props: dict[str, Any] = {}
    if f.target:
        props["target"] = f.target
    if f.fix:
        props["fix"] = f.fix
    if props:
        out["properties"] = props
    if reason is not None:
        out["suppressions"] = [{"kind": "inSource", "justification": reason}]
    return out


def render(result: LintResult, *, show_suppressed: bool = True, colour: bool = False) -> str:
    rules = all_rules()
    index = {r.CODE: i for i, r in enumerate(rules)}
    descriptors = [
        {
            "id": r.CODE,
            "name": r.NAME,
            "shortDescription": {"text": summary(r)},
            "fullDescription": {"text": " ".join(r.EXPLANATION.split())},
            "help": {"text": r.EXPLANATION, "markdown": r.EXPLANATION},
            "defaultConfiguration": {"level": LEVEL[r.SEVERITY]},
        }
        for r in rules
    ]
    results = [_result(f, index, None) for f in result.findings]
    results += [_result(s.finding, index, s.reason) for s in result.suppressed]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "litemaas-upgrade",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": descriptors,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
