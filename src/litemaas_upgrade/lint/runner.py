"""Run every rule over a context, apply the suppression comments, and count."""

from __future__ import annotations

from ..model import Finding, Severity
from ..records import field, record
from .context import LintContext
from .rules import all_rules
from .suppress import Comments


@record(frozen=True)
class Suppressed:
    finding: Finding
    reason: str
    line: int  # where the suppression comment is


@record
class LintResult:
    findings: list[Finding]
    suppressed: list[Suppressed]
    targets: int
    base: str | None  # what transitions were judged against, if anything
    notes: list[str] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def exit_code(self, fail_on_warn: bool) -> int:
        if self.count(Severity.ERROR):
            return 1
        if fail_on_warn and self.count(Severity.WARNING):
            return 1
        return 0

    def summary(self) -> str:
        parts = [
            _plural(self.count(Severity.ERROR), "error"),
            _plural(self.count(Severity.WARNING), "warning"),
        ]
        infos = self.count(Severity.INFO)
        if infos:
            parts.append(_plural(infos, "note"))
        if self.suppressed:
            parts.append(f"{len(self.suppressed)} suppressed")
        text = ", ".join(parts) + f" in {_plural(self.targets, 'target')}"
        if self.base:
            text += f"; changes checked against {self.base}"
        else:
            text += "; state only (no base)"
        return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def sort_key(f: Finding) -> tuple:
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return (f.file, f.line, f.col, order.get(f.severity, 3), f.code, f.target, f.message)


def run_rules(ctx: LintContext, notes: list[str] | None = None) -> LintResult:
    rules = all_rules()
    ctx.comments = Comments({r.CODE for r in rules})
    seen: set[Finding] = set()
    findings: list[Finding] = []
    suppressed: list[Suppressed] = []
    for rule in rules:
        for finding in rule.check(ctx):
            if finding in seen:
                continue
            seen.add(finding)
            directive = ctx.comments.silencing(finding)
            if directive is not None:
                suppressed.append(Suppressed(finding, directive.reason, directive.line))
            else:
                findings.append(finding)
    findings.sort(key=sort_key)
    suppressed.sort(key=lambda s: sort_key(s.finding))
    # A plan has a check per step; a target is counted once however many steps it has.
    targets = len({c.target.key for c in ctx.checks if c.target.kind != "repository"})
    return LintResult(findings, suppressed, targets, ctx.base_label, list(notes or []))
