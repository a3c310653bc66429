"""`--format markdown`: a pull-request comment. The first line is a hidden marker so a
bot can find and update its own comment; then a summary table and one collapsible
section per target with a fenced diff. The whole comment stays within GitHub's limit
(65,536 characters): whole sections are left out first (the largest first), then table
rows, and the comment says what it left out."""

from __future__ import annotations

import re

from ..records import record
from .model import ChangeSet, ComponentChange, TargetChange
from .unified_out import Text, source_diff, target_diff

MARKER = "<!-- litemaas-upgrade:diff -->"
BUDGET = 65_536
_NAMES_SHOWN = 20


@record
class Section:
    name: str
    text: str


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str | None) -> str:
    if not text:
        return "—"
    return f"`{_cell(text)}`"


def _fenced(body: str, lang: str = "diff") -> str:
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    if not body.endswith("\n"):
        body += "\n"
    return f"{fence}{lang}\n{body}{fence}\n"


def _grouped(cs: ChangeSet) -> list[TargetChange]:
    """The targets, those of one installation together (a target alone is its own)."""
    if not cs.installations:
        return cs.targets
    return sorted(cs.targets, key=lambda tc: (cs.installations.get(tc.path, tc.path), tc.path))


def _rows(cs: ChangeSet) -> list[str]:
    rows = []
    for tc in _grouped(cs):
        if not tc.changed(cs.rendered):
            continue
        name = f"{_code(tc.path)} ({tc.kind})"
        if cs.installations:
            name = f"{_cell(cs.installations.get(tc.path, '—'))} | {name}"
        stage = f"{tc.stage_before or '—'} → {tc.stage_after or '—'}"
        verdict = tc.verdict.short()
        changed: list[ComponentChange] = [c for c in tc.components if c.changed]
        if not changed:
            rows.append(f"| {name} | — | no image change | {stage} | {verdict} |")
        for c in changed:
            rows.append(
                f"| {name} | {c.name} | {_code(c.image_before)} → {_code(c.image_after)} "
                f"| {stage} | {verdict} |"
            )
    return rows


def _summary(tc: TargetChange, rendered: bool, text: Text) -> str:
    lines = text.text.splitlines()
    plus = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    minus = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    if rendered and not tc.rendered_note:
        what = f"{len(tc.resources)} resource(s)"
    else:
        what = f"{len(tc.files)} file(s)"
    return f"<code>{tc.path}</code> ({tc.kind}): {what}, +{plus} −{minus}"


def _section(summary: str, body: str, extra: str = "") -> str:
    inner = _fenced(body) if body else "_no textual change_\n"
    return f"<details><summary>{summary}</summary>\n\n{extra}{inner}\n</details>\n"


def sections(cs: ChangeSet, context: int, show_secrets: bool) -> list[Section]:
    out = []
    for tc in _grouped(cs):
        if not tc.changed(cs.rendered):
            continue
        text = target_diff(cs, tc, context, show_secrets)
        extra = f"_{tc.rendered_note}; the source diff is shown._\n\n" if (
            cs.rendered and tc.rendered_note
        ) else ""
        summary = _summary(tc, cs.rendered, text)
        if tc.path in cs.installations:
            summary += f", installation <code>{cs.installations[tc.path]}</code>"
        out.append(Section(tc.path, _section(summary, text.text, extra)))
    if cs.other_files and not cs.rendered:
        body = Text()
        for f in cs.other_files:
            body.add(source_diff(f, context, show_secrets))
        summary = f"Other changed files ({len(cs.other_files)}), read by no target"
        out.append(Section("other files", _section(summary, body.text)))
    return out


def render_markdown(
    cs: ChangeSet, context: int, show_secrets: bool, command: str, budget: int = BUDGET
) -> str:
    rows = _rows(cs)
    changed = sum(1 for tc in cs.targets if tc.changed(cs.rendered))
    what = "rendered manifests" if cs.rendered else f"{len(cs.files)} file(s)"
    head = [
        MARKER,
        f"### litemaas-upgrade diff: {cs.title}",
        "",
        f"`{cs.before_label}` → `{cs.after_label}`: {changed} of {len(cs.targets)} target(s) "
        f"change ({what}).",
        "",
    ]
    notes = [f"> {n}" for n in cs.notes]
    secs = sections(cs, context, show_secrets)
    if not rows and not secs:
        return "\n".join([*head, "No changes.", *([""] + notes if notes else [])]) + "\n"

    table = ["| target | component | before → after | stage before → after | lint |",
             "|---|---|---|---|---|"]
    if cs.installations:
        table = ["| installation " + table[0], "|---" + table[1]]

    notes_text = "\n" + "\n".join(notes) + "\n" if notes else ""

    def top(kept_rows: int) -> str:
        lines = [*head, *table, *rows[:kept_rows]]
        if kept_rows < len(rows):
            lines.append(f"| … {len(rows) - kept_rows} more row(s) left out | | | | |")
        lines.append("")
        return "\n".join(lines) + "\n"

    def left_out(kept_rows: int, dropped: list[Section]) -> str:
        left = []
        if dropped:
            names = ", ".join(_code(s.name) for s in dropped[:_NAMES_SHOWN])
            more = f" and {len(dropped) - _NAMES_SHOWN} more" if len(dropped) > _NAMES_SHOWN else ""
            left.append(f"the diffs of {len(dropped)} section(s): {names}{more}")
        if kept_rows < len(rows):
            left.append(f"{len(rows) - kept_rows} summary row(s)")
        if not left:
            return ""
        return (
            f"> **Left out** to stay within GitHub's {budget:,}-character comment limit: "
            + "; ".join(left)
            + f". Run `{command}` to see everything.\n"
        )

    def assemble(kept_rows: int, kept: list[Section], dropped: list[Section]) -> str:
        body = "".join(s.text + "\n" for s in kept)
        return top(kept_rows) + body + left_out(kept_rows, dropped) + notes_text

    # Leave out whole sections, the largest first (the first of equals first), until the
    # comment fits. The comment's length is counted, not built, at each step: building
    # it each time grew with the square of the number of sections.
    kept_rows = len(rows)
    fixed = len(top(kept_rows)) + len(notes_text)
    size = sum(len(s.text) + 1 for s in secs)
    gone: set[int] = set()
    dropped: list[Section] = []
    for i in sorted(range(len(secs)), key=lambda i: (-len(secs[i].text), i)):
        if fixed + size + len(left_out(kept_rows, dropped)) <= budget:
            break
        gone.add(i)
        dropped.append(secs[i])
        size -= len(secs[i].text) + 1
    kept = [s for i, s in enumerate(secs) if i not in gone]
    first: dict[tuple[str, str], int] = {}
    for i, sec in enumerate(secs):
        first.setdefault((sec.name, sec.text), i)
    dropped.sort(key=lambda s: first[(s.name, s.text)])
    text = assemble(kept_rows, kept, dropped)
    if len(text) > budget:
        # Then as many summary rows as fit, in order (the most that fit, found by halving:
        # the comment grows with each row kept).
        fits, over = 0, kept_rows
        while over - fits > 1:
            mid = (fits + over) // 2
            if len(assemble(mid, kept, dropped)) <= budget:
                fits = mid
            else:
                over = mid
        text = assemble(fits, kept, dropped)
    return text
