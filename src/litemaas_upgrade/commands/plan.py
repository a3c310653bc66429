"""`plan`: write both phases as files, diffs, plan.json and a runbook."""

from __future__ import annotations

from pathlib import Path

from ..engine import plan
from ..output.planfiles import PhaseWriter, Staging, write_plan
from .common import Inputs, check_out, err, open_inputs


def run(inputs: Inputs, out: str, force: bool) -> int:
    source, rules, options = open_inputs(inputs)
    out = out.rstrip("/") or out
    check_out(out, source)
    # Thin overlays point back at the repository from inside the output folder.
    try:
        options.out = Path(out).resolve().relative_to(source.root).as_posix()
    except ValueError:
        options.out = str(Path(out).resolve())
    # Each phase's files are staged as soon as it is planned; nothing is in place
    # before the whole plan is written (all or nothing).
    staging = Staging(Path(out))
    try:
        result = plan(source, rules, options, PhaseWriter(staging, source.root, force))
        if result.unsafe():
            staging.discard()
            for finding in result.unsafe():
                err(f"error: {finding.message}")
            err("refused: nothing was written")
            return 1
        files = write_plan(result, Path(out), force, staging)
    except BaseException:
        staging.discard()
        raise
    for ph in result.phases:
        n = ph.phase.number
        if ph.steps:
            err(
                f"phase {n}: {len(ph.steps)} target(s), {len(ph.after)} file(s) changed "
                f"-> {out}/phase-{n}.diff"
            )
        else:
            err(f"phase {n}: nothing to do")
    for finding in result.findings:
        err(f"{finding.severity}: {finding.target}: {finding.message}")
    err(f"wrote {len(files)} files to {out}/ (see {out}/RUNBOOK.md)")
    return 0
