"""The README's pre-commit snippets work as written, with the real `pre-commit`: the
release form (only its `repo:` URL is replaced, by a local clone of this project that has
the release tag the snippet names) and the local form (the tool installed, no tag)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLES, git, init_repo

OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"


def readme_snippets() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## As a pre-commit hook", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, re.S)


def _deploy_repo(tmp_path: Path, config: str) -> Path:
    repo = tmp_path / "deploy"
    repo.mkdir()
    for part in ("charts", "envs"):
        shutil.copytree(SAMPLES / part, repo / part)
    (repo / ".pre-commit-config.yaml").write_text(config)
    return init_repo(repo)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    # The local hook runs `litemaas-upgrade` from the PATH: this test run's own install.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("GITHUB_STEP_SUMMARY", None)
    return env


def _commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess:
    git(repo, "add", "-A")
    return subprocess.run(["git", "commit", "-m", message], cwd=repo, env=env,
                          capture_output=True, text=True)


def _refuses_litellm_first_and_accepts_phase_1(repo: Path, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env,
                   check=True, capture_output=True)
    values = repo / "charts/litemaas/values.yaml"
    values.write_text(values.read_text().replace(f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"'))
    refused = _commit(repo, env, "bump litellm")
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert "charts/litemaas/values.yaml:50:10: error LU001 constraint-broken" in out
    git(repo, "reset", "-q", "--hard")

    subprocess.run([sys.executable, "-m", "litemaas_upgrade", "apply", ".", "--phase", "1"],
                   cwd=repo, check=True, capture_output=True)
    accepted = _commit(repo, env, "phase 1")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Passed" in accepted.stdout + accepted.stderr


def test_readme_has_the_release_and_the_local_snippet() -> None:
    snippets = readme_snippets()
    assert len(snippets) == 2
    assert "rev: " in snippets[0] and "repo: local" in snippets[1]


def test_release_snippet_rev_is_this_version_tag() -> None:
    found = re.search(r'(?m)^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text())
    assert found is not None
    version = found.group(1)
    assert f"    rev: v{version}\n" in readme_snippets()[0]


def test_release_snippet_as_written(tmp_path: Path) -> None:
    release = readme_snippets()[0]
    urls = re.findall(r"(?m)^  - repo: (\S+)", release)
    assert len(urls) == 1
    tag = re.search(r"(?m)^    rev: (\S+)", release)
    assert tag is not None

    # This project as the clone the URL points at, with the release tag.
    hooks = tmp_path / "litemaas-upgrade"
    shutil.copytree(ROOT / "src", hooks / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", ".pre-commit-hooks.yaml", "README.md"):
        shutil.copy2(ROOT / name, hooks / name)
    init_repo(hooks)
    git(hooks, "tag", tag.group(1))
    git(hooks, "commit", "-q", "--allow-empty", "-m", "after the release")

    repo = _deploy_repo(tmp_path, release.replace(urls[0], str(hooks)))
    _refuses_litellm_first_and_accepts_phase_1(repo, _env(tmp_path))


def test_local_snippet_as_written(tmp_path: Path) -> None:
    repo = _deploy_repo(tmp_path, readme_snippets()[1])
    _refuses_litellm_first_and_accepts_phase_1(repo, _env(tmp_path))
