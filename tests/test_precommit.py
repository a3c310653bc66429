"""The pre-commit hooks, for real: this project's `.pre-commit-hooks.yaml`, installed by
the real `pre-commit` into a temporary deployment repository (which builds the hook's own
virtualenv from this project with pip, `language: python`), and real `git commit`s.

Scenarios: a LiteLLM-first commit is refused, a both-at-once commit is refused, the
phase-1 commit is accepted, and the phase-2 commit after it is accepted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES, git, init_repo

OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"
HOOKS = ("litemaas-upgrade-lint", "litemaas-upgrade-lint-all")


def _pre_commit() -> list[str]:
    return [sys.executable, "-m", "pre_commit"]


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This project as a git repository that pre-commit can clone at a revision: the
    package, its build file and the hook definitions, committed."""
    repo = tmp_path_factory.mktemp("hook-repo")
    shutil.copytree(
        ROOT / "src",
        repo / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    for name in ("pyproject.toml", ".pre-commit-hooks.yaml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, repo / name)
    if not (repo / "README.md").exists():
        (repo / "README.md").write_text("litemaas-upgrade\n")
    init_repo(repo)
    return repo, git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def deploy_repo(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> tuple[Path, dict[str, str]]:
    """A deployment repository (the Helm part of sample-charts) with both hooks installed."""
    return make_deploy_repo(tmp_path, hook_repo, pre_commit_home, ("charts", "envs"))


@pytest.fixture
def kustomize_deploy_repo(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> tuple[Path, dict[str, str]]:
    """The Kustomize part of sample-charts (base and overlays), with both hooks."""
    return make_deploy_repo(tmp_path, hook_repo, pre_commit_home, ("kustomize",))


def make_deploy_repo(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path, parts: tuple[str, ...]
) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "deploy"
    repo.mkdir()
    for part in parts:
        shutil.copytree(SAMPLES / part, repo / part)
    return repo, install_hooks(repo, hook_repo, pre_commit_home)


def install_hooks(repo: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> dict[str, str]:
    """Both hooks in the repository's `.pre-commit-config.yaml`, the repository made a git
    repository, and the hooks installed: the environment to commit with."""
    path, rev = hook_repo
    hooks = "".join(f"      - id: {h}\n" for h in HOOKS)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n{hooks}"
    )
    init_repo(repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    for step in ("install", "install-hooks"):
        subprocess.run([*_pre_commit(), step], cwd=repo, env=env, check=True, capture_output=True)
    return env


def try_commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess:
    git(repo, "add", "-A")
    return subprocess.run(
        ["git", "commit", "-m", message], cwd=repo, env=env, capture_output=True, text=True
    )


def run_tool(repo: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "litemaas_upgrade", *args], cwd=repo, check=True, capture_output=True
    )


def head_subject(repo: Path) -> str:
    return git(repo, "log", "-1", "--format=%s").strip()


def test_hooks_refuse_litellm_first_and_both_at_once_and_accept_the_phases(
    deploy_repo: tuple[Path, dict[str, str]],
) -> None:
    repo, env = deploy_repo

    # 1. LiteLLM first: the vendored chart's LiteLLM tag moves while the backend is 0.1.3.
    values = repo / "charts/litemaas/values.yaml"
    values.write_text(values.read_text().replace(f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"'))
    refused = try_commit(repo, env, "bump litellm")
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert head_subject(repo) == "initial"
    assert out.count("- hook id: litemaas-upgrade-lint\n") == 1
    assert out.count("- hook id: litemaas-upgrade-lint-all\n") == 1
    assert "charts/litemaas/values.yaml:50:10: error LU001 constraint-broken" in out
    assert "[envs/prod-values.yaml]" in out and "[envs/staging-values.yaml]" in out
    assert "while backend is at 0.1.3, before 0.2.0" in out
    assert "commit phase 1 (backend, frontend to 0.2.0, litellm pinned at main-v1.74.7-stable)" in (
        out
    )
    assert "changes checked against HEAD (" in out
    git(repo, "reset", "-q", "--hard")

    # 2. Both at once: phase 1 and phase 2 in one commit; each state is fine, the move is not.
    run_tool(repo, "apply", ".", "--phase", "1")
    run_tool(repo, "apply", ".", "--phase", "2")
    refused = try_commit(repo, env, "both phases")
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert head_subject(repo) == "initial"
    assert "envs/prod-values.yaml:36:10: error LU002 not-two-phases" in out
    assert "envs/staging-values.yaml:28:10: error LU002 not-two-phases" in out
    assert "in the same change as backend 0.1.3 -> 0.2.0" in out
    assert "so the two phases would be deployed at once" in out
    assert "split the change: commit phase 1" in out
    assert "LU001" not in out
    git(repo, "reset", "-q", "--hard")

    # 3. Phase 1 alone: accepted.
    run_tool(repo, "apply", ".", "--phase", "1")
    accepted = try_commit(repo, env, "phase 1")
    out = accepted.stdout + accepted.stderr
    assert accepted.returncode == 0, out
    assert out.count("Passed") == 2
    assert head_subject(repo) == "phase 1"

    # 4. Phase 2 after it: accepted.
    run_tool(repo, "apply", ".", "--phase", "2")
    accepted = try_commit(repo, env, "phase 2")
    out = accepted.stdout + accepted.stderr
    assert accepted.returncode == 0, out
    assert head_subject(repo) == "phase 2"
    assert git(repo, "status", "--porcelain") == ""


def test_hook_skips_commits_without_deployment_files(
    deploy_repo: tuple[Path, dict[str, str]],
) -> None:
    repo, env = deploy_repo
    (repo / "NOTES.txt").write_text("nothing to lint\n")
    result = try_commit(repo, env, "notes")
    assert result.returncode == 0
    assert (result.stdout + result.stderr).count("(no files to check)Skipped") == 2


def test_hooks_on_kustomize_overlays_see_a_base_moving_under_them(
    kustomize_deploy_repo: tuple[Path, dict[str, str]],
) -> None:
    """Only files of the shared base change; the overlays that build from it move."""
    repo, env = kustomize_deploy_repo
    base = repo / "kustomize/base/litellm-deployment.yaml"
    base.write_text(base.read_text().replace(OLD_LLM, NEW_LLM))
    refused = try_commit(repo, env, "bump litellm in the base")
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    for overlay in ("dev", "prod"):
        assert (
            "kustomize/base/litellm-deployment.yaml:24:18: error LU001 constraint-broken "
            f"[kustomize/overlays/{overlay}]"
        ) in out
    git(repo, "reset", "-q", "--hard")

    run_tool(repo, "apply", ".", "--phase", "1")
    run_tool(repo, "apply", ".", "--phase", "2")
    refused = try_commit(repo, env, "both phases")
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert "error LU002 not-two-phases [kustomize/overlays/dev]" in out
    assert "error LU002 not-two-phases [kustomize/overlays/prod]" in out
    git(repo, "reset", "-q", "--hard")

    run_tool(repo, "apply", ".", "--phase", "1")
    accepted = try_commit(repo, env, "phase 1")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    run_tool(repo, "apply", ".", "--phase", "2")
    accepted = try_commit(repo, env, "phase 2")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert head_subject(repo) == "phase 2"
