"""`apply --phase N`: edit the repository in place, all files or none."""

from __future__ import annotations

import sys

from ..engine import plan, without_steps
from ..errors import UsageError
from ..installations.planned import refusals as installation_refusals
from ..output.atomic import write_files
from ..output.unified import repository_prefix, tree_diff
from .common import Inputs, err, open_inputs
from .plan import warn_apart


def run(inputs: Inputs, phase: int, dry_run: bool) -> int:
    source, rules, options = open_inputs(inputs)
    if not 1 <= phase <= len(rules.phases):
        raise UsageError(f"--phase {phase}: the rules have phases 1 to {len(rules.phases)}")
    result = plan(source, rules, options, without_steps)
    unsafe = result.unsafe() + installation_refusals(result)
    if unsafe:
        for finding in unsafe:
            err(f"error {finding.code}: {finding.message}")
        err("refused: nothing was written")
        return 1
    pending = [ph for ph in result.phases[: phase - 1] if ph.after]
    if pending:
        first = pending[0].phase.number
        err(
            f"phase {first} is not done in this repository yet "
            f"({len(pending[0].after)} file(s) would change): apply --phase {first} first, "
            "deploy and verify it, then come back for the next phase"
        )
        return 1
    chosen = result.phases[phase - 1]
    warn_apart(rules, result, phase)
    for finding in result.findings:
        err(f"{finding.severity}: {finding.target}: {finding.message}")
    if not chosen.after:
        err(f"phase {phase}: nothing to do")
        return 0
    if dry_run:
        prefix = repository_prefix(source.root)  # git apply reads paths from the top
        sys.stdout.write(tree_diff(chosen.before, chosen.after, prefix=prefix))
        return 0
    written = write_files({source.root / rel: data for rel, data in chosen.after.items()})
    for path in written:
        err(f"edited {source.display(path.relative_to(source.root).as_posix())}")
    err(f"phase {phase}: {len(written)} file(s) edited")
    return 0
