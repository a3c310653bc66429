"""A build of the upstream layout, as the user sees it: places found in a generated file
that is not in the repository are shown at its template, and what the layout implies
but the files cannot say (a missing resource, a template that does not fill) is an
unknown component with its reason, never an absent one."""

from __future__ import annotations

import posixpath

from ...model import ComponentState, Finding, Site, Target
from ...records import replace
from ..base import ScanContext
from .prepare import PreparedView

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from .build import Tracked


def to_templates(view: PreparedView, tracked: Tracked) -> Tracked:
    """The same places, with every generated (absent) file named by its template."""
    from .build import Tracked

    if not view.template_of:
        return tracked
    origin = tracked.origin
    if origin.file in view.template_of:
        origin = replace(origin, file=view.template_of[origin.file])
    applied = tuple(
        replace(e, file=view.template_of[e.file]) if e.file in view.template_of else e
        for e in tracked.applied
    )
    return Tracked(origin, applied)


def generated_findings(view: PreparedView, findings: list[Finding]) -> list[Finding]:
    if not view.template_of:
        return findings
    src = view.source
    shown = {src.display(out): src.display(t) for out, t in view.template_of.items()}
    return [replace(f, file=shown[f.file]) if f.file in shown else f for f in findings]


def unsettled(view: PreparedView, file: str, line: int, decided_by_entry: bool) -> str | None:
    """Why an image written in a template is unknown (a variable nothing sets)."""
    prep = view.prepared_for(file)
    if prep is None or decided_by_entry:
        return None
    why = prep.reason_at(file, line)
    if why is None:
        return None
    return f"{view.source.display(file)}:{line}: {why}: the image it fills is unknown"


def missing_components(
    ctx: ScanContext, view: PreparedView, target: Target, missing: list[tuple[str, Any, str]]
) -> None:
    """A resource the kustomization lists but that is not there (a generated file whose
    template is missing or does not fill): the components its name says it carries are
    unknown, with the reason (the build's LU009 error says the file is missing)."""
    src = ctx.source
    for kfile, node, rel in missing:
        name = posixpath.basename(rel).lower()
        prep = view.prepared_for(rel)
        why = f"{src.display(rel)} is listed by {src.display(view.to_template(kfile))} "
        why += "but is not in the repository"
        if prep is not None and rel in prep.broken:
            why = f"{src.display(rel)} cannot be generated: {prep.broken[rel]}"
        elif prep is not None and rel in prep.template_of:
            pass
        elif prep is not None:
            why += " (and no template makes it)"
        line, col = (node.line, node.col) if node is not None else (0, 0)
        for comp in ctx.rules.components:
            if comp.lower() not in name or comp in target.components:
                continue
            site = Site(src.display(view.to_template(kfile)), line, col, "resources", "resource")
            target.components[comp] = ComponentState(comp, None, None, [site], why)
