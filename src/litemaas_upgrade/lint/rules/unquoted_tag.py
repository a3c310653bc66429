"""LU006: an unquoted tag that YAML does not read as a string."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...facts import UnquotedTag
from ...model import Finding, Severity, Target, ValueFix
from ..context import scanned

CODE = codes.UNQUOTED_TAG
NAME = "unquoted-tag"
SEVERITY = Severity.ERROR
EXPLANATION = """\
A tag is written unquoted and YAML reads it as a number (or a boolean): `tag: 0.20` is
the float 0.2 and Helm renders `image:0.2`, `tag: 1e3` becomes 1000. The image pulled is
not the one written.

Fix: quote it: `tag: "0.20"`."""


def of_target(target: Target) -> Iterator[Finding]:
    for fact in target.facts:
        if not isinstance(fact, UnquotedTag):
            continue
        if fact.renders is None:
            effect = "kustomize refuses the kustomization"
        else:
            effect = f"Helm renders it as {fact.renders!r}"
        key = fact.path.rsplit(".", 1)[-1]
        yield Finding(
            CODE,
            SEVERITY,
            f"{fact.path}: {fact.written} is not a string in YAML; {effect}",
            fact.file,
            fact.line,
            fact.col,
            target.path,
            f'quote it: {key}: "{fact.written}"',
            ValueFix(fact.written, fact.written),  # the same characters, as a string
        )


check = scanned(of_target)
