"""LU009: something that decides an image cannot be read."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...facts import Cause, Notice, Unreadable
from ...model import UNREADABLE, Finding, Severity, Target
from ..context import LintContext

CODE = codes.UNRESOLVED
NAME = "unresolved"
SEVERITY = Severity.WARNING
EXPLANATION = """\
Something that decides an image cannot be read from the files: a remote Kustomize resource
(never fetched), a chart that is not in the repository, a link that points outside it, a
file a target reads that is not YAML (a Go template outside a chart, a binary file), a
base revision that cannot be read (no git, a shallow clone, an unknown revision). What
depends on it is unknown, and lint judges what it can. A file that is not YAML and decides
no image is skipped with an info notice. A deployed component whose image itself cannot be
read (an invalid tag such as `bad tag!`, an image written in a form the tool does not
know) is an error, not a warning: nothing about it can be judged, and a gate must not pass
what it cannot see.

Fix: vendor the chart or resource, name the chart with `--chart`, fetch more history for
`--base`, or accept the note."""


# The fix for a cause, when there is one to give.
FIXES = {
    Cause.CHART_NOT_PINNED: "pin the chart to a released version (targetRevision: v0.1.3), or "
    "add the release to the catalog",
    Cause.DEPENDENCY_NOT_VENDORED: "vendor the dependency (`helm dependency build`, then unpack "
    "it under charts/), or set every image explicitly in the values",
    Cause.CHART_NOT_IN_REPO: "set the image's repository and tag in the values (the tool reads "
    "them there), or vendor the chart in the repository",
    Cause.CHART_RANGE: "pin an exact chart version the catalog knows, or add it to the catalog",
    Cause.STALE_GENERATED: "regenerate it from its template (preparation.sh)",
    Cause.MIXED_IMAGES: "make every container of the component use the same image",
    Cause.DUPLICATE_KEY: "remove all but one of the duplicated keys",
    Cause.UNREADABLE_IMAGE: "write the image as repository, tag and digest the tool can read",
    Cause.REFUSED_BUILD: "build the base on its own, or move the overlay out of its base",
    Cause.PLUGIN: "the tool runs no kustomize plugins: build it with the plugin enabled "
    "(kustomize build --enable-alpha-plugins --enable-exec) to check its images, or move "
    "what the plugin makes out of this kustomization",
    Cause.MISSING_PATH: "add the folder it names (with its kustomization.yaml), or remove "
    "the entry",
    Cause.REMOTE_RESOURCE: "vendor the resource into the repository (a copy at a pinned ref), "
    "or decide its image with a local images: entry",
    Cause.TEMPLATE_UNFILLED: "fix the template (or its env file) so that it fills into YAML",
    Cause.NOT_YAML: "make it YAML (render a Go template first, e.g. with helm template), or "
    "stop the target from reading it",
    Cause.TEMPLATED_OBJECT: "write the value literally in the object, or declare the "
    "release the chart renders in .litemaas-upgrade.yaml (helm: chart, values)",
    Cause.BASE_UNREADABLE: "fetch the base revision (a shallow clone needs `git fetch --deepen` "
    "or fetch-depth: 0), or run in a git repository",
}


def check(ctx: LintContext) -> Iterator[Finding]:
    for chk in ctx.checks:
        if chk.scan:
            yield from of_target(chk.target)
    yield from of_notices(ctx.notices)


def of_target(target: Target) -> Iterator[Finding]:
    for fact in target.facts:
        if isinstance(fact, Unreadable):
            yield _finding(fact, target.path)
    # A deployed component whose image cannot be read is an error: nothing about it can
    # be judged, and a gate must not pass what it cannot see.
    for name, state in sorted(target.components.items()):
        if state.image is None and state.note.startswith(UNREADABLE):
            site = state.sites[-1] if state.sites else None
            yield Finding(
                CODE,
                Severity.ERROR,
                f"{name}: {state.note}",
                site.file if site else "",
                site.line if site else 0,
                site.col if site else 0,
                target.path,
                FIXES[Cause.UNREADABLE_IMAGE],
            )


def of_notices(notices: list[Notice | Unreadable]) -> Iterator[Finding]:
    """What the scan (or lint) could not read, for no target in particular."""
    for fact in notices:
        if isinstance(fact, Unreadable):
            yield _finding(fact, "")
        elif fact.kind == "link-outside":
            yield Finding(
                CODE,
                Severity.WARNING,
                f"{fact.file} is a link that points outside the repository (or nowhere): "
                "not followed",
                fact.file,
            )
        elif fact.kind == "link":
            yield Finding(
                CODE,
                Severity.INFO,
                f"{fact.file} is a link: not followed (its target is read where it is)",
                fact.file,
            )
        else:
            yield Finding(CODE, Severity.INFO, f"skipped: {fact.why}", fact.file)


def _finding(fact: Unreadable, target: str) -> Finding:
    if fact.cause == Cause.TABLE_REPLACED:
        fix = f"write it as {fact.subject}.repository and .tag"
    else:
        fix = FIXES.get(fact.cause, "")
    return Finding(CODE, fact.severity, fact.what, fact.file, fact.line, fact.col, target, fix)
