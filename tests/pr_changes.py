"""Changes that a pull request or merge request makes to a repository made from
sample-charts/ (the Helm part), for the CI integration tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from test_lint_formats import NEW_LLM, OLD_LLM, VALUES

BIN = str(Path(sys.executable).parent)  # this environment's litemaas-upgrade


def litellm_first(repo: Path) -> None:
    values = repo / VALUES
    values.write_text(values.read_text().replace(f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"'))


def phase_1(repo: Path) -> None:
    subprocess.run(
        [f"{BIN}/litemaas-upgrade", "apply", ".", "--phase", "1"],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def floating_frontend(repo: Path) -> None:
    staging = repo / "envs/staging-values.yaml"
    staging.write_text(staging.read_text() + "frontend:\n  image:\n    tag: latest\n")
