"""`plan --out` writes each phase as soon as it is planned (PhaseWriter), with its steps
in plan.json and its runbook section staged as parts, and lets go of the phase's steps
and of the targets it was planned on: the files it writes are the same, byte for byte, as
those written from a whole plan held to the end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from litemaas_upgrade.commands.common import Inputs, open_inputs
from litemaas_upgrade.engine import Plan, plan
from litemaas_upgrade.outmarker import OUTPUT_MARKER
from litemaas_upgrade.output.planfiles import (
    PhaseWriter,
    Staging,
    out_relative,
    write_plan,
)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def planned(repo: Path, out: Path, staged: bool, *args: str) -> tuple[Staging, Plan]:
    """Plan the repository into `out`, with the early writer (as the command does) or
    with the whole plan held and written at the end."""
    source, rules, options = open_inputs(Inputs(["."], to=args[0] if args else None))
    options.out = out_relative(out.resolve(), source.root)
    staging = Staging(out)
    hook = PhaseWriter(staging, source, rules, force=False) if staged else None
    result = plan(source, rules, options, hook)
    write_plan(result, out, False, staging)
    return staging, result


@pytest.mark.parametrize("to", [None, "0.2.0"])
def test_staged_phases_write_the_same_files_as_a_whole_plan(
    sample_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, to: str | None
) -> None:
    monkeypatch.chdir(sample_repo)
    args = (to,) if to else ()
    early, _ = planned(sample_repo, tmp_path / "early", True, *args)
    whole, _ = planned(sample_repo, tmp_path / "whole", False, *args)
    assert early.phases == (3 if to is None else 2) and whole.phases == 0
    a, b = tree(tmp_path / "early"), tree(tmp_path / "whole")
    assert set(a) == set(b)
    assert not any(".parts" in rel for rel in a)  # the parts are gone before the move
    # The output folder is named in the runbook, plan.json and deploy commands; the marker
    # holds plan.json's digest.
    for rel in sorted(set(a) - {OUTPUT_MARKER}):
        assert a[rel].replace(b"early", b"whole") == b[rel], rel
    plan_json = a["plan.json"].decode()
    assert "\x00" not in plan_json and "\\u0000" not in plan_json
    runbook = a["RUNBOOK.md"].decode()
    for n in range(1, early.phases + 1):
        assert runbook.count(f"\n## Phase {n}: ") == 1


def test_a_written_phase_lets_go_of_its_steps_and_the_targets_before_it(
    sample_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sample_repo)
    staging, result = planned(sample_repo, tmp_path / "out", True)
    phases = result.phases
    assert len(phases) == 3
    for ph in phases:
        assert ph.steps == [] and ph.before == {} and ph.targets_before == []
        assert ph.after and set(ph.after.values()) == {b""}  # names only (plan.json)
    # Only the last phase's targets are held (and the scan's, which the runbook lists).
    assert [bool(ph.targets_after) for ph in phases] == [False, False, True]
    assert result.targets
    # What was let go had been written: every phase's steps are in plan.json.
    written = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert [len(p["steps"]) for p in written["phases"]] == [
        len(staging.summaries[n].moved) for n in (1, 2, 3)
    ]
    assert all(p["steps"] for p in written["phases"])


def test_a_plan_that_cannot_be_written_keeps_everything_and_refuses(
    sample_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    # A non-empty --out without --force: the writer stays off, nothing is staged, and the
    # write is refused as before (exit 2), leaving the folder as it was.
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")
    result = cli("plan", ".", "--out", str(out), cwd=sample_repo)
    assert result.code == 2, result.err
    assert "folder is not empty" in result.err
    assert tree(out) == {"keep.txt": b"mine\n"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".taken")]
