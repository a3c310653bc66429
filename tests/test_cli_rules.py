"""The command line's contract: --version, --help with examples, python -m, exit codes,
and rules as data (print, replace, reject a malformed file clearly)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, write

COMMANDS = ["scan", "plan", "apply", "diff", "lint", "rules"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(cli, command: str) -> None:
    result = cli(command, "--help")
    assert result.code == 0
    assert "Example:" in result.out and f"litemaas-upgrade {command}" in result.out


def test_version_and_module_entry_point() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "litemaas_upgrade", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.startswith("litemaas-upgrade, version ")


def test_usage_errors_exit_2(cli, tmp_path: Path) -> None:
    assert cli("scan", str(tmp_path / "missing")).code == 2
    assert cli("plan", ".", cwd=tmp_path).code == 2  # --out is required
    assert cli("apply", ".", "--phase", "7", cwd=tmp_path).code == 2
    assert cli("nonsense").code == 2


def test_rules_prints_the_builtin_rules(cli) -> None:
    result = cli("rules")
    assert result.code == 0
    first = (ROOT / "src/litemaas_upgrade/data/rules.yaml").read_text()
    second = (ROOT / "src/litemaas_upgrade/data/litemaas-0.4.0.yaml").read_text()
    # The chain in comments, then each shipped file as one document of a YAML stream.
    assert result.out.endswith(first + "---\n" + second)
    assert "#   phase 3 [litemaas-0.4.0]: backend to 0.4.0" in result.out
    # One rule set alone is one rules file, to copy and change.
    alone = cli("rules", "--to", "0.2.0")
    assert alone.code == 0 and alone.out.endswith(first) and "phase 3" not in alone.out


def test_a_users_rules_file_replaces_the_builtin_one(cli, helm_repo: Path, tmp_path: Path) -> None:
    shipped = (ROOT / "src/litemaas_upgrade/data/rules.yaml").read_text()
    # A later upgrade: LiteMaaS 0.3.0 with a LiteLLM the rules name.
    custom = shipped.replace(
        'backend: "0.2.0", frontend: "0.2.0"', 'backend: "0.3.0", frontend: "0.3.0"'
    )
    custom = custom.replace('litellm: "main-v1.81.0-stable"', 'litellm: "main-v1.82.1-stable"')
    rules = write(tmp_path / "later.yaml", custom)
    assert cli("rules", "--rules", str(rules)).out.endswith(custom)
    result = cli("apply", ".", "--phase", "1", "--dry-run", "--rules", str(rules), cwd=helm_repo)
    assert result.code == 0
    assert "+    tag: 0.3.0" in result.out or '+    tag: "0.3.0"' in result.out
    assert "0.2.0" not in result.out


@pytest.mark.parametrize(
    ("mutation", "where", "message"),
    [
        (("schema: 1", "schema: 2"), ":5:", "unsupported rules schema"),
        (('images: ["**/litemaas-backend"]', "images: []"), ":18:13:", "at least one image"),
        (
            ("versions: ['v?(?P<version>", "versions: ['v?(?P<version"),
            ":19:16:",
            "bad regular expression",
        ),
        (('at_least: "0.2.0"}', 'at_least: "zero"}'), ":45:42:", "not a version"),
        (("follows: backend", "follows: nobody"), ":26:14:", "unknown component 'nobody'"),
        (
            (
                "  - title: Update LiteLLM\n    set: {litellm:",
                "  - title: Update LiteLLM\n    set: {litelm:",
            ),
            ":",
            "unknown component",
        ),
    ],
)
def test_malformed_rules_exit_3_with_a_location(
    cli, tmp_path: Path, mutation, where, message
) -> None:
    shipped = (ROOT / "src/litemaas_upgrade/data/rules.yaml").read_text()
    old, new = mutation
    assert old in shipped
    bad = write(tmp_path / "bad.yaml", shipped.replace(old, new, 1))
    result = cli("rules", "--rules", str(bad))
    assert result.code == 3
    assert f"{bad}{where}" in result.err and message in result.err
    assert "Traceback" not in result.err


def test_unparseable_rules_file(cli, tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", "schema: 1\ncomponents: [\n")
    result = cli("rules", "--rules", str(bad))
    assert result.code == 3 and str(bad) + ":" in result.err
    missing = cli("rules", "--rules", str(tmp_path / "nope.yaml"))
    assert missing.code == 3 and "cannot read rules file" in missing.err
