"""`plan`: write both phases as files, diffs, plan.json and a runbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import codes
from ..engine import Plan, plan
from ..errors import FileError
from ..guard import os_error
from ..installations.planned import refusals as installation_refusals
from ..model import Target
from ..output.planfiles import PhaseWriter, Staging, out_relative, write_plan
from ..rules import Rules
from .common import Inputs, check_out, err, open_inputs


def run(inputs: Inputs, out: str, force: bool) -> int:
    source, rules, options = open_inputs(inputs)
    out = out.rstrip("/") or out
    check_out(out, source)
    # Thin overlays point back at the repository from inside the output folder.
    options.out = out_relative(Path(out).resolve(), source.root)
    # Each phase's files are staged as soon as it is planned; nothing is in place
    # before the whole plan is written (all or nothing).
    staging = Staging(Path(out))
    try:
        result = plan(source, rules, options, PhaseWriter(staging, source.root, force))
        unsafe = result.unsafe() + installation_refusals(result)
        if unsafe:
            staging.discard()
            for finding in unsafe:
                err(f"error {finding.code}: {finding.message}")
            err("refused: nothing was written")
            return 1
        files = write_plan(result, Path(out), force, staging)
    except OSError as exc:
        staging.discard()
        # (the staging folder is beside --out: name --out, and the file that failed)
        raise FileError(f"--out {out}: {os_error(exc, 'write')}; nothing was written") from None
    except BaseException:
        staging.discard()
        raise
    for ph in result.phases:
        warn_apart(rules, result, ph.phase.number)
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


def warn_apart(rules: Rules, result: Plan, number: int) -> None:
    """Say at once when phase `number` leaves a component on another version than the
    one it follows (the frontend behind the backend after `--frontend-tag 0.1.3`), where
    the phase moved one of the two: lint would report it later as LU003."""
    ph = result.phases[number - 1]
    before = {t.key: t for t in (result.phases[number - 2].targets_after if number > 1
                                 else result.targets)}
    apart: dict[tuple[str, str, str, str], list[str]] = {}
    for after in ph.targets_after:
        for name, comp in sorted(rules.components.items()):
            pair = _versions(after, name, comp.follows)
            if pair is None or pair[0] == pair[1]:
                continue
            old = before.get(after.key)
            if old is not None and _versions(old, name, comp.follows) == pair:
                continue  # apart already before the phase, and the phase moved neither
            key = (name, str(pair[0]), str(comp.follows), str(pair[1]))
            apart.setdefault(key, []).append(after.path)
    for (name, version, follows, leader_version), paths in sorted(apart.items()):
        shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        err(
            f"warning {codes.FOLLOWER_MISMATCH}: phase {number} leaves {name} at {version} "
            f"and {follows} at {leader_version} in {len(paths)} target(s) ({shown}); "
            f"they are released together: give --{name}-tag and --{follows}-tag the same "
            f"version (litemaas-upgrade lint --explain {codes.FOLLOWER_MISMATCH})"
        )


def _versions(target: Target, name: str, follows: str | None) -> tuple[Any, Any] | None:
    """(the component's version, the version of the one it follows), when both are known."""
    state = target.components.get(name)
    leader = target.components.get(follows) if follows else None
    if state is None or leader is None or state.version is None or leader.version is None:
        return None
    return state.version, leader.version
