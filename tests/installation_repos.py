"""Repositories with a LiteMaaS backend and its LiteLLM in different targets (issue 14),
written into a temporary folder: the LiteMaaS chart with `litellm.enabled: false` and
`backend.litellmApiUrl`, LiteLLM from a Kustomize overlay, plain manifests or compose."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SAMPLES

OLD = "main-v1.74.7-stable"
NEW = "main-v1.81.0-stable"


def write(repo: Path, rel: str, text: str) -> Path:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def chart(repo: Path) -> None:
    shutil.copytree(SAMPLES / "charts", repo / "charts")


def backend_values(repo: Path, rel: str, url: str | None, litellm: bool = False) -> None:
    text = f"# {rel}: LiteLLM runs apart\nlitellm:\n  enabled: {'true' if litellm else 'false'}\n"
    if url is not None:
        text += f'backend:\n  litellmApiUrl: "{url}"\n'
    write(repo, rel, text)


def litellm_overlay(
    repo: Path,
    folder: str,
    tag: str = OLD,
    namespace: str | None = "ai-gateway",
    service: str = "litellm",
    port: int = 4000,
) -> None:
    ns = f"namespace: {namespace}\n" if namespace else ""
    write(
        repo,
        f"{folder}/kustomization.yaml",
        ns + "resources:\n  - deployment.yaml\n  - service.yaml\n",
    )
    write(
        repo,
        f"{folder}/deployment.yaml",
        deployment("litellm", f"ghcr.io/berriai/litellm-non_root:{tag}"),
    )
    write(
        repo,
        f"{folder}/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n"
        f"  name: {service}\nspec:\n  selector: {{app: litellm}}\n  ports:\n"
        f"    - port: {port}\n      targetPort: 4000\n",
    )


def deployment(app: str, image: str, env: str = "") -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        f"  name: {app}\nspec:\n  selector:\n    matchLabels: {{app: {app}}}\n  template:\n"
        f"    metadata:\n      labels: {{app: {app}}}\n    spec:\n      containers:\n"
        f"        - name: {app}\n          image: {image}\n{env}"
    )


def external_repo(repo: Path, tag: str = OLD) -> Path:
    """The LiteMaaS chart (LiteLLM disabled, prod values naming the LiteLLM Service by
    its full name) and LiteLLM from a Kustomize overlay in namespace ai-gateway."""
    chart(repo)
    backend_values(
        repo, "envs/prod-values.yaml", "http://litellm.ai-gateway.svc.cluster.local:4000"
    )
    litellm_overlay(repo, "litellm", tag)
    return repo
