"""Rules whose facts the scanner records on each target (it sees the files); the rule
module owns the code's metadata and passes those findings on."""

from __future__ import annotations

from collections.abc import Iterator

from ...model import Finding
from ..context import LintContext


def passed_on(ctx: LintContext, code: str) -> Iterator[Finding]:
    for check in ctx.checks:
        if not check.scan:
            continue
        for finding in check.target.findings:
            if finding.code == code:
                yield finding
