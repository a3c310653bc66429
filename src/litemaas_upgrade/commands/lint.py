"""`lint`: refuse states and changes that upgrade LiteLLM before the LiteMaaS backend.

States (every target's effective images), transitions (the base revision -> the files on
disk; HEAD by default when files are passed, as pre-commit does) and plan files.
Exit codes: 0 fine, 1 findings at error (or warning with --fail-on-warn), 2 usage,
3 unreadable input."""

from __future__ import annotations

import os
import sys

from ..errors import UsageError
from ..rules import load_rules
from .common import Inputs, err

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from ..lint.runner import LintResult


def run(
    inputs: Inputs,
    *,
    base: str | None = None,
    plan_file: str | None = None,
    fmt: str = "text",
    fail_on_warn: bool = False,
    show_suppressed: bool = False,
    explain: str | None = None,
) -> int:
    if explain is not None:
        return _explain(explain)
    from ..lint import formatters
    from ..lint.runner import run_rules

    if fmt not in formatters.FORMATS:
        raise UsageError(f"--format {fmt}: expected one of {', '.join(formatters.FORMATS)}")
    if plan_file is not None and base is not None:
        raise UsageError("--plan and --base cannot be used together (a plan holds its own base)")
    notes: list[str] = []
    if plan_file is not None:
        from ..lint.plancheck import plan_context

        ctx = plan_context(plan_file, load_rules(inputs.rules_file).with_targets(inputs.tags))
    else:
        from ..lint.resolve import Opened, lint_context

        # Opened first: git reads the base while the rules load.
        with Opened(inputs.paths, base, notes) as repo:
            rules = load_rules(inputs.rules_file).with_targets(inputs.tags)
            ctx = lint_context(rules, repo, inputs.charts, inputs.values, notes)
    result = run_rules(ctx, notes)
    for note in result.notes:
        err(f"litemaas-upgrade: {note}")
    text = _render(fmt, result, show_suppressed)
    sys.stdout.write(text)
    sys.stdout.flush()
    if fmt == "github":
        _step_summary(result, show_suppressed)
    elif fmt in ("json", "sarif", "rdjson", "codeclimate"):
        err(result.summary())
    return result.exit_code(fail_on_warn)


def _render(fmt: str, result: LintResult, show_suppressed: bool) -> str:
    from ..terminal import use_colour

    # Only the format asked for is loaded (a pre-commit run prints text).
    if fmt == "json":
        from ..lint.formatters import json as module
    elif fmt == "sarif":
        from ..lint.formatters import sarif as module  # type: ignore[no-redef]
    elif fmt == "github":
        from ..lint.formatters import github as module  # type: ignore[no-redef]
    elif fmt == "rdjson":
        from ..lint.formatters import rdjson as module  # type: ignore[no-redef]
    elif fmt == "codeclimate":
        from ..lint.formatters import codeclimate as module  # type: ignore[no-redef]
    else:
        from ..lint.formatters import text as module  # type: ignore[no-redef]
    colour = fmt == "text" and use_colour(sys.stdout)
    return module.render(result, show_suppressed=show_suppressed, colour=colour)


def _step_summary(result: LintResult, show_suppressed: bool) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    from ..lint.formatters.github import step_summary

    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(step_summary(result, show_suppressed))
    except OSError as exc:
        err(f"litemaas-upgrade: cannot append to $GITHUB_STEP_SUMMARY ({path}): {exc.strerror}")


def _explain(code: str) -> int:
    from ..lint.rules import all_rules, rule_for

    rule = rule_for(code)
    if rule is None:
        known = ", ".join(f"{r.CODE} ({r.NAME})" for r in all_rules())
        raise UsageError(f"unknown finding code {code!r}; known: {known}")
    sys.stdout.write(
        f"{rule.CODE} {rule.NAME} (default severity: {rule.SEVERITY})\n\n{rule.EXPLANATION}\n"
    )
    return 0
