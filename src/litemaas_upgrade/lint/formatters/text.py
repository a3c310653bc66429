"""For people: one block per finding, `file:line:col: severity CODE name [target]`."""

from __future__ import annotations

from ...model import Finding, Severity
from ..rules import rule_for
from ..runner import LintResult

_COLOURS = {Severity.ERROR: "1;31", Severity.WARNING: "1;33", Severity.INFO: "1;36"}


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour else text


def _block(f: Finding, colour: bool, suppressed: str | None = None) -> list[str]:
    rule = rule_for(f.code)
    name = f" {rule.NAME}" if rule else ""
    where = f.where() or "(repository)"
    head = f"{_paint(where, '1', colour)}: {_paint(str(f.severity), _COLOURS[f.severity], colour)}"
    head += f" {f.code}{name}"
    if f.target and f.target != f.file:
        head += f" [{f.target}]"
    lines = [head, f"  {f.message}"]
    if f.fix:
        lines.append(f"  {_paint('fix:', '32', colour)} {f.fix}")
    if suppressed is not None:
        lines.append(f"  {_paint('suppressed:', '2', colour)} {suppressed}")
    return lines


def render(result: LintResult, *, show_suppressed: bool = False, colour: bool = False) -> str:
    out: list[str] = []
    for f in result.findings:
        out.extend(_block(f, colour))
        out.append("")
    if show_suppressed:
        for s in result.suppressed:
            out.extend(_block(s.finding, colour, s.reason))
            out.append("")
    summary = result.summary()
    if result.count(Severity.ERROR):
        summary = _paint(summary, "1;31", colour)
    elif not result.findings:
        summary = "ok: " + summary
    out.append(summary)
    if result.suppressed and not show_suppressed:
        out.append("(--show-suppressed lists the suppressed findings)")
    if result.count(Severity.ERROR):
        out.append("explain a code: litemaas-upgrade lint --explain CODE")
    return "\n".join(out) + "\n"
