"""Words put into the shell commands the runbook tells an operator to run: file names,
release names, namespaces and object names come from the repository (a pull request),
so each is quoted for the shell. The placeholders the tool writes itself stay as they are:
the operator replaces them."""

from __future__ import annotations

import shlex

PLACEHOLDERS = frozenset({"<release>", "<namespace>", "<chart>"})


def word(value: str) -> str:
    """`value` as one shell word: unchanged when it is safe (`envs/prod-values.yaml`),
    in single quotes otherwise (`'dev;$(touch PWN)'`)."""
    return value if value in PLACEHOLDERS else shlex.quote(value)
