"""`plan --out DIR`: plan.json, RUNBOOK.md, phase-N/ trees and phase-N.diff, written
into a temporary folder first and moved into place whole."""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..engine import PhasePlan, Plan, TargetStep
from ..errors import UsageError
from ..managers import manager_for
from ..model import YamlPath, format_path
from ..source import OUTPUT_MARKER
from .runbook import runbook
from .unified import tree_diff

# Thin phase files (values files, overlays) live apart from the changed repository files,
# which keep their repository paths.
DEPLOY_DIR = "_deploy"


def phase_diff(plan: Plan, phase: PhasePlan, context: int = 3) -> str:
    return tree_diff(phase.before, phase.after, context)


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


def plan_json(plan: Plan, out_rel: str) -> dict[str, Any]:
    """plan.json's content; its long lists are made while `json` writes them."""
    src = plan.source
    position = _Positions(plan)

    def step_json(ph: PhasePlan) -> Callable[[TargetStep], dict[str, Any]]:
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
                        **(
                            _text_position(plan, c.file, c.span, c.old)
                            if c.span is not None
                            else position(c.file, c.doc, c.path)
                        ),
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

    phases = [
        {
            "phase": ph.phase.number,
            "title": ph.phase.title,
            "set": ph.phase.set,
            "pin": list(ph.phase.pin),
            "changed_files": [src.display(f) for f in sorted(ph.after)],
            "diff": f"phase-{ph.phase.number}.diff",
            "steps": _Each(ph.steps, step_json(ph)),
        }
        for ph in plan.phases
    ]
    return {
        "tool": f"litemaas-upgrade {__version__}",
        "rules": {"name": plan.rules.name, "source": plan.rules.source},
        "root": src.display(""),
        "output": out_rel,
        "targets": _Each(plan.targets, lambda t: t.to_json()),
        "phases": phases,
        "findings": [f.to_json() for f in plan.findings],
    }


def _images(components: dict) -> dict[str, Any]:
    return {
        name: {
            "image": str(s.image) if s.image else None,
            "tag": s.tag,
            "version": str(s.version) if s.version else None,
        }
        for name, s in sorted(components.items())
    }


def _text_position(
    plan: Plan, rel: str, span: tuple[int, int], old: str | None
) -> dict[str, Any]:
    """Where a text edit (a Change with a span, e.g. in an env file) lands."""
    from ..yamlio.text import LineIndex, decode

    text = decode(plan.source.read(rel), plan.source.display(rel)).text
    line, col = LineIndex(text).locate(span[0])
    return {"line": line, "col": col, "from": old}


class _Positions:
    """_position for every change of the plan, each file read once for all of its
    changes in all phases (the source keeps only the files it read last)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.wanted: dict[str, set[tuple[int, YamlPath]]] = {}
        for ph in plan.phases:
            for ts in ph.steps:
                for c in ts.changes:
                    if c.span is None:
                        self.wanted.setdefault(c.file, set()).add((c.doc, tuple(c.path)))
        self.found: dict[str, dict[tuple[int, YamlPath], dict[str, Any]]] = {}

    def __call__(self, rel: str, doc: int, path: YamlPath) -> dict[str, Any]:
        known = self.found.get(rel)
        if known is None:
            known = {
                (d, p): _position(self.plan, rel, d, p) for d, p in self.wanted.get(rel, ())
            }
            self.found[rel] = known
        key = (doc, tuple(path))
        return known[key] if key in known else _position(self.plan, rel, doc, path)


def _position(plan: Plan, rel: str, doc: int, path: YamlPath) -> dict[str, Any]:
    """Where the change lands in the file as it was: the scalar, or the nearest existing
    parent for an insertion."""
    yf = plan.source.yaml(rel) if plan.source.exists(rel) else None
    if yf is None or doc >= len(yf.documents):
        return {"line": 0, "col": 0, "from": None}
    probe = path
    document = yf.documents[doc]
    while probe:
        node = document.find(probe)
        if node is not None:
            exact = probe == path
            return {
                "line": node.line,
                "col": node.col,
                "from": node.value if exact and node.kind == "scalar" else None,
            }
        probe = probe[:-1]
    return {"line": 1, "col": 1, "from": None}


def render_files(plan: Plan, out_rel: str) -> Iterator[tuple[str, bytes | Iterator[str]]]:
    """Every file `plan --out` writes, by path relative to the output folder, made one
    at a time (plan.json as pieces of text)."""
    yield OUTPUT_MARKER, b"written by litemaas-upgrade plan; not scanned\n"
    cumulative: dict[str, bytes] = {}
    for ph in plan.phases:
        n = ph.phase.number
        cumulative.update(ph.after)
        for ts in ph.steps:
            for name, text in ts.files.items():
                yield f"phase-{n}/{DEPLOY_DIR}/{name}", text.encode("utf-8")
            manager_file = next(iter(sorted(ts.files)), None)
            ts.deploy = manager_for(ts.target.kind).deploy_command(
                ts.target,
                f"{out_rel}/phase-{n}/{DEPLOY_DIR}/{manager_file}" if manager_file else None,
            )
        for rel, data in cumulative.items():
            yield f"phase-{n}/{rel}", data
        yield f"phase-{n}.diff", phase_diff(plan, ph).encode("utf-8")
    yield "RUNBOOK.md", runbook(plan, out_rel).encode("utf-8")
    encoder = json.JSONEncoder(indent=2)  # what json.dumps(..., indent=2) uses
    yield "plan.json", itertools.chain(encoder.iterencode(plan_json(plan, out_rel)), ["\n"])


def write_plan(plan: Plan, out: Path, force: bool) -> set[str]:
    """Write the plan's files into a new folder and move it into place; the paths
    written, relative to it."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError(f"--out {out}: folder is not empty (use --force to replace it)")
    try:
        out_rel = out.resolve().relative_to(plan.source.root).as_posix()
    except ValueError:
        out_rel = str(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    written: set[str] = set()
    try:
        for rel, data in render_files(plan, out_rel):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                with target.open("w", encoding="utf-8", newline="") as fh:
                    for chunk in data:
                        fh.write(chunk)
            written.add(rel)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.rename(old / "previous")
            staging.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written
