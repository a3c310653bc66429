"""`plan --out DIR`: plan.json, RUNBOOK.md, phase-N/ trees and phase-N.diff, written
into a temporary folder first and moved into place whole."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..engine import DEPLOY_DIR, PhasePlan, Plan, TargetStep, let_go
from ..errors import UsageError
from ..model import format_path
from ..outmarker import OUTPUT_MARKER, file_digest, marker_text, not_plan_output
from ..rules import Rules
from ..source import Source
from .runbook import PhaseSummary, phase_section, phase_summary, runbook_text
from .unified import repository_prefix, tree_diff_parts

# Until plan.json is written: the marker gets its digest last (Staging.commit).
MARKER_TEXT = marker_text(None)


class _Each(list):  # type: ignore[type-arg]
    """A list for `json` whose items are made one at a time as they are written (the
    plan of a large repository as one structure would be a few copies of the plan)."""

    def __init__(self, items: Sequence[Any], make: Callable[[Any], Any]) -> None:
        super().__init__()
        self._items = items
        self._make = make

    def __iter__(self) -> Iterator[Any]:
        return (self._make(item) for item in self._items)

    def __len__(self) -> int:
        return len(self._items)


def plan_json(plan: Plan, out_rel: str, staged: int = 0) -> dict[str, Any]:
    """plan.json's content; its long lists are made while `json` writes them. The first
    `staged` phases' steps are in the staging folder already (PhaseWriter): their place
    holds a mark, which plan_json_text replaces."""
    src = plan.source

    def steps(ph: PhasePlan) -> Any:
        if ph.phase.number <= staged:
            return _steps_mark(ph.phase.number)
        return _Each(ph.steps, step_json(src, ph))

    phases = [
        {
            "phase": ph.phase.number,
            "title": ph.phase.title,
            "set": ph.phase.set,
            "pin": list(ph.phase.pin),
            # Components the phase moves to another repository, with their `set` tag.
            **({"repos": dict(ph.phase.repos)} if ph.phase.repos else {}),
            "rules": ph.phase.rules,
            "changed_files": [src.display(f) for f in sorted(ph.after)],
            "diff": f"phase-{ph.phase.number}.diff",
            "steps": steps(ph),
        }
        for ph in plan.phases
    ]
    from ..installations.planned import installations

    linked = installations(plan)
    extra = linked.to_json() if linked is not None else {}
    return {
        "tool": f"litemaas-upgrade {__version__}",
        "rules": {"name": plan.rules.name, "source": plan.rules.source},
        "root": src.display(""),
        "output": out_rel,
        "targets": _Each(plan.targets, lambda t: t.to_json()),
        "phases": phases,
        "findings": [f.to_json() for f in plan.findings],
        **extra,
    }


# Where a phase's steps go in plan.json: the `steps` key's value, inside a phase, inside
# `phases` (three levels of indent=2).
_STEPS_INDENT = "\n" + " " * 6


def _steps_mark(number: int) -> str:
    return f"\x00steps of phase {number}\x00"  # no step's JSON has a NUL


def plan_json_text(plan: Plan, out_rel: str, staging: Staging | None = None) -> Iterator[str]:
    """plan.json as pieces of text, made as they are written: the staged phases' steps
    (PhaseWriter) read back from the staging folder where their marks are."""
    staged = staging.phases if staging is not None else 0
    marks = {json.dumps(_steps_mark(n)): n for n in range(1, staged + 1)}
    encoder = json.JSONEncoder(indent=2)  # what json.dumps(..., indent=2) uses
    for chunk in encoder.iterencode(plan_json(plan, out_rel, staged)):
        number = marks.pop(chunk, None)  # a dict's string value comes as one piece
        if number is None:
            yield chunk
        else:
            assert staging is not None
            yield from staging.part(f"steps-{number}.json")
    if marks:  # (never: each phase's mark is written once, as its own piece)
        raise AssertionError(f"plan.json: steps of phases {sorted(marks.values())} not placed")
    yield "\n"


def step_json(src: Source, ph: PhasePlan) -> Callable[[TargetStep], dict[str, Any]]:
    """plan.json's entry of one step of the phase."""

    def one(ts: TargetStep) -> dict[str, Any]:
        return {
            "target": ts.target.path,
            "kind": ts.target.kind,
            "stage_before": str(ts.target.stage),
            "stage_after": str(ts.after.stage) if ts.after else None,
            "set": ts.step.set,
            "pin": ts.step.pin,
            "before": _images(ts.target.components),
            "after": _images(ts.after.components) if ts.after else None,
            "changes": [
                {
                    "file": src.display(c.file),
                    "path": format_path(c.path),
                    "line": c.line,
                    "col": c.col,
                    "from": c.was,
                    "component": c.component,
                    "value": c.value,
                    "reason": c.reason,
                }
                for c in ts.changes
            ],
            "files": sorted(f"phase-{ph.phase.number}/{DEPLOY_DIR}/{n}" for n in ts.files),
            "deploy": ts.deploy,
        }

    return one


