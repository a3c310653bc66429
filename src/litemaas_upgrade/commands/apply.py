"""`apply --phase N`: edit the repository in place, all files or none."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from .. import guard
from ..engine import PhasePlan, plan, without_steps
from ..errors import UsageError
from ..installations.planned import refusals as installation_refusals
from ..lint.rules.plan_unsafe import phase_not_done
from ..output import journal
from ..output.atomic import write_files
from ..output.unified import file_diff_counted, repository_prefix, tree_diff
from ..rules import phases_hint
from .common import Inputs, err, only_under, open_inputs, tags_set_elsewhere
from .plan import warn_apart


def run(
    inputs: Inputs, phase: int, dry_run: bool, show_secrets: bool = False, context: int = 3
) -> int:
    source, rules, options = open_inputs(inputs)
    if not 1 <= phase <= len(rules.phases):
        raise UsageError(
            f"--phase {phase}: the rules have phases 1 to {len(rules.phases)}"
            + phases_hint(rules)
        )
    for note in tags_set_elsewhere(rules, inputs.tags, phase):
        err(note)
    top = journal_folder(source.root)
    if journal.pending(top):
        if dry_run:
            err(
                f"an earlier apply was stopped half-way ({source.display('')}: "
                f"{journal.JOURNAL} is there): run apply without --dry-run to finish or "
                "undo it first"
            )
            return 1
        _recover(top)
    touched: dict[int, set[str]] = {}  # with several PATHs: each phase's files of theirs

    def keep_files(ph: PhasePlan) -> None:
        if len(inputs.paths) > 1:
            kept = {t.key for t in only_under([s.target for s in ph.steps], inputs.paths)}
            touched[ph.phase.number] = {
                c.file for s in ph.steps if s.target.key in kept for c in s.changes
            }
        without_steps(ph)

    result = plan(source, rules, options, keep_files, keep_data=False)
    unsafe = result.unsafe() + installation_refusals(result)
    if unsafe:
        for finding in unsafe:
            err(f"error {finding.code}: {finding.message}")
        err("refused: nothing was written")
        return 1
    pending = [ph for ph in result.phases[: phase - 1] if _only(ph, touched)[1]]
    if pending:
        first = pending[0].phase.number
        found = phase_not_done(phase, first, len(_only(pending[0], touched)[1]))
        err(f"error {found.code}: {found.message}: {found.fix}")
        return 1
    chosen = result.phases[phase - 1]
    before, after = _only(chosen, touched)
    warn_apart(rules, result, phase)
    for finding in result.findings:
        err(f"{finding.severity}: {finding.target}: {finding.message}")
    if not after:
        err(f"phase {phase}: nothing to do")
        return 0
    if dry_run:
        prefix = repository_prefix(source.root)  # git apply reads paths from the top
        if show_secrets:
            sys.stdout.write(tree_diff(before, after, context, prefix))
        else:
            _write_redacted(before, after, prefix, context)
        return 0

    def completed(paths: list[Path]) -> None:
        guard.done_so_far(f"the write completed: phase {phase}, {len(paths)} file(s) edited")

    written = write_files(
        {source.root / rel: data for rel, data in after.items()},
        expected={source.root / rel: data for rel, data in before.items()},
        journal_root=top,
        on_complete=completed,
    )
    for path in written:
        err(f"edited {source.display(path.relative_to(source.root).as_posix())}")
    err(f"phase {phase}: {len(written)} file(s) edited")
    return 0


def journal_folder(root: Path) -> Path:
    """Where the journal goes: the top of the git work tree (any apply below it finds
    it), or the folder applied when it is not in git."""
    from ..gitutil import GitError, toplevel

    try:
        top = toplevel(root).resolve()
    except (GitError, OSError):
        return root
    return top if root.resolve().is_relative_to(top) else root


def _recover(top: Path) -> None:
    outcome, files, left = journal.recover(top)
    err(f"an earlier apply was stopped half-way: {outcome} ({len(files)} file(s) written)")
    for rel in left:
        err(f"  left as it is (changed since): {rel}")


def _only(
    ph: PhasePlan, touched: dict[int, set[str]]
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """A phase's files before and after; with several PATHs, only the files of the
    targets below them (as `scan A B` lists them), not every file of their common
    folder."""
    files = touched.get(ph.phase.number)
    if files is None:
        return ph.before, ph.after
    return (
        {rel: data for rel, data in ph.before.items() if rel in files},
        {rel: data for rel, data in ph.after.items() if rel in files},
    )


def _write_redacted(
    before: Mapping[str, bytes | None],
    after: Mapping[str, bytes | None],
    prefix: str,
    context: int,
) -> None:
    """The dry run's diff with secrets hidden, as `diff` shows them (it may be pasted
    into a ticket or a CI log)."""
    from ..diff.secrets import line_masks

    masked = 0
    apply_c = context
    for rel in sorted(set(before) | set(after)):
        old, new = before.get(rel), after.get(rel)
        shown = file_diff_counted(
            prefix + rel, old, new, context, line_masks(old, rel), line_masks(new, rel)
        )
        masked += shown.masked
        apply_c = min(apply_c, shown.apply_context)
        sys.stdout.write(shown.text)
    if masked:
        how = (
            f"`git apply -C{apply_c}` still applies it" if apply_c >= 1
            else "`git apply` cannot apply it"
        )
        err(
            f"note: {masked} diff line(s) hold secrets and show <redacted> ({how}); "
            "--show-secrets prints the real lines"
        )
