"""LU005: a Kustomize images: entry that matches no container."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...model import Finding, Severity
from ..context import LintContext
from ._scanned import passed_on

CODE = codes.IMAGES_ENTRY_UNUSED
NAME = "images-entry-unused"
SEVERITY = Severity.WARNING
EXPLANATION = """\
A Kustomize `images:` entry names an image that no container or initContainer of the
build uses, so it does nothing, silently. The name must match the container's image as
written, registry included (`nginx` does not match `docker.io/library/nginx`), and an
overlay must match the name as its base left it (after the base's own `images:`).

Fix: correct the name (a misspelling such as `litemaas-fronted`), or remove the entry."""


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from passed_on(ctx, CODE)
