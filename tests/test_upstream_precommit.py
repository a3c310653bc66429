"""Upstream LiteMaaS v0.1.3's deployment folders as cloned (no generated files), with
this project's hooks installed by the real `pre-commit`: a LiteLLM-first commit is
refused by both hooks, an unrelated commit goes through."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from test_precommit import (  # noqa: F401 (module-scoped fixtures, shared)
    head_subject,
    hook_repo,
    install_hooks,
    pre_commit_home,
    try_commit,
)
from test_upstream_litemaas import FIXTURE


@pytest.fixture
def upstream_hooked(
    tmp_path: Path,
    hook_repo: tuple[Path, str],  # noqa: F811 (the shared fixture, imported)
    pre_commit_home: Path,  # noqa: F811
) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "litemaas"
    shutil.copytree(FIXTURE, repo, ignore=shutil.ignore_patterns("SOURCE.md"))
    env = install_hooks(repo, hook_repo, pre_commit_home)
    return repo, env


def test_hooks_on_the_upstream_layout_as_cloned(
    upstream_hooked: tuple[Path, dict[str, str]],
) -> None:
    repo, env = upstream_hooked
    for folder in ("deployment/kustomize", "deployment/openshift"):
        litellm = repo / folder / "litellm-deployment.yaml"
        text = litellm.read_text()
        litellm.write_text(text.replace("main-v1.74.7-stable", "main-v1.81.0-stable"))
        refused = try_commit(repo, env, "bump litellm")
        out = refused.stdout + refused.stderr
        assert refused.returncode != 0, out
        assert head_subject(repo) == "initial"
        assert out.count("- hook id: litemaas-upgrade-lint\n") == 1
        assert out.count("- hook id: litemaas-upgrade-lint-all\n") == 1
        assert f"{folder}/litellm-deployment.yaml:39:18: error LU001" in out
        litellm.write_text(text)

    service = repo / "deployment/kustomize/postgres-service.yaml"
    service.write_text(service.read_text() + "# a comment\n")
    accepted = try_commit(repo, env, "a comment")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert head_subject(repo) == "a comment"
