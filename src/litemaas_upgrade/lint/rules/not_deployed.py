"""LU010: a component the rules know is turned off in this target."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...facts import Disabled
from ...model import Finding, Severity, Target
from ..context import scanned

CODE = codes.NOT_DEPLOYED
NAME = "not-deployed"
SEVERITY = Severity.INFO
EXPLANATION = """\
A component the rules know is not deployed by this target (`litellm.enabled: false`, an
external LiteLLM). The constraint cannot be checked here: make sure the LiteLLM this
LiteMaaS talks to is upgraded only after the backend.

Fix: nothing to change in this repository."""


def of_target(target: Target) -> Iterator[Finding]:
    for fact in target.facts:
        if not isinstance(fact, Disabled):
            continue
        what = f"{fact.component} at {fact.at}" if fact.at else fact.component
        yield Finding(
            CODE,
            SEVERITY,
            f"{what} is not deployed by this release ({fact.switch}: false)",
            target=target.path,
        )


check = scanned(of_target)
