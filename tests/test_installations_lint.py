"""The upgrade rule per installation (issue 14): a LiteLLM in one target must not pass
1.81 while the backend it serves, in another target, is before 0.2.0. Real git
repositories in a temporary folder, the real command line (`lint --base`, `lint FILE`),
and `apply` for the phases."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import git, init_repo
from installation_repos import (
    NEW,
    OLD,
    backend_values,
    chart,
    deployment,
    external_repo,
    litellm_overlay,
    write,
)

LITELLM_LINE = "litellm/deployment.yaml:14:18"


def bump_litellm(repo: Path, folder: str = "litellm") -> None:
    path = repo / folder / "deployment.yaml"
    path.write_text(path.read_text().replace(OLD, NEW))


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_litellm_first_is_refused_at_its_line_naming_the_backend_in_every_format(
    cli, tmp_path: Path
) -> None:
    repo = init_repo(external_repo(tmp_path / "r"))
    bump_litellm(repo)
    res = cli("lint", ".", "--base", "HEAD", cwd=repo)
    assert res.code == 1, res.out
    assert f"{LITELLM_LINE}: error LU013 installation-order [litellm]" in res.out
    assert (
        "litellm is at main-v1.81.0-stable (1.81.0), at or past 1.81.0, while the backend it "
        "serves, in envs/prod-values.yaml (charts/litemaas/Chart.yaml:7), is at 0.1.3, before "
        "0.2.0 (installation envs/prod-values.yaml -> litellm: backend.litellmApiUrl"
    ) in res.out
    assert "commit phase 1 (backend, frontend to 0.2.0) for envs/prod-values.yaml first" in res.out
    assert "for envs/prod-values.yaml first and deploy it; move litellm in litellm" in res.out
    # The pre-commit path: the changed file alone names the LiteLLM target; the backend's
    # target reads no changed file, and is judged with it all the same.
    res = cli("lint", "litellm/deployment.yaml", cwd=repo)
    assert res.code == 1 and f"{LITELLM_LINE}: error LU013" in res.out
    data = json.loads(cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=repo).out)
    (found,) = [f for f in data["findings"] if f["code"] == "LU013"]
    assert (found["file"], found["line"], found["col"], found["target"]) == (
        "litellm/deployment.yaml",
        14,
        18,
        "litellm",
    )
    assert "envs/prod-values.yaml" in found["message"]
    sarif = json.loads(cli("lint", ".", "--base", "HEAD", "--format", "sarif", cwd=repo).out)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "LU013"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (14, 18)
    assert "envs/prod-values.yaml" in result["message"]["text"]
    github = cli("lint", ".", "--base", "HEAD", "--format", "github", cwd=repo).out
    assert "::error file=litellm/deployment.yaml,line=14,col=18,title=LU013" in github


def test_the_phases_in_order_pass(cli, tmp_path: Path) -> None:
    repo = init_repo(external_repo(tmp_path / "r"))
    assert cli("apply", ".", "--phase", "1", cwd=repo).code == 0
    assert "litellm" not in git(repo, "status", "--porcelain")  # phase 1: backend only
    res = cli("lint", ".", "--base", "HEAD", cwd=repo)
    assert res.code == 0, res.out
    commit(repo, "phase 1")
    assert cli("apply", ".", "--phase", "2", cwd=repo).code == 0
    assert "litellm/deployment.yaml" in git(repo, "status", "--porcelain")
    res = cli("lint", ".", "--base", "HEAD", cwd=repo)
    assert res.code == 0, res.out
    assert "LU013" not in res.out and "LU014" not in res.out


def test_both_in_one_change_is_refused(cli, tmp_path: Path) -> None:
    repo = init_repo(external_repo(tmp_path / "r"))
    assert cli("apply", ".", "--phase", "1", cwd=repo).code == 0
    bump_litellm(repo)
    res = cli("lint", ".", "--base", "HEAD", cwd=repo)
    assert res.code == 1, res.out
    assert f"{LITELLM_LINE}: error LU013" in res.out
    assert (
        "litellm moves main-v1.74.7-stable (1.74.7) -> main-v1.81.0-stable (1.81.0), past "
        "1.81.0, while the backend it serves, in envs/prod-values.yaml"
    ) in res.out
    assert "is at 0.1.3 at HEAD (" in res.out
    # Without a base, the state alone is fine.
    assert cli("lint", ".", cwd=repo).code == 0


def test_a_shared_litellm_moves_only_when_every_backend_is_ready(cli, tmp_path: Path) -> None:
    repo = tmp_path / "r"
    chart(repo)
    backend_values(repo, "envs/prod-values.yaml", "http://litellm.ai-gateway:4000")
    backend_values(repo, "envs/staging-values.yaml", "http://litellm.ai-gateway.svc:4000")
    litellm_overlay(repo, "litellm")
    init_repo(repo)
    # Only prod is at 0.2.0.
    values = repo / "envs/prod-values.yaml"
    values.write_text(values.read_text() + '  image:\n    tag: "0.2.0"\n')
    frontend = '\nfrontend:\n  image:\n    tag: "0.2.0"\n'
    values.write_text(values.read_text() + frontend)
    commit(repo, "prod at 0.2.0")
    bump_litellm(repo)
    res = cli("lint", ".", "--base", "HEAD", cwd=repo)
    assert res.code == 1, res.out
    assert res.out.count("error LU013") == 1
    assert "in envs/staging-values.yaml" in res.out and "in envs/prod-values.yaml" not in res.out
    git(repo, "checkout", "-q", "--", "litellm")
    values = repo / "envs/staging-values.yaml"
    values.write_text(values.read_text() + '  image:\n    tag: "0.2.0"\n' + frontend)
    commit(repo, "staging at 0.2.0")
    bump_litellm(repo)
    res = cli("lint", ".", "--base", "HEAD", cwd=repo)
    assert res.code == 0, res.out


def test_an_unknown_link_warns_and_says_how_to_declare_it(cli, tmp_path: Path) -> None:
    repo = tmp_path / "r"
    chart(repo)
    backend_values(repo, "envs/prod-values.yaml", "https://llm.example.com")
    litellm_overlay(repo, "litellm")
    init_repo(repo)
    bump_litellm(repo)
    res = cli("lint", ".", "--base", "HEAD", cwd=repo)
    assert res.code == 0, res.out  # a warning: the tool cannot tell
    assert "envs/prod-values.yaml:5:18: warning LU014 installation-unknown" in res.out
    assert (
        "backend at 0.1.3 calls 'https://llm.example.com', which no target of the repository "
        "is known to deploy, while litellm is at or moves past its boundary in litellm "
        "(main-v1.81.0-stable (1.81.0), past 1.81.0)"
    ) in res.out
    assert (
        "declare the installation in .litemaas-upgrade.yaml (installations: [{backend: "
        "envs/prod-values.yaml, litellm: litellm}])"
    ) in res.out
    assert cli("lint", ".", "--base", "HEAD", "--fail-on-warn", cwd=repo).code == 1
    # Declared: the order is checked, and the move is an error.
    write(
        repo,
        ".litemaas-upgrade.yaml",
        "installations:\n  - name: prod\n    backend: envs/prod-values.yaml\n"
        "    litellm: litellm\n",
    )
    res = cli("lint", ".", "--base", "HEAD", cwd=repo)
    assert res.code == 1, res.out
    assert f"{LITELLM_LINE}: error LU013" in res.out
    assert "(installation prod: declared in .litemaas-upgrade.yaml:2:5)" in res.out
    assert "LU014" not in res.out


def test_pre_commit_widens_to_the_backend_that_calls_a_shared_bundled_litellm(
    cli, tmp_path: Path
) -> None:
    """The LiteMaaS release's own LiteLLM (release named in the config) also serves another
    team's backend; the release is at 0.2.0, the other backend is not. Bumping LiteLLM in
    the release's values breaks nothing within the release: only the installation does."""
    repo = tmp_path / "r"
    chart(repo)
    write(
        repo,
        "envs/shared.yaml",
        'backend:\n  image:\n    tag: "0.2.0"\nfrontend:\n  image:\n    tag: "0.2.0"\n',
    )
    write(
        repo,
        ".litemaas-upgrade.yaml",
        "helm:\n  - chart: charts/litemaas\n    values: [envs/shared.yaml]\n"
        "    release: ai\n    namespace: litemaas\n",
    )
    env = (
        "          env:\n            - name: LITELLM_API_URL\n"
        "              value: http://ai-litemaas-litellm.litemaas:4000\n"
    )
    write(repo, "team-b/kustomization.yaml", "resources: [backend.yaml]\n")
    write(
        repo,
        "team-b/backend.yaml",
        deployment("backend", "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3", env),
    )
    init_repo(repo)
    values = repo / "envs/shared.yaml"
    values.write_text(values.read_text() + f'litellm:\n  image:\n    tag: "{NEW}"\n')
    res = cli("lint", "envs/shared.yaml", cwd=repo)
    assert res.code == 1, res.out
    assert "envs/shared.yaml:9:10: error LU013 installation-order\n" in res.out
    assert "while the backend it serves, in team-b" in res.out
    assert "LU001" not in res.out
