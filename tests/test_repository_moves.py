"""Phase 3 of the whole path (`plan --to 0.4.0`) moves LiteLLM to the LiteMaaS fork in
every kind of file that decides it: the repository is written beside the tag (a compose
image line whose tag an `.env` file holds, a plain manifest, a compose override), and
lint passes each phase's commit (the fork is the v0.4.0 guide's declared move)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import git, init_repo, write

FORK = "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom"
COMPOSE = """\
services:
  backend:
    image: quay.io/rh-aiservices-bu/litemaas-backend:0.1.3
  frontend:
    image: quay.io/rh-aiservices-bu/litemaas-frontend:0.1.3
  litellm:
    image: ghcr.io/berriai/litellm-non_root:${LITELLM_TAG:-main-v1.74.7-stable}
"""
MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: litemaas}
spec:
  template:
    spec:
      containers:
        - name: litellm
          image: ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable
        - name: backend
          image: quay.io/rh-aiservices-bu/litemaas-backend:0.1.3
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "deploy"
    write(root / "dev" / "compose.yaml", COMPOSE)
    write(root / "dev" / ".env", "LITELLM_TAG=main-v1.74.7-stable\n")
    write(root / "plain" / "deploy.yaml", MANIFEST)
    return init_repo(root)


def test_each_phase_commits_cleanly_and_phase_3_moves_repository_and_tag(
    cli, repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan"
    result = cli("plan", ".", "--out", str(out), "--to", "0.4.0", cwd=repo)
    assert result.code == 0, result.err
    assert "warning" not in result.err
    for n in (1, 2, 3):
        git(repo, "apply", str(out / f"phase-{n}.diff"))
        lint = cli("lint", ".", "--base", "HEAD", cwd=repo)
        assert lint.code == 0, (n, lint.out)
        assert "LU007" not in lint.out and "LU015" not in lint.out
        git(repo, "commit", "-qam", f"phase {n}")
    # The .env file holds the tag, the image line the repository: both moved.
    assert (repo / "dev" / ".env").read_text() == "LITELLM_TAG=main-v1.81.0-stable-custom\n"
    compose = (repo / "dev" / "compose.yaml").read_text()
    assert "image: quay.io/rh-aiservices-bu/litellm-non-root:${LITELLM_TAG:-" in compose
    assert f"image: {FORK}\n" in (repo / "plain" / "deploy.yaml").read_text()
    override = (out / "phase-3" / "_deploy" / "compose" / "dev__compose.yaml").read_text()
    assert f'image: "{FORK}"' in override
    scan = cli("scan", ".", "--to", "0.4.0", cwd=repo)
    assert scan.out.count("upgraded") == 2, scan.out


def test_lint_refuses_the_fork_with_upstream_s_tag_in_a_manifest(cli, repo: Path) -> None:
    for n in (1, 2):
        assert cli("apply", ".", "--phase", str(n), cwd=repo).code == 0
        git(repo, "commit", "-qam", f"phase {n}")
    path = repo / "plain" / "deploy.yaml"
    path.write_text(
        path.read_text().replace(
            "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable",
            "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable",
        )
    )
    result = cli("lint", ".", "--base", "HEAD", cwd=repo)
    assert result.code == 1 and "LU015" in result.out
    assert "plain/deploy.yaml:9:18: error LU015 mixed-release-image" in result.out


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is missing")
def test_an_images_entry_that_decides_the_tag_takes_the_new_name(cli, tmp_path: Path) -> None:
    """An overlay's `images:` entry holds LiteLLM's tag: phase 3 gives the entry the
    fork's newName beside the tag (the base keeps its name, so the entry still matches),
    and the real kustomize renders the fork."""
    root = tmp_path / "k"
    write(root / "base" / "deploy.yaml", MANIFEST)
    write(root / "base" / "kustomization.yaml", "resources: [deploy.yaml]\n")
    write(
        root / "ov" / "kustomization.yaml",
        "resources: [../base]\nimages:\n  - name: ghcr.io/berriai/litellm-non_root\n"
        "    newTag: main-v1.74.7-stable\n",
    )
    init_repo(root)
    out = tmp_path / "plan"
    result = cli("plan", ".", "--out", str(out), "--to", "0.4.0", cwd=root)
    assert result.code == 0 and "warning" not in result.err, result.err
    for n in (1, 2, 3):
        git(root, "apply", str(out / f"phase-{n}.diff"))
    text = (root / "ov" / "kustomization.yaml").read_text()
    assert "    newTag: main-v1.81.0-stable-custom\n" in text
    assert "    newName: quay.io/rh-aiservices-bu/litellm-non-root\n" in text
    built = subprocess.run(
        ["kubectl", "kustomize", "ov"], cwd=root, check=True, capture_output=True, text=True
    ).stdout
    assert f"image: {FORK}" in built
    assert "ghcr.io" not in built
    assert cli("lint", ".", cwd=root).code == 0
