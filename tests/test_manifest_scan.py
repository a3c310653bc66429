"""Plain manifest folders: workloads with no kustomization are a target of their own,
and the image lines are what phases edit."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import init_repo, write

DEPLOY = """\
# backend and LiteLLM, applied with kubectl apply -f
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
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: litellm-job
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: job
              image: 'ghcr.io/berriai/litellm:main-v1.74.7-stable'
"""


def test_manifest_folder_is_scanned_and_planned(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "manifests" / "app.yaml", DEPLOY)
    write(repo / "manifests" / "notes.yaml", "just: data\n")
    init_repo(repo)
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    (target,) = json.loads(result.out)["targets"]
    assert (target["kind"], target["path"], target["stage"]) == (
        "manifest",
        "manifests",
        "before-upgrade",
    )
    llm = target["components"]["litellm"]
    assert llm["image"] == "ghcr.io/berriai/litellm:main-v1.74.7-stable"
    assert (llm["sites"][0]["line"], llm["sites"][0]["col"]) == (24, 22)
    assert cli("apply", ".", "--phase", "1", cwd=repo).code == 0
    assert cli("apply", ".", "--phase", "2", cwd=repo).code == 0
    text = (repo / "manifests" / "app.yaml").read_text()
    assert text == DEPLOY.replace("backend:0.1.3", "backend:0.2.0").replace(
        "litellm:main-v1.74.7-stable", "litellm:main-v1.81.0-stable"
    )
