"""The real pre-commit hooks on an installation split across targets (issue 14): the
LiteMaaS chart with `litellm.enabled: false` and LiteLLM from a Kustomize overlay. The
LiteLLM-first commit is refused by both hooks, at LiteLLM's line, naming the backend's
target; phase 1 and then phase 2 are accepted."""

from __future__ import annotations

from pathlib import Path

from conftest import git
from installation_repos import NEW, OLD, external_repo
from test_precommit import (  # noqa: F401  (fixtures)
    head_subject,
    hook_repo,
    install_hooks,
    pre_commit_home,
    run_tool,
    try_commit,
)


def test_hooks_refuse_litellm_first_across_targets_and_accept_the_phases(
    tmp_path: Path,
    hook_repo: tuple[Path, str],  # noqa: F811
    pre_commit_home: Path,  # noqa: F811
) -> None:
    repo = external_repo(tmp_path / "deploy")
    env = install_hooks(repo, hook_repo, pre_commit_home)

    deployment = repo / "litellm/deployment.yaml"
    deployment.write_text(deployment.read_text().replace(OLD, NEW))
    refused = try_commit(repo, env, "bump litellm")
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert head_subject(repo) == "initial"
    # Both hooks, each once, at LiteLLM's line, naming the backend's target.
    assert out.count("litellm/deployment.yaml:14:18: error LU013 installation-order [litellm]") == 2
    assert out.count("while the backend it serves, in envs/prod-values.yaml") == 2
    git(repo, "reset", "-q", "--hard")

    run_tool(repo, "apply", ".", "--phase", "1")
    accepted = try_commit(repo, env, "phase 1")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    run_tool(repo, "apply", ".", "--phase", "2")
    accepted = try_commit(repo, env, "phase 2")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert head_subject(repo) == "phase 2"
    assert NEW in deployment.read_text()
