"""The lint rules, one module each: CODE (from codes.py), NAME, SEVERITY, EXPLANATION
(shown by `lint --explain CODE`) and `check(ctx)`, which yields Findings. A rule whose
findings come from what the managers observed (facts.py) also has `of_target(target)`:
the findings `scan`, `diff` and `plan` show with each target (findings_of)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

from ...model import Finding, Severity, Target
from ..context import LintContext
from . import (
    constraint_state,
    env_overridden,
    follower_mismatch,
    images_entry_unused,
    installation_order,
    installation_unknown,
    litellm_database_url,
    mixed_release,
    not_deployed,
    plan_unsafe,
    redis_consistency,
    repository_changed,
    skipped_guide,
    suppression,
    two_phases,
    unknown_version,
    unquoted_tag,
    unresolved,
)

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Protocol

    class Rule(Protocol):
        CODE: str
        NAME: str
        SEVERITY: Severity
        EXPLANATION: str

        def check(self, ctx: LintContext) -> Iterator[Finding]: ...


_MODULES: tuple[ModuleType, ...] = (
    constraint_state,
    two_phases,
    follower_mismatch,
    unknown_version,
    images_entry_unused,
    unquoted_tag,
    repository_changed,
    env_overridden,
    unresolved,
    not_deployed,
    suppression,
    plan_unsafe,
    installation_order,
    installation_unknown,
    mixed_release,
    skipped_guide,
    litellm_database_url,
    redis_consistency,
)

# The rules that word what a scan saw (each has `of_target`), in code order.
_OF_TARGET = (
    unknown_version,
    images_entry_unused,
    unquoted_tag,
    env_overridden,
    unresolved,
    not_deployed,
)


def all_rules() -> list[Rule]:
    """Every rule, in code order."""
    return sorted(_MODULES, key=lambda m: m.CODE)  # type: ignore[return-value]


def findings_of(target: Target) -> list[Finding]:
    """What the rules make of a target's facts and components, for `scan`, `diff` and
    `plan`: in file order (a finding's place, then its code)."""
    out: list[Finding] = []
    for rule in _OF_TARGET:
        out.extend(rule.of_target(target))
    out.sort(key=lambda f: (f.file, f.line, f.col, f.code))
    return out


def rule_for(code: str) -> Rule | None:
    want = code.strip().upper()
    return next((r for r in all_rules() if r.CODE == want or r.NAME == code.strip()), None)


def summary(rule: Rule) -> str:
    """The explanation's first sentence."""
    text = " ".join(rule.EXPLANATION.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]
