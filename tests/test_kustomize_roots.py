"""Kustomize exactly as kustomize: which kustomizations are build roots (targets), and a
build kustomize refuses is its target's error. Checked against the real `kubectl
kustomize` wherever it builds (or refuses)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import init_repo, write

BACKEND = "quay.io/rh-aiservices-bu/litemaas-backend"
LITELLM = "ghcr.io/berriai/litellm-non_root"
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is missing")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
        - name: {name}
          image: {image}
"""


def base(repo: Path, folder: str) -> None:
    write(
        repo / folder / "backend.yaml", DEPLOYMENT.format(name="backend", image=f"{BACKEND}:0.1.3")
    )
    write(
        repo / folder / "litellm.yaml",
        DEPLOYMENT.format(name="litellm", image=f"{LITELLM}:main-v1.74.7-stable"),
    )
    write(
        repo / folder / "kustomization.yaml",
        "resources:\n  - backend.yaml\n  - litellm.yaml\n",
    )


def overlay(repo: Path, folder: str, on: str, backend: str) -> None:
    write(
        repo / folder / "kustomization.yaml",
        f'resources:\n  - {on}\nimages:\n  - name: {BACKEND}\n    newTag: "{backend}"\n',
    )


def kubectl(repo: Path, folder: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kubectl", "kustomize", folder], cwd=repo, capture_output=True, text=True
    )


def images(built: str) -> set[str]:
    return {line.split("image:", 1)[1].strip() for line in built.splitlines() if "image:" in line}


def targets(cli, repo: Path) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code in (0, 1), result.err
    return {t["path"]: t for t in json.loads(result.out)["targets"] if t["kind"] == "kustomize"}


def resolved(target: dict) -> set[str]:
    return {c["image"] for c in target["components"].values()}


@needs_kubectl
def test_an_overlay_inside_its_own_base_is_refused_and_the_base_is_a_root(
    cli, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    base(repo, "app")
    overlay(repo, "app/overlays/prod", "../..", "0.2.0")
    init_repo(repo)
    refused = kubectl(repo, "app/overlays/prod")
    assert refused.returncode != 0 and "cycle detected" in refused.stderr
    found = targets(cli, repo)
    assert set(found) == {"app", "app/overlays/prod"}
    prod = found["app/overlays/prod"]
    # Unknown, never absent: what the base it lists would deploy, with the reason.
    assert set(prod["components"]) == {"backend", "litellm"}
    for comp in prod["components"].values():
        assert comp["image"] is None and comp["version"] is None
        assert "cycle detected" in comp["note"]
    errors = [f for f in prod["findings"] if f["severity"] == "error"]
    assert [f["code"] for f in errors] == ["LU009"]
    assert "cycle detected" in errors[0]["message"]
    assert "move the overlay out of its base" in errors[0]["fix"]
    assert not [f for f in prod["findings"] if f["code"] == "LU005"]
    assert resolved(found["app"]) == images(kubectl(repo, "app").stdout)
    assert cli("lint", ".", cwd=repo).code == 1


@needs_kubectl
@pytest.mark.parametrize("parent", ["overlays", "envs", "environments", "clusters"])
def test_an_overlay_another_builds_on_is_still_a_target_by_convention(
    cli, tmp_path: Path, parent: str
) -> None:
    repo = tmp_path / "repo"
    base(repo, "base")
    overlay(repo, f"{parent}/prod", "../../base", "0.1.4")
    overlay(repo, f"{parent}/dev", "../prod", "0.2.0")
    init_repo(repo)
    found = targets(cli, repo)
    assert set(found) == {f"{parent}/prod", f"{parent}/dev"}
    for folder in found:
        assert resolved(found[folder]) == images(kubectl(repo, folder).stdout)


def _chain(repo: Path) -> None:
    base(repo, "deploy/base")
    overlay(repo, "deploy/prod", "../base", "0.1.4")
    overlay(repo, "deploy/dev", "../prod", "0.2.0")


ARGO_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: prod
spec:
  source:
    repoURL: https://example.invalid/deploy.git
    path: deploy/prod
  destination:
    namespace: litemaas
"""

FLUX_KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: prod
spec:
  path: ./deploy/prod
  sourceRef:
    kind: GitRepository
    name: deploy
"""


@needs_kubectl
@pytest.mark.parametrize(
    "declared",
    [
        ("apps/prod.yaml", ARGO_APP),
        ("clusters/flux/prod.yaml", FLUX_KS),
        (".litemaas-upgrade.yaml", "kustomize:\n  roots: [deploy/prod]\n"),
    ],
    ids=["argocd", "flux", "config"],
)
def test_a_deployed_overlay_another_builds_on_is_a_target(
    cli, tmp_path: Path, declared: tuple[str, str]
) -> None:
    repo = tmp_path / "repo"
    _chain(repo)
    init_repo(repo)
    assert set(targets(cli, repo)) == {"deploy/dev"}  # nothing says prod is deployed
    write(repo / declared[0], declared[1])
    found = targets(cli, repo)
    assert {"deploy/dev", "deploy/prod"} <= set(found)
    assert "deploy/base" not in found
    for folder in ("deploy/dev", "deploy/prod"):
        assert resolved(found[folder]) == images(kubectl(repo, folder).stdout)


def test_a_configured_root_without_a_kustomization_is_an_input_error(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _chain(repo)
    write(repo / ".litemaas-upgrade.yaml", "kustomize:\n  roots: [deploy/nowhere]\n")
    init_repo(repo)
    result = cli("scan", ".", cwd=repo)
    assert result.code == 3
    assert "deploy/nowhere: no kustomization there" in result.err
