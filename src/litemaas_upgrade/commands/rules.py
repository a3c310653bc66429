"""`rules`: print the rules in force (the built-in file, or --rules FILE)."""

from __future__ import annotations

import sys

from ..rules import load_rules


def run(rules_file: str | None) -> int:
    rules = load_rules(rules_file)
    sys.stdout.write(f"# rules: {rules.source}\n")
    sys.stdout.write(rules.text if rules.text.endswith("\n") else rules.text + "\n")
    return 0
