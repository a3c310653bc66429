"""LU008: an env file's version that an images: entry overrides."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...model import Finding, Severity
from ..context import LintContext
from ._scanned import passed_on

CODE = codes.ENV_OVERRIDDEN
NAME = "env-overridden"
SEVERITY = Severity.WARNING
EXPLANATION = """\
A version set in an env file (`LITEMAAS_VERSION=0.2.0` in `user-values.env`, filled into
the manifests by envsubst) never reaches the cluster, because a Kustomize `images:` entry
(upstream's `newTag: latest`) replaces the tag. Editing the env file then changes nothing.

Fix: set the version in the `images:` entry (`newTag`), or remove the entry."""


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from passed_on(ctx, CODE)
