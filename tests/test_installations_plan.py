"""`plan` and `apply` per installation (issue 14): phase 1 edits the backend's target,
phase 2 LiteLLM's; each phase rendered with the real engines (helm-python-sdk, kubectl
kustomize); plan.json and the runbook record the installation; a phase that would move a
shared LiteLLM before one of its backends is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import git, init_repo, rendered_images
from installation_repos import NEW, OLD, external_repo, litellm_overlay, write

BACKEND = "quay.io/rh-aiservices-bu/litemaas-backend"
FRONTEND = "quay.io/rh-aiservices-bu/litemaas-frontend"
LITELLM = "ghcr.io/berriai/litellm-non_root"
NAME = "envs/prod-values.yaml -> litellm"


def built_images(repo: Path, folder: Path) -> set[str]:
    out = subprocess.run(
        ["kubectl", "kustomize", str(folder)], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    return {line.split("image:", 1)[1].strip() for line in out.splitlines() if "image:" in line}


def test_phase_1_in_the_backends_target_phase_2_in_litellms(cli, tmp_path: Path) -> None:
    repo = init_repo(external_repo(tmp_path / "r"))
    res = cli("plan", ".", "--out", "upgrade", cwd=repo)
    assert res.code == 0, res.err
    up = repo / "upgrade"
    assert "+++ b/envs/prod-values.yaml" in (up / "phase-1.diff").read_text()
    assert "litellm/" not in (up / "phase-1.diff").read_text()
    phase2 = (up / "phase-2.diff").read_text()
    assert "+++ b/litellm/deployment.yaml" in phase2 and "envs/" not in phase2
    plan = json.loads((up / "plan.json").read_text())
    (inst,) = plan["installations"]
    assert inst["name"] == NAME and inst["members"] == ["envs/prod-values.yaml", "litellm"]
    assert inst["links"][0]["how"] == "url" and plan["unlinked"] == []
    runbook = (up / "RUNBOOK.md").read_text()
    assert "## Installations" in runbook
    assert (
        f"- **{NAME}** (`envs/prod-values.yaml`, `litellm`): phase 1 `envs/prod-values.yaml`, "
        "then phase 2 `litellm`"
    ) in runbook
    assert runbook.index("## Installations") < runbook.index("## Phase 1")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not on the PATH")
def test_each_phase_renders_the_right_images_with_the_real_engines(cli, tmp_path: Path) -> None:
    pytest.importorskip("helm_python", reason="helm-python-sdk (extra 'render') not installed")
    repo = init_repo(external_repo(tmp_path / "r"))
    # (outside the repository: the commit between the phases must not take the plan in,
    # whose tracked copies a scan reads as the repository's own: docs/security.md)
    up = tmp_path / "upgrade"
    assert cli("plan", ".", "--out", str(up), cwd=repo).code == 0
    chart = repo / "charts/litemaas"
    before = {"backend": f"{BACKEND}:0.1.3", "frontend": f"{FRONTEND}:0.1.3"}
    after = {"backend": f"{BACKEND}:0.2.0", "frontend": f"{FRONTEND}:0.2.0"}
    values = repo / "envs/prod-values.yaml"
    assert rendered_images(chart, [values]) == before  # LiteLLM is not the chart's here
    assert rendered_images(chart, [up / "phase-1/envs/prod-values.yaml"]) == after
    thin = up / "phase-1/_deploy/values/envs__prod-values.yaml"
    assert rendered_images(chart, [values, thin]) == after
    assert built_images(repo, repo / "litellm") == {f"{LITELLM}:{OLD}"}
    (overlay,) = (up / "phase-2/_deploy/kustomize").iterdir()
    assert built_images(repo, overlay) == {f"{LITELLM}:{NEW}"}
    # The edited files, as `apply` writes them: phase 1 leaves LiteLLM, phase 2 moves it.
    assert cli("apply", ".", "--phase", "1", cwd=repo).code == 0
    assert rendered_images(chart, [values]) == after
    assert built_images(repo, repo / "litellm") == {f"{LITELLM}:{OLD}"}
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "phase 1")
    assert cli("apply", ".", "--phase", "2", cwd=repo).code == 0
    assert built_images(repo, repo / "litellm") == {f"{LITELLM}:{NEW}"}


def test_a_phase_moving_a_shared_litellm_before_a_backend_is_refused(cli, tmp_path: Path) -> None:
    repo = tmp_path / "r"
    litellm_overlay(repo, "litellm")
    # A backend the tool cannot move: its tag is a variable with no value anywhere.
    write(
        repo,
        "dev/compose.yaml",
        "services:\n  backend:\n    image: quay.io/rh-aiservices-bu/litemaas-backend:${TAG}\n",
    )
    write(
        repo,
        ".litemaas-upgrade.yaml",
        "installations:\n  - name: dev\n    backend: dev/compose.yaml\n    litellm: litellm\n",
    )
    init_repo(repo)
    res = cli("plan", ".", "--out", "upgrade", cwd=repo)
    assert res.code == 1, res.err
    assert "error LU013: plan phase 2: litellm is at main-v1.81.0-stable (1.81.0)" in res.err
    assert "the version of the backend it serves, in dev/compose.yaml" in res.err
    assert "refused: nothing was written" in res.err
    assert not (repo / "upgrade").exists()
    res = cli("apply", ".", "--phase", "2", cwd=repo)
    assert res.code == 1 and "error LU013: plan phase 2" in res.err
    assert git(repo, "status", "--porcelain") == ""
