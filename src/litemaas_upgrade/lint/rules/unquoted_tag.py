"""LU006: an unquoted tag that YAML does not read as a string."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...model import Finding, Severity
from ..context import LintContext
from ._scanned import passed_on

CODE = codes.UNQUOTED_TAG
NAME = "unquoted-tag"
SEVERITY = Severity.ERROR
EXPLANATION = """\
A tag is written unquoted and YAML reads it as a number (or a boolean): `tag: 0.20` is
the float 0.2 and Helm renders `image:0.2`, `tag: 1e3` becomes 1000. The image pulled is
not the one written.

Fix: quote it: `tag: "0.20"`."""


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from passed_on(ctx, CODE)
