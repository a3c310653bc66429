"""Shell completion (click's, docs/commands.md): the installed command prints the bash,
zsh and fish scripts, answers click's completion protocol (COMP_WORDS / COMP_CWORD), and
the bash script, sourced in a real bash, completes `litemaas-upgrade li` to `lint`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
TOOL = BIN / "litemaas-upgrade"
VAR = "_LITEMAAS_UPGRADE_COMPLETE"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TOOL), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def complete(words: str, cword: int) -> list[str]:
    proc = run({VAR: "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_the_bash_script_is_produced_and_parses(tmp_path: Path) -> None:
    proc = run({VAR: "bash_source"})
    assert proc.returncode == 0, proc.stderr
    assert "complete -o nosort -F _litemaas_upgrade_completion litemaas-upgrade" in proc.stdout
    script = tmp_path / "litemaas-upgrade.bash"
    script.write_text(proc.stdout)
    subprocess.run(["bash", "-n", str(script)], check=True)


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("zsh", "#compdef litemaas-upgrade"),
        ("fish", "complete --no-files --command litemaas-upgrade"),
    ],
)
def test_zsh_and_fish_scripts_are_produced(shell: str, marker: str) -> None:
    proc = run({VAR: f"{shell}_source"})
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout


def test_the_protocol_completes_subcommands_and_choices() -> None:
    assert complete("litemaas-upgrade li", 1) == ["plain,lint"]
    assert set(complete("litemaas-upgrade ", 1)) >= {
        f"plain,{c}" for c in ("scan", "plan", "apply", "diff", "lint", "rules")
    }
    assert complete("litemaas-upgrade lint --format r", 3) == ["plain,rdjson"]
    assert complete("litemaas-upgrade diff --format m", 3) == ["plain,markdown"]


def test_real_bash_completes_li_to_lint(tmp_path: Path) -> None:
    script = tmp_path / "litemaas-upgrade.bash"
    script.write_text(run({VAR: "bash_source"}).stdout)
    probe = (
        f"source {script}\n"
        "COMP_WORDS=(litemaas-upgrade li); COMP_CWORD=1\n"
        "_litemaas_upgrade_completion litemaas-upgrade\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(
        ["bash", "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["lint"]
