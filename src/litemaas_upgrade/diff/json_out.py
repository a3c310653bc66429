"""`--format json`: per target and component, image and version before and after, stage
before and after and the lint verdict; with --rendered, the changed resources and their
changed fields (secrets hidden)."""

from __future__ import annotations

import json
from typing import Any

from .model import ChangeSet


def to_json(cs: ChangeSet) -> dict[str, Any]:
    targets = []
    for tc in cs.targets:
        entry: dict[str, Any] = {
            "kind": tc.kind,
            "path": tc.path,
            "changed": tc.changed(cs.rendered),
            "stage": {"before": tc.stage_before, "after": tc.stage_after},
            "lint": tc.verdict.to_json(),
            "components": {c.name: c.to_json() for c in tc.components},
            "files": [f.display for f in tc.files],
        }
        if tc.path in cs.installations:
            entry["installation"] = cs.installations[tc.path]
        if cs.rendered:
            entry["rendered"] = not tc.rendered_note
            if tc.rendered_note:
                entry["note"] = tc.rendered_note
            entry["resources"] = [rc.to_json() for rc in tc.resources]
        targets.append(entry)
    return {
        "title": cs.title,
        "before": cs.before_label,
        "after": cs.after_label,
        "rendered": cs.rendered,
        "changed": cs.changed(),
        "files": [{"path": f.display, "change": f.status} for f in cs.files],
        "targets": targets,
        "notes": list(cs.notes),
    }


def render_json(cs: ChangeSet) -> str:
    return json.dumps(to_json(cs), indent=2, ensure_ascii=False, default=str) + "\n"
