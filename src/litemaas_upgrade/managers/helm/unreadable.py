"""Override files a release is given (`--values`, the config file, an Argo CD
`valueFiles` entry) that are not YAML: a Go template, a binary file, broken text. Helm
would read them, so they decide the release's images: the release carries the error
(LU009) and its components are unknown; the rest of the scan goes on."""

from __future__ import annotations

from ...errors import InputError
from ...facts import Cause, Unreadable
from ...model import ComponentState, Severity, Site, Target
from ..base import ScanContext
from .layers import Layer, file_layer


def override_layer(ctx: ScanContext, rel: str, label: str, broken: list[str]) -> Layer:
    """The file's layer; for a file that is not YAML, an empty layer in its place (it
    stays the release's file: edits are refused there, not made elsewhere), and its
    path added to `broken` for mark_unreadable."""
    if ctx.source.yaml_or_skip(rel) is None:
        broken.append(rel)
        return Layer("file", label, rel, 0, None, (), None)
    return file_layer(ctx, rel, label)


def mark_unreadable(ctx: ScanContext, target: Target, broken: list[str]) -> None:
    """The release's error for each unreadable override file, and every component it
    deploys unknown (the file may set any image: fail closed, never guess)."""
    src = ctx.source
    for rel in broken:
        why = src.skipped.pop(rel, "not YAML")  # the target's error, not a notice too
        line, col = _where(ctx, rel)
        shown = src.display(rel)
        all_unknown(
            target,
            Unreadable(
                shown,
                line,
                col,
                f"{shown}: {why}; helm is given it for this release (-f), so the "
                "images it sets cannot be known",
                Severity.ERROR,
                Cause.NOT_YAML,
            ),
            f"{shown} is not YAML (at {line}:{col}): the image helm would deploy cannot be read",
            Site(shown, line, col, "(the whole file)", "image", "not YAML"),
        )
    from ...sniff import unknown_named  # (loaded only when a file is broken: start-up)

    unknown_named(ctx, target, broken)


def all_unknown(target: Target, error: Unreadable, note: str, site: Site | None = None) -> None:
    """The release's error, and every component it deploys unknown with `note` (and the
    site of what cannot be read, when there is one)."""
    target.facts.append(error)
    extra = [site] if site is not None else []
    for name, state in list(target.components.items()):
        target.components[name] = ComponentState(name, None, None, [*state.sites, *extra], note)


def _where(ctx: ScanContext, rel: str) -> tuple[int, int]:
    """Where the parser stopped (or the first component image the text names)."""
    try:
        ctx.source.yaml(rel)
    except InputError as exc:
        if exc.line:
            return exc.line, exc.col or 1
    from ...sniff import named_images  # (loaded only when a file is broken: start-up)

    try:
        names = named_images(ctx.source.read(rel), ctx.rules)
    except InputError:
        names = []
    return (names[0].line, names[0].col) if names else (1, 1)
