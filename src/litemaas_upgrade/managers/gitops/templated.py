"""GitOps objects written in a chart's templates: the app-of-apps "bootstrap" chart, whose
`templates/` hold Argo CD Applications (or Flux HelmReleases) that deploy the LiteMaaS
chart with values such as `tag: {{ .Values.litemaas.version | quote }}`.

Such a file is YAML only once Helm renders it. It is read here as Helm's output would be
shaped: a line that holds only template actions (`{{- range }}`, `{{- end }}`) says
nothing, and each other `{{ ... }}` becomes a placeholder. What an object says in plain
text (its chart, its literal values) is read as usual; a component image that a
placeholder reaches is unknown, with the expression and its line, never guessed (the
chart's own values are not taken for what the user installs it with)."""

from __future__ import annotations

import re

from ...facts import Cause, Unreadable
from ...model import ComponentState, Severity, Site, Target
from ...records import record

_ACTION = re.compile(r"\{\{.*?\}\}")
_ONLY_ACTIONS = re.compile(r"[ \t]*(?:\{\{.*?\}\}[ \t]*)+")
PLACEHOLDER = "litemaas-upgrade-template-{}"
_PLACEHOLDER = re.compile(r"litemaas-upgrade-template-(\d+)")


@record(frozen=True, slots=True)
class Expression:
    text: str  # as written, `{{ ... }}`
    line: int
    col: int


def is_template(rel: str, charts: tuple[str, ...]) -> str | None:
    """The chart whose `templates/` holds the file, if any (charts as `folder/`)."""
    for chart in charts:
        if rel.startswith(chart + "templates/"):
            return chart.rstrip("/")
    return None


def placeholders(raw: bytes) -> tuple[bytes, list[Expression]] | None:
    """The text with each template action replaced (line and column of everything before
    it kept), and the expressions by placeholder number; None when an action spans lines
    or the text is not UTF-8 (then it stays unread)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    exprs: list[Expression] = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if "{{" not in line:
            continue
        if _ONLY_ACTIONS.fullmatch(line.rstrip("\r")):
            lines[i] = ""
            continue

        def swap(m: re.Match[str], line_no: int = i + 1) -> str:
            exprs.append(Expression(m.group(0), line_no, m.start() + 1))
            return PLACEHOLDER.format(len(exprs) - 1)

        lines[i] = _ACTION.sub(swap, line)
        if "{{" in lines[i] or "}}" in lines[i]:
            return None
    return "\n".join(lines).encode("utf-8"), exprs


def restore(text: str, exprs: list[Expression]) -> str:
    """Text built from the object (a name, a command), with its expressions as written."""
    return _PLACEHOLDER.sub(lambda m: exprs[int(m.group(1))].text, text)


def unknown_where_templated(
    target: Target, shown: str, chart: str, exprs: list[Expression]
) -> None:
    """Components whose image a template expression decides: unknown, at its line."""
    for name, state in sorted(target.components.items()):
        if state.image is None:
            continue
        found = _PLACEHOLDER.search(str(state.image))
        if found is None:
            continue
        expr = exprs[int(found.group(1))]
        why = (
            f"`{expr.text}` in {shown}:{expr.line}, a template of chart {chart} that Helm "
            "renders before Argo CD or Flux reads it"
        )
        target.components[name] = ComponentState(
            name,
            None,
            None,
            [Site(shown, expr.line, expr.col, "", "image", "template expression")],
            note=f"decided by {why}: unknown",
        )
        target.facts.append(
            Unreadable(
                shown,
                expr.line,
                expr.col,
                f"{name}'s image is decided by {why}: it cannot be read",
                Severity.WARNING,
                Cause.TEMPLATED_OBJECT,
            )
        )
