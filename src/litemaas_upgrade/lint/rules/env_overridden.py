"""LU008: an env file's version that an images: entry overrides."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...facts import EnvOverridden
from ...model import Finding, Severity, Target
from ..context import scanned

CODE = codes.ENV_OVERRIDDEN
NAME = "env-overridden"
SEVERITY = Severity.WARNING
EXPLANATION = """\
A version set in an env file (`LITEMAAS_VERSION=0.2.0` in `user-values.env`, filled into
the manifests by envsubst) never reaches the cluster, because a Kustomize `images:` entry
(upstream's `newTag: latest`) replaces the tag. Editing the env file then changes nothing.

Fix: set the version in the `images:` entry (`newTag`), or remove the entry."""


def of_target(target: Target) -> Iterator[Finding]:
    for fact in target.facts:
        if not isinstance(fact, EnvOverridden):
            continue
        yield Finding(
            CODE,
            SEVERITY,
            f"{fact.component}: {fact.env_file} sets {fact.var}={fact.value}, but "
            f"images[{fact.entry_index}] in {fact.entry_file} overrides it: kustomize renders "
            f"{fact.rendered}",
            fact.entry_file,
            fact.line,
            fact.col,
            target.path,
            f"set images[{fact.entry_index}].newTag to the version you mean (or remove the "
            f"entry so that {fact.var} decides)",
        )


check = scanned(of_target)
