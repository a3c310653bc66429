"""LU011: a suppression comment that cannot be honoured."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...model import Finding, Severity
from ..context import LintContext

CODE = codes.BAD_SUPPRESSION
NAME = "bad-suppression"
SEVERITY = Severity.WARNING
EXPLANATION = """\
A `# litemaas-upgrade: ignore ...` comment that silences nothing: it names no code, an
unknown code, or gives no reason. A suppression must say why, so that the next reader
knows the finding was looked at; without a reason the finding it meant to silence is
still reported.

Fix: `# litemaas-upgrade: ignore LU003 frontend 0.2.1 carries a hotfix`, on the finding's
line or on a comment line just above it. Suppressed findings are counted, and listed with
`--show-suppressed`."""


def check(ctx: LintContext) -> Iterator[Finding]:
    for file in sorted(set(ctx.files)):
        for d in ctx.comments.directives(file):
            problem = d.problem(ctx.comments.known)
            if problem:
                yield Finding(
                    CODE,
                    SEVERITY,
                    f"suppression comment {problem}: it silences nothing",
                    d.file,
                    d.line,
                    d.col,
                    "",
                    "write `# litemaas-upgrade: ignore CODE <reason>`",
                )
