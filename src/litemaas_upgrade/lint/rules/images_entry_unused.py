"""LU005: a Kustomize images: entry that matches no container."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...facts import DeadImagesEntry
from ...model import Finding, Severity, Target
from ..context import scanned

CODE = codes.IMAGES_ENTRY_UNUSED
NAME = "images-entry-unused"
SEVERITY = Severity.WARNING
EXPLANATION = """\
A Kustomize `images:` entry names an image that no container or initContainer of the
build uses, so it does nothing, silently. The name must match the container's image as
written, registry included (`nginx` does not match `docker.io/library/nginx`), and an
overlay must match the name as its base left it (after the base's own `images:`).

Fix: correct the name (a misspelling such as `litemaas-fronted`), or remove the entry."""


def of_target(target: Target) -> Iterator[Finding]:
    for fact in target.facts:
        if not isinstance(fact, DeadImagesEntry):
            continue
        hint = f"; did you mean {', '.join(fact.close)}?" if fact.close else ""
        yield Finding(
            CODE,
            SEVERITY,
            f"images[{fact.index}] name {fact.name!r} matches no container{hint}",
            fact.file,
            fact.line,
            fact.col,
            target.path,
            "the name must match the image as written before this kustomization (registry "
            "included, no tag)",
        )


check = scanned(of_target)
