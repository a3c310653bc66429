"""A component that runs in several containers is judged on the worst case: a LiteLLM
initContainer (which runs the database migrations) moved to 1.81 is LiteLLM at 1.81."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import init_repo, write

BASE_DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: litellm
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: ghcr.io/berriai/litellm-database:main-v1.74.7-stable
      containers:
        - name: litellm
          image: ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
spec:
  template:
    spec:
      containers:
        - name: backend
          image: quay.io/rh-aiservices-bu/litemaas-backend:0.1.3
"""


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "k"
    write(root / "base/kustomization.yaml", "resources:\n  - deploy.yaml\n")
    write(root / "base/deploy.yaml", BASE_DEPLOY)
    write(root / "overlay/kustomization.yaml", "resources:\n  - ../base\n")
    return init_repo(root)


def test_an_init_container_past_the_boundary_counts(cli, tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(
        root / "overlay/kustomization.yaml",
        "resources:\n  - ../base\nimages:\n  - name: ghcr.io/berriai/litellm-database\n"
        "    newTag: main-v1.81.0-stable\n",
    )
    if shutil.which("kubectl"):
        built = subprocess.run(
            ["kubectl", "kustomize", str(root / "overlay")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "litellm-database:main-v1.81.0-stable" in built  # what the cluster would run
    scan = json.loads(cli("scan", ".", "--format", "json", cwd=root).out)
    (target,) = scan["targets"]
    assert target["stage"] == "invalid"
    result = cli("lint", ".", "--base", "HEAD", cwd=root)
    assert result.code == 1 and "LU001" in result.out


@pytest.mark.parametrize("tag", ["main-v1.74.7-stable", "main-v1.74.9-stable"])
def test_containers_below_the_boundary_pass(cli, tmp_path: Path, tag: str) -> None:
    root = repo(tmp_path)
    write(
        root / "overlay/kustomization.yaml",
        f"resources:\n  - ../base\nimages:\n  - name: ghcr.io/berriai/litellm-database\n"
        f"    newTag: {tag}\n",
    )
    scan = json.loads(cli("scan", ".", "--format", "json", cwd=root).out)
    assert scan["targets"][0]["stage"] == "before-upgrade"
    assert cli("lint", ".", "--base", "HEAD", cwd=root).code == 0
