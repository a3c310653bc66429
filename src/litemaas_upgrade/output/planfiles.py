"""`plan --out DIR`: plan.json, RUNBOOK.md, phase-N/ trees and phase-N.diff, written
into a temporary folder first and moved into place whole."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .. import __version__
from ..engine import PhasePlan, Plan
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


def plan_json(plan: Plan, out_rel: str) -> dict[str, Any]:
    src = plan.source
    phases = []
    for ph in plan.phases:
        steps = []
        for ts in ph.steps:
            steps.append(
                {
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
                                else _position(plan, c.file, c.doc, c.path)
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
            )
        phases.append(
            {
                "phase": ph.phase.number,
                "title": ph.phase.title,
                "set": ph.phase.set,
                "pin": list(ph.phase.pin),
                "changed_files": [src.display(f) for f in sorted(ph.after)],
                "diff": f"phase-{ph.phase.number}.diff",
                "steps": steps,
            }
        )
    return {
        "tool": f"litemaas-upgrade {__version__}",
        "rules": {"name": plan.rules.name, "source": plan.rules.source},
        "root": src.display(""),
        "output": out_rel,
        "targets": [t.to_json() for t in plan.targets],
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


def render_files(plan: Plan, out_rel: str) -> dict[str, bytes]:
    """Every file `plan --out` writes, by path relative to the output folder."""
    files: dict[str, bytes] = {OUTPUT_MARKER: b"written by litemaas-upgrade plan; not scanned\n"}
    cumulative: dict[str, bytes] = {}
    for ph in plan.phases:
        n = ph.phase.number
        cumulative.update(ph.after)
        for ts in ph.steps:
            for name, text in ts.files.items():
                files[f"phase-{n}/{DEPLOY_DIR}/{name}"] = text.encode("utf-8")
            manager_file = next(iter(sorted(ts.files)), None)
            ts.deploy = manager_for(ts.target.kind).deploy_command(
                ts.target,
                f"{out_rel}/phase-{n}/{DEPLOY_DIR}/{manager_file}" if manager_file else None,
            )
        for rel, data in cumulative.items():
            files[f"phase-{n}/{rel}"] = data
        files[f"phase-{n}.diff"] = phase_diff(plan, ph).encode("utf-8")
    files["RUNBOOK.md"] = runbook(plan, out_rel).encode("utf-8")
    files["plan.json"] = (json.dumps(plan_json(plan, out_rel), indent=2) + "\n").encode("utf-8")
    return files


def write_plan(plan: Plan, out: Path, force: bool) -> dict[str, bytes]:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError(f"--out {out}: folder is not empty (use --force to replace it)")
    try:
        out_rel = out.resolve().relative_to(plan.source.root).as_posix()
    except ValueError:
        out_rel = str(out)
    files = render_files(plan, out_rel)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, data in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
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
    return files
