"""LU017 (advisory): a target at a release whose guide recommends LITELLM_DATABASE_URL
reads no file that sets it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ... import codes
from ...errors import InputError
from ...model import Finding, Severity, Target
from ..context import LintContext, advised, locate

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from ...source import Source

CODE = codes.LITELLM_DATABASE_URL
NAME = "litellm-database-url"
SEVERITY = Severity.INFO
EXPLANATION = """\
The LiteMaaS v0.4.0 guide recommends `LITELLM_DATABASE_URL` for the backend: model sync
now uses it to cross-reference LiteLLM's model table, so that deleted models do not
reappear. A rule set asks for this check with an advisory (`check: litellm-database-url`,
from the version it names). This target deploys a backend at or past that version, and
none of the files it reads mentions `LITELLM_DATABASE_URL` (nor the chart values that
fill it, `litellmDatabaseUrl`): for a Helm chart its templates are read too, and the
v0.4.0 chart always sets it. A chart or folder from an earlier release does not.

A note, never blocking. Fix: set it in the backend's secret (Kustomize `backend-secret`,
Helm `backend.backup.litellmDatabaseUrl` with the v0.4.0 chart); if it is set outside the
repository (a secret made by hand), ignore this note."""

# Words that set the variable, or the chart values that fill it.
MARKERS = (b"LITELLM_DATABASE_URL", b"litellmDatabaseUrl")


def check(ctx: LintContext) -> Iterator[Finding]:
    source = ctx.source
    if source is None:
        return
    for target, advisory, state, version in advised(ctx, NAME):
        files = read_by(target, source)
        if not files or any(_mentions(source, f) for f in files):
            continue
        file, line, col = locate(target, state)
        yield Finding(
            CODE,
            SEVERITY,
            f"{advisory.component} is at {version} and none of the {len(files)} file(s) "
            f"this target reads sets LITELLM_DATABASE_URL ({advisory.id}): "
            f"{advisory.why}",
            file,
            line,
            col,
            target.path,
            "set LITELLM_DATABASE_URL in the backend's secret (recommended), or "
            "ignore this note if it is set outside the repository",
        )


def read_by(target: Target, source: Source) -> list[str]:
    """The files the target reads (the manager's list, and its sites' files), and the
    templates of a Helm chart among them, relative to the source's root."""
    root = source.root
    files = {(root / rel).resolve() for rel in target.files}
    for state in target.components.values():
        files.update(Path(site.file).resolve() for site in state.sites if site.file)
    charts = [f.parent / "templates" for f in files if f.name == "Chart.yaml"]
    for folder in charts:
        if folder.is_dir():
            files.update(p.resolve() for p in folder.rglob("*") if p.is_file())
    # Only what is inside the repository (a link out of it is never read).
    top = root.resolve()
    return sorted(
        f.relative_to(top).as_posix() for f in files if f.is_file() and f.is_relative_to(top)
    )


def _mentions(source: Source, rel: str) -> bool:
    try:
        data = source.read(rel)  # (regular files within the read limits: bounded.py)
    except InputError:  # gone, unreadable or too large: it says nothing, the note stays
        return False
    return any(m in data for m in MARKERS)
