"""A build of the upstream layout, as the user sees it: places found in a generated file
that is not in the repository are shown at its template, and what the layout implies
but the files cannot say (a missing resource, a template that does not fill) is an
unknown component with its reason, never an absent one. And the link from a generated
image to the env files that fill it (what a phase keeps consistent)."""

from __future__ import annotations

import posixpath

from ...envfile import EnvValue, parse_env
from ...errors import InputError
from ...facts import Cause, Fact, Unreadable
from ...model import ComponentState, Severity, Site, Target
from ...records import record, replace
from ..base import ScanContext
from .prepare import PreparedView, prepared_view, template_image

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from .images import Origin, Tracked


def to_templates(view: PreparedView, tracked: Tracked) -> Tracked:
    """The same places, with every generated (absent) file named by its template."""
    from .images import Tracked

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


def generated_facts(view: PreparedView, facts: list[Fact]) -> list[Fact]:
    """The build's facts, with a place in a generated file shown at its template."""
    if not view.template_of:
        return facts
    src = view.source
    shown = {src.display(out): src.display(t) for out, t in view.template_of.items()}
    out: list[Fact] = []
    for fact in facts:
        file = getattr(fact, "file", None)
        out.append(replace(fact, file=shown[file]) if file in shown else fact)
    return out


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


def unbuildable_roots(ctx: ScanContext, view: PreparedView, data_type: Any) -> list[Target]:
    """Folders of the upstream layout whose kustomization.yaml is neither there nor can be
    made from its template: a target of their own, with the error, and the components
    the folder's file names say it deploys as unknown (never dropped)."""
    src = ctx.source
    out = []
    for folder, prep in sorted(view.folders.items()):
        kfile = posixpath.join(folder, "kustomization.yaml") if folder else "kustomization.yaml"
        why = prep.broken.get(kfile)
        # (nothing says which of the folder's files it reads: all of them, for lint)
        if why is None or not ctx.affects(set(prep.files), (folder,)):
            continue
        template = prep.template_of[kfile]
        target = Target(
            "kustomize",
            src.display(folder),
            f"{src.display(prep.script or template)}, then kubectl kustomize {src.display(folder)}",
            data=data_type(folder, tuple(sorted({*prep.files, *src.in_folder(folder)}))),
        )
        target.facts.append(
            Unreadable(
                src.display(template),
                0,
                0,
                f"{src.display(kfile)} cannot be generated: {why}",
                Severity.ERROR,
                Cause.TEMPLATE_UNFILLED,
            )
        )
        for rel in src.in_folder(folder):  # (an index, but only on this error's path)
            name = posixpath.basename(rel).lower()
            if ".yaml" not in name and ".yml" not in name:
                continue
            for comp in ctx.rules.components:
                if comp.lower() in name and comp not in target.components:
                    site = Site(src.display(rel), 0, 0, "", "template")
                    note = f"{src.display(kfile)} cannot be generated: unknown"
                    target.components[comp] = ComponentState(comp, None, None, [site], note)
        out.append(target)
    return out


@record(frozen=True)
class EnvLink:
    """A generated `.local` file whose template fills the image from an env variable."""

    template: str
    var: str
    env_file: str
    value: EnvValue
    prefix: str  # what the template writes before `${VAR}` (the image name and `:`)
    others: tuple[tuple[str, EnvValue], ...] = ()  # every env file that sets it (edits)


def env_link(ctx: ScanContext, origin: Origin) -> EnvLink | None:
    """The upstream layout: `X.local` generated from `X.template` by envsubst (or the
    template itself, when the generated file is not in the repository)."""
    if not origin.path:
        return None
    if origin.file.endswith(".template"):
        template = origin.file
    elif origin.file.endswith(".local"):
        template = origin.file[: -len(".local")] + ".template"
    else:
        return None
    src = ctx.source
    if not src.exists(template):
        return None
    found = template_image(src, template, origin.line, origin.text)
    if found is None:
        return None
    var, prefix = found
    prep = prepared_view(src).prepared_for(template)
    if prep is not None:
        candidates = list(prep.env_files)
    else:
        folder = posixpath.dirname(template)
        candidates = [
            rel
            for rel in src.in_folder(folder)
            if rel.endswith(".env") or posixpath.basename(rel) == ".env"
        ]
    sets: list[tuple[str, EnvValue]] = []
    for rel in candidates:
        try:
            values = parse_env(src.read(rel), src.display(rel))
        except InputError:
            continue
        if var in values:
            sets.append((rel, values[var]))
    if not sets:
        return None
    env_file, value = sets[0]
    return EnvLink(template, var, env_file, value, prefix, tuple(sets))
