"""`diff`: what a change (--base REV) or a planned phase (--phase N) does to the
deployments, as a unified diff, JSON, JSON Patch or a pull-request comment."""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..terminal import use_colour
from .common import Inputs, err, only_under, open_inputs, tags_set_elsewhere

if TYPE_CHECKING:
    from ..diff.model import ChangeSet


def run(
    inputs: Inputs,
    *,
    base: str | None,
    phase: int | None,
    fmt: str,
    rendered: bool,
    exit_code: bool,
    context: int,
    show_secrets: bool,
    color: str,
    ignore_labels: list[str],
) -> int:
    if base is not None and phase is not None:
        raise UsageError("--base and --phase are alternatives: give one of them")
    if base is None and phase is None:
        raise UsageError("give --base REV (compare a revision with the work tree) or --phase N")
    source, rules, options = open_inputs(inputs)
    if phase is not None and 1 <= phase <= len(rules.phases):
        for note in tags_set_elsewhere(rules, inputs.tags, phase):
            err(note)

    from ..diff.collect import from_base, from_phase

    cs = from_base(source, rules, options, base) if base is not None else from_phase(
        source, rules, options, phase or 0
    )
    try:
        cs.targets = only_under(cs.targets, inputs.paths)
        if rendered:
            from ..diff.rendered import render_changes
            from ..diff.structured import DEFAULT_IGNORED_LABELS

            labels = [k for k in ignore_labels if k] if ignore_labels else DEFAULT_IGNORED_LABELS
            render_changes(cs, frozenset(labels), show_secrets)
        text, masked, apply_c = _format(
            cs, fmt, context, show_secrets, _command(inputs, cs, rendered)
        )
    finally:
        cs.close()
    if fmt == "unified" and use_colour(sys.stdout, color):
        from ..output.unified import colorize

        text = colorize(text)
    sys.stdout.write(text)
    for note in cs.notes:
        err(note)
    if masked and fmt == "unified" and not cs.rendered:
        n = min(apply_c, context)
        how = (
            f"`git apply` refuses it as it is, but `git apply -C{n}` applies it: -C{n} makes "
            f"git check only the {n} context line(s) next to each change, and the redacted "
            "lines are farther away"
            if apply_c >= 1
            else "`git apply` cannot apply it, because a redacted line is changed or sits "
            "between changes"
        )
        err(
            f"note: {masked} diff line(s) hold secrets and show <redacted>, so they differ "
            f"from the files: {how}. --show-secrets prints the real lines (a diff that "
            "applies as it is)."
        )
    return 1 if exit_code and cs.changed() else 0


def _format(
    cs: ChangeSet, fmt: str, context: int, show_secrets: bool, command: str
) -> tuple[str, int, int]:
    if fmt == "json":
        from ..diff.json_out import render_json

        return render_json(cs), 0, 0
    if fmt == "jsonpatch":
        from ..diff.jsonpatch_out import render_jsonpatch

        return render_jsonpatch(cs, show_secrets), 0, 0
    if fmt == "markdown":
        from ..diff.markdown import render_markdown

        return render_markdown(cs, context, show_secrets, command), 0, 0
    from ..diff.unified_out import unified

    out = unified(cs, context, show_secrets)
    return out.text, out.masked, out.apply_context


def _command(inputs: Inputs, cs: ChangeSet, rendered: bool) -> str:
    parts = ["litemaas-upgrade", "diff", *[shlex.quote(p) for p in inputs.paths], cs.command]
    if rendered:
        parts.append("--rendered")
    return " ".join(parts)

