"""`diff` with installations across targets (issue 14): the pull-request comment groups
targets by installation and its verdict comes from lint's installation rules."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import init_repo
from installation_repos import NEW, OLD, external_repo

NAME = "envs/prod-values.yaml -> litellm"


def test_markdown_groups_by_installation_with_lints_verdict(cli, tmp_path: Path) -> None:
    repo = init_repo(external_repo(tmp_path / "r"))
    deployment = repo / "litellm/deployment.yaml"
    deployment.write_text(deployment.read_text().replace(OLD, NEW))
    res = cli("diff", ".", "--base", "HEAD", "--format", "markdown", cwd=repo)
    assert "| installation | target | component |" in res.out
    row = next(line for line in res.out.splitlines() if line.startswith(f"| {NAME} |"))
    assert "`litellm` (kustomize) | litellm |" in row and row.endswith("| ❌ LU013 |")
    assert f", installation <code>{NAME}</code></summary>" in res.out
    data = json.loads(cli("diff", ".", "--base", "HEAD", "--format", "json", cwd=repo).out)
    (target,) = [t for t in data["targets"] if t["path"] == "litellm"]
    assert target["installation"] == NAME
    (verdict,) = target["lint"]
    assert verdict["code"] == "LU013" and "in envs/prod-values.yaml" in verdict["message"]
    assert cli("lint", ".", "--base", "HEAD", cwd=repo).code == 1  # the same judgement


def test_the_planned_phases_are_ok_per_installation(cli, tmp_path: Path) -> None:
    repo = init_repo(external_repo(tmp_path / "r"))
    for phase, target in (("1", "`envs/prod-values.yaml` (helm)"), ("2", "`litellm` (kustomize)")):
        res = cli("diff", ".", "--phase", phase, "--format", "markdown", cwd=repo)
        rows = [line for line in res.out.splitlines() if line.startswith(f"| {NAME} |")]
        assert rows and all(target in r and r.endswith("| ✅ ok |") for r in rows), res.out


def test_a_repository_without_installations_across_targets_has_no_column(
    cli, helm_repo: Path
) -> None:
    values = helm_repo / "envs/prod-values.yaml"
    values.write_text(values.read_text() + "\n# touched\n")
    res = cli("diff", ".", "--base", "HEAD", "--format", "markdown", cwd=helm_repo)
    assert "| target | component |" in res.out and "installation" not in res.out
