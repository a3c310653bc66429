"""GitHub Actions workflow commands (`::error file=...,line=...,col=...,title=...::msg`),
which mark the lines in a pull request, and a Markdown summary for $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

from ...model import Finding, Severity
from ..rules import rule_for
from ..runner import LintResult

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(f: Finding) -> str:
    rule = rule_for(f.code)
    title = f"{f.code} {rule.NAME}" if rule else f.code
    if f.target:
        title += f" ({f.target})"
    props = []
    if f.file:
        props.append(f"file={escape_property(f.file)}")
        if f.line:
            props.append(f"line={f.line}")
            props.append(f"col={max(f.col, 1)}")
    props.append(f"title={escape_property(title)}")
    message = f.message + (f"\nfix: {f.fix}" if f.fix else "")
    return f"::{COMMAND[f.severity]} {','.join(props)}::{escape_data(message)}"


def render(result: LintResult, *, show_suppressed: bool = False, colour: bool = False) -> str:
    lines = [command(f) for f in result.findings]
    lines.append(result.summary())
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def step_summary(result: LintResult, show_suppressed: bool = False) -> str:
    """Markdown appended to $GITHUB_STEP_SUMMARY."""
    icon = "❌" if result.count(Severity.ERROR) else "⚠️" if result.findings else "✅"
    out = [f"### {icon} litemaas-upgrade lint", "", result.summary(), ""]
    shown: list[tuple[Finding, str | None]] = [(f, None) for f in result.findings]
    if show_suppressed:
        shown += [(s.finding, s.reason) for s in result.suppressed]
    if shown:
        out += ["| severity | code | where | target | message | fix |", "|---|---|---|---|---|---|"]
        for f, reason in shown:
            severity = str(f.severity) + (" (suppressed)" if reason is not None else "")
            out.append(
                "| "
                + " | ".join(
                    _cell(x)
                    for x in (severity, f.code, f"`{f.where()}`", f.target, f.message, f.fix)
                )
                + " |"
            )
        out.append("")
    if result.findings:
        out += ["Explain a code: `litemaas-upgrade lint --explain CODE`", ""]
    return "\n".join(out) + "\n"