def _images(components: dict) -> dict[str, Any]:
    return {
        name: {
            "image": str(s.image) if s.image else None,
            "tag": s.tag,
            "version": str(s.version) if s.version else None,
        }
        for name, s in sorted(components.items())
    }


def out_relative(out: Path, root: Path) -> str:
    """The output folder as the runbook and deploy commands name it."""
    try:
        return out.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(out)


def phase_outputs(
    ph: PhasePlan, cumulative: dict[str, bytes], prefix: str = ""
) -> Iterator[tuple[str, bytes | Iterator[str]]]:
    """One phase's files: the thin deploy files, the repository files as the phase leaves
    them (every earlier phase's included: `cumulative`, updated here) and its diff.
    `prefix`: the root's place in its git work tree, which the diff's paths start with
    (repository_prefix)."""
    n = ph.phase.number
    cumulative.update(ph.after)
    for ts in ph.steps:
        for name, text in ts.files.items():
            yield f"phase-{n}/{DEPLOY_DIR}/{name}", text.encode("utf-8")
    for rel, data in cumulative.items():
        yield f"phase-{n}/{rel}", data
    yield f"phase-{n}.diff", tree_diff_parts(ph.before, ph.after, prefix=prefix)


def render_files(
    plan: Plan, out_rel: str, staging: Staging | None = None
) -> Iterator[tuple[str, bytes | Iterator[str]]]:
    """Every file `plan --out` writes, by path relative to the output folder, made one
    at a time (plan.json and the runbook as pieces of text). The phases `staging` holds
    already (PhaseWriter) are left out, and their parts of plan.json and the runbook are
    read back from it."""
    staged = staging.phases if staging is not None else 0
    if not staged:
        yield OUTPUT_MARKER, MARKER_TEXT  # (PhaseWriter put it first)
    cumulative = dict(staging.cumulative) if staging is not None else {}
    prefix = repository_prefix(plan.source.root)
    for ph in plan.phases[staged:]:
        yield from phase_outputs(ph, cumulative, prefix)
    yield "RUNBOOK.md", runbook_text(plan, out_rel, staging)
    yield "plan.json", plan_json_text(plan, out_rel, staging)


