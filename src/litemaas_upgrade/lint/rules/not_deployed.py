"""LU010: a component the rules know is turned off in this target."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...model import Finding, Severity
from ..context import LintContext
from ._scanned import passed_on

CODE = codes.NOT_DEPLOYED
NAME = "not-deployed"
SEVERITY = Severity.INFO
EXPLANATION = """\
A component the rules know is not deployed by this target (`litellm.enabled: false`, an
external LiteLLM). The constraint cannot be checked here: make sure the LiteLLM this
LiteMaaS talks to is upgraded only after the backend.

Fix: nothing to change in this repository."""


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from passed_on(ctx, CODE)
