"""`plan`: write both phases as files, diffs, plan.json and a runbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import codes
from ..config_check import CONFIG_FILE
from ..engine import PhasePlan, Plan, load_config, plan
from ..errors import FileError
from ..guard import os_error
from ..installations.planned import phase_refusals
from ..model import Finding, Target
from ..output.planfiles import PhaseWriter, Staging, out_relative, write_plan
from ..rules import Rules
from ..source import Source
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
    phases = _Phases(source, rules, out, PhaseWriter(staging, source, rules, force))
    try:
        result = plan(source, rules, options, phases, keep_data=False)
        unsafe = result.unsafe() + phases.refused
        if unsafe:
            staging.discard()
            for finding in unsafe:
                err(f"error {finding.code}: {finding.message}")
            err("refused: nothing was written")
            return 1
        count = write_plan(result, Path(out), force, staging)
    except OSError as exc:
        staging.discard()
        # (the staging folder is beside --out: name --out, and the file that failed)
        raise FileError(f"--out {out}: {os_error(exc, 'write')}; nothing was written") from None
    except BaseException:
        staging.discard()
        raise
    for line in phases.apart + phases.done:
        err(line)
    for finding in result.findings:
        err(f"{finding.severity}: {finding.target}: {finding.message}")
    err(f"wrote {count} files to {out}/ (see {out}/RUNBOOK.md)")
    return 0


class _Phases:
    """`plan`'s hook: what the command says of each phase (its LU013 refusals, the
    components it leaves apart, its summary line) is made as soon as the phase is
    planned, before the writer lets go of its steps and targets."""

    def __init__(self, source: Source, rules: Rules, out: str, writer: PhaseWriter) -> None:
        self.rules, self.out, self.writer = rules, out, writer
        self.config = load_config(source)
        self.shown = source.display(CONFIG_FILE)
        self.refused: list[Finding] = []
        self.apart: list[str] = []
        self.done: list[str] = []

    def __call__(self, ph: PhasePlan) -> None:
        n = ph.phase.number
        self.refused += phase_refusals(
            self.rules, self.config, self.shown, n, ph.targets_before, ph.targets_after
        )
        self.apart += apart(self.rules, ph.targets_before, ph.targets_after, n)
        self.done.append(
            f"phase {n}: {len(ph.steps)} target(s), {len(ph.after)} file(s) changed "
            f"-> {self.out}/phase-{n}.diff"
            if ph.steps
            else f"phase {n}: nothing to do"
        )
        self.writer(ph)


def warn_apart(rules: Rules, result: Plan, number: int) -> None:
    """Say at once when phase `number` leaves a component on another version than the
    one it follows (`apart`)."""
    ph = result.phases[number - 1]
    for line in apart(rules, ph.targets_before, ph.targets_after, number):
        err(line)


def apart(rules: Rules, before: list[Target], after: list[Target], number: int) -> list[str]:
    """Where phase `number` leaves a component on another version than the one it
    follows (the frontend behind the backend after `--frontend-tag 0.1.3`), and the
    phase moved one of the two: lint would report it later as LU003."""
    was = {t.key: t for t in before}
    found: dict[tuple[str, str, str, str], list[str]] = {}
    for target in after:
        for name, comp in sorted(rules.components.items()):
            pair = _versions(target, name, comp.follows)
            if pair is None or pair[0] == pair[1]:
                continue
            old = was.get(target.key)
            if old is not None and _versions(old, name, comp.follows) == pair:
                continue  # apart already before the phase, and the phase moved neither
            key = (name, str(pair[0]), str(comp.follows), str(pair[1]))
            found.setdefault(key, []).append(target.path)
    lines = []
    for (name, version, follows, leader_version), paths in sorted(found.items()):
        shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        lines.append(
            f"warning {codes.FOLLOWER_MISMATCH}: phase {number} leaves {name} at {version} "
            f"and {follows} at {leader_version} in {len(paths)} target(s) ({shown}); "
            f"they are released together: give --{name}-tag and --{follows}-tag the same "
            f"version (litemaas-upgrade lint --explain {codes.FOLLOWER_MISMATCH})"
        )
    return lines


def _versions(target: Target, name: str, follows: str | None) -> tuple[Any, Any] | None:
    """(the component's version, the version of the one it follows), when both are known."""
    state = target.components.get(name)
    leader = target.components.get(follows) if follows else None
    if state is None or leader is None or state.version is None or leader.version is None:
        return None
    return state.version, leader.version