class Staging:
    """A new folder beside the output folder that the plan's files are written into,
    made when the first file comes, and moved into place whole (`commit`) or removed
    (`discard`): the output folder is replaced all or nothing. It also holds `parts`,
    pieces of the last files made early (a phase's steps in plan.json, its runbook
    section), which are gone before the folder is moved into place."""

    PARTS = ".parts"

    def __init__(self, out: Path) -> None:
        self.out = out
        self.folder: Path | None = None
        self.count = 0  # files written (a count: their paths would be ~20 MB at 10,000 targets)
        self.phases = 0  # phases whose files are in (the first ones, in order)
        # The repository's changed files as those phases leave them
        self.cumulative: dict[str, bytes] = {}
        # What the runbook needs of each phase in (PhaseWriter), by number
        self.summaries: dict[int, PhaseSummary] = {}

    def put(self, rel: str, data: bytes | Iterator[str]) -> None:
        self._write(self._folder() / rel, data)
        self.count += 1

    def put_part(self, name: str, data: Iterator[str]) -> None:
        self._write(self._folder() / self.PARTS / name, data)

    def part(self, name: str) -> Iterator[str]:
        """A part's text, in pieces."""
        assert self.folder is not None
        with (self.folder / self.PARTS / name).open(encoding="utf-8", newline="") as fh:
            while chunk := fh.read(1 << 16):
                yield chunk

    def _folder(self) -> Path:
        if self.folder is None:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", dir=self.out.parent))
        return self.folder

    @staticmethod
    def _write(target: Path, data: bytes | Iterator[str]) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            with target.open("w", encoding="utf-8", newline="") as fh:
                for chunk in data:
                    fh.write(chunk)

    def commit(self) -> None:
        out = self.out
        if self.folder is None:
            self.put(OUTPUT_MARKER, MARKER_TEXT)
        assert self.folder is not None
        shutil.rmtree(self.folder / self.PARTS, ignore_errors=True)
        # The marker records plan.json's digest: only then is the folder a plan's output
        # that a scan skips and --force may replace (outmarker.py).
        plan_json = self.folder / "plan.json"
        digest = file_digest(plan_json) if plan_json.is_file() else None
        (self.folder / OUTPUT_MARKER).write_bytes(marker_text(digest))
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.rename(old / "previous")
            self.folder.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            self.folder.rename(out)
        self.folder = None

    def discard(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _writable(out: Path, force: bool) -> bool:
    """Would write_plan accept this output folder (as things are now)?"""
    if out.exists():
        if not out.is_dir():
            return False
        return not any(out.iterdir()) or (force and not_plan_output(out) is None)
    return out.parent.is_dir()


class PhaseWriter:
    """`plan`'s hook for `plan --out`: each phase's files go into the staging folder as
    soon as the phase is planned, with its steps in plan.json and its runbook section as
    parts, and the plan lets go of what it no longer needs: the phase's steps, the
    changed files' texts before and after it, and the targets it was planned on (a plan
    would otherwise hold every phase's targets and steps until the end: bench/README.md,
    "Where the memory goes"). Only when the final write will be allowed: otherwise
    everything waits for write_plan, which then refuses as it always did."""

    def __init__(self, staging: Staging, source: Source, rules: Rules, force: bool) -> None:
        self.staging = staging
        self.source = source
        self.rules = rules
        self.out_rel = out_relative(staging.out, source.root)
        self.on = _writable(staging.out, force)
        self.prefix = repository_prefix(source.root)
        self.previous: PhasePlan | None = None

    def __call__(self, ph: PhasePlan) -> None:
        if not self.on:
            return
        staging, n = self.staging, ph.phase.number
        if staging.phases == 0:
            staging.put(OUTPUT_MARKER, MARKER_TEXT)  # first: a later scan skips it
        for rel, data in phase_outputs(ph, staging.cumulative, self.prefix):
            staging.put(rel, data)
        encoder = json.JSONEncoder(indent=2)  # as plan_json_text's, one level deeper
        steps = encoder.iterencode(_Each(ph.steps, step_json(self.source, ph)))
        staging.put_part(f"steps-{n}.json", (c.replace("\n", _STEPS_INDENT) for c in steps))
        section = phase_section(self.rules, self.source, ph, self.out_rel)
        staging.put_part(f"runbook-{n}.md", section)
        staging.summaries[n] = phase_summary(ph)
        staging.phases += 1
        let_go(ph, self.previous)
        self.previous = ph


def write_plan(plan: Plan, out: Path, force: bool, staging: Staging | None = None) -> int:
    """Write the plan's files into a new folder and move it into place; how many files
    it holds. `staging`: where PhaseWriter already wrote the first phases."""
    staging = staging or Staging(out)
    try:
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out}: exists and is not a folder")
        if out.is_dir() and any(out.iterdir()):
            if not force:
                raise UsageError(f"--out {out}: folder is not empty (use --force to replace it)")
            why = not_plan_output(out)
            if why is not None:
                # --force deletes what it replaces: only what an earlier plan wrote.
                raise UsageError(
                    f"--out {out}: --force replaces only the output of an earlier `plan "
                    f"--out`, and this folder is not one ({why}); name a new folder"
                )
        out_rel = out_relative(out, plan.source.root)
        for rel, data in render_files(plan, out_rel, staging):
            staging.put(rel, data)
        count = staging.count
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    return count
