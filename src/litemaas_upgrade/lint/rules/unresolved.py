"""LU009: something that decides an image cannot be read."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...model import Finding, Severity
from ..context import LintContext
from ._scanned import passed_on

CODE = codes.UNRESOLVED
NAME = "unresolved"
SEVERITY = Severity.WARNING
EXPLANATION = """\
Something that decides an image cannot be read from the files: a remote Kustomize resource
(never fetched), a chart that is not in the repository, a link that points outside it, a
base revision that cannot be read (no git, a shallow clone, an unknown revision). What
depends on it is unknown, and lint judges what it can.

Fix: vendor the chart or resource, name the chart with `--chart`, fetch more history for
`--base`, or accept the note."""


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from passed_on(ctx, CODE)
