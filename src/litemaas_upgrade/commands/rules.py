"""`rules`: print the rules in force: the shipped chain (or --rules FILE), then each file."""

from __future__ import annotations

import sys

from ..rules import load_rules
from ..rulesets import describe_chain


def run(rules_file: str | None, to: str | None = None) -> int:
    rules = load_rules(rules_file, to)
    sys.stdout.write(f"# rules: {rules.source}\n")
    for line in describe_chain(rules):
        sys.stdout.write(f"# {line}\n")
    sys.stdout.write(rules.text if rules.text.endswith("\n") else rules.text + "\n")
    return 0
