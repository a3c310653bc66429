"""LU004: a floating or digest-only reference whose version cannot be known (judged
here from the effective images, at the site that decides the tag)."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...model import Finding, Severity, Target
from ..context import LintContext, locate

CODE = codes.UNKNOWN_VERSION
NAME = "unknown-version"
SEVERITY = Severity.WARNING
EXPLANATION = """\
A component's image is referenced by a floating tag (`latest`, `main-stable`,
`main-latest`) or by a digest alone, so its version cannot be read from the files. The
lint cannot tell whether the target is before, between or after the phases, and a floating
LiteLLM tag can move past 1.81.0 on its own at the next pull - the forbidden state,
without any commit.

Fix: pin a versioned tag: `main-v1.74.7-stable` for LiteLLM, `0.1.3` / `0.2.0` for
LiteMaaS. For a digest, write the tag it was built from next to it
(`repo:main-v1.74.7-stable@sha256:...`): the digest still decides what is pulled and the
tag tells the version."""


def check(ctx: LintContext) -> Iterator[Finding]:
    for chk in ctx.checks:
        target = chk.target
        for name, state in sorted(target.components.items()):
            if state.version is not None or state.image is None:
                continue
            file, line, col = locate(target, state)
            image = state.image
            example = _example(ctx, name)
            if image.digest and not image.tag:
                why = "a digest alone: the version cannot be known"
                fix = (
                    f"write the tag the digest was built from beside it "
                    f"({image.name}:{example}@{image.digest[:19]}...): the digest still "
                    "decides what is pulled, the tag tells the version"
                )
            elif image.tag:
                why = f"the floating tag {image.tag!r} says no version, and can move by itself"
                fix = (
                    f"pin the versioned tag {image.tag!r} stands for today (a tag like {example!r})"
                )
            else:
                why = "no tag: the version cannot be known"
                fix = f"pin a versioned tag (a tag like {example!r})"
            yield Finding(
                CODE,
                SEVERITY,
                f"{chk.prefix}{name} is {image}: {why}",
                file,
                line,
                col,
                target.path,
                fix,
            )


def _example(ctx: LintContext, name: str) -> str:
    for phase in ctx.rules.phases:
        if name in phase.set:
            return phase.set[name]
    return "1.2.3"


def of_target(target: Target) -> Iterator[Finding]:
    """What `scan` tells of each unknown version: the note the manager wrote, at the site
    that decides the image (lint's `check` words it for a reviewer instead)."""
    for name, state in sorted(target.components.items()):
        if state.version is not None or state.image is None:
            continue
        site = state.sites[0] if state.sites else None
        digest_only = state.image.digest and not state.image.tag
        yield Finding(
            CODE,
            SEVERITY,
            f"{name}: {state.image} — {state.note}",
            site.file if site else "",
            site.line if site else 0,
            site.col if site else 0,
            target.path,
            "pin a versioned tag (e.g. the tag the digest was built from)"
            if digest_only
            else "pin a versioned tag instead of a floating one",
        )
