"""`lint` over Kustomize targets in a real git repository (the Kustomize part of
sample-charts, rendered by the real kustomize where the manager needs it): a base that
changes under its overlays moves them, files inside an overlay select it, and the two
phases pass one after the other."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES, git, init_repo

OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"
BASE = "kustomize/base"


@pytest.fixture
def kustomize_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "kustomize-deploy"
    repo.mkdir()
    shutil.copytree(SAMPLES / "kustomize", repo / "kustomize")
    return init_repo(repo)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def by_target(result) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for f in json.loads(result.out)["findings"]:
        out.setdefault(f["target"], []).append(f["code"])
    return out


def test_base_moving_everything_at_once_moves_the_overlays(cli, kustomize_repo: Path) -> None:
    for name, old, new in (
        ("backend", "litemaas-backend:0.1.3", "litemaas-backend:0.2.0"),
        ("frontend", "litemaas-frontend:0.1.3", "litemaas-frontend:0.2.0"),
        ("litellm", OLD_LLM, NEW_LLM),
    ):
        edit(kustomize_repo / BASE / f"{name}-deployment.yaml", old, new)
    # pre-commit passes the changed base files only.
    files = [f"{BASE}/{n}-deployment.yaml" for n in ("backend", "frontend", "litellm")]
    result = cli("lint", *files, "--format", "json", cwd=kustomize_repo)
    assert result.code == 1
    found = by_target(result)
    # prod follows the base: both phases in one change. dev pins backend and frontend at
    # 0.1.3 with `images:`, so it lands in the forbidden state.
    assert "LU002" in found["kustomize/overlays/prod"]
    assert "LU001" in found["kustomize/overlays/dev"]


def test_a_file_inside_an_overlay_selects_it(cli, kustomize_repo: Path) -> None:
    result = cli(
        "lint",
        "kustomize/overlays/prod/replicas-patch.yaml",
        "--format",
        "json",
        cwd=kustomize_repo,
    )
    assert set(by_target(result)) == {"kustomize/overlays/prod"}  # its LU005 warning
    assert result.code == 0


def test_phases_pass_one_after_the_other(cli, kustomize_repo: Path) -> None:
    assert cli("apply", ".", "--phase", "1", cwd=kustomize_repo).code == 0
    assert cli("lint", ".", "--base", "HEAD", cwd=kustomize_repo).code == 0
    git(kustomize_repo, "commit", "-qam", "phase 1")
    assert cli("apply", ".", "--phase", "2", cwd=kustomize_repo).code == 0
    assert cli("lint", ".", "--base", "HEAD", cwd=kustomize_repo).code == 0
    both = cli("lint", ".", "--base", "HEAD~1", "--format", "json", cwd=kustomize_repo)
    assert both.code == 1
    assert by_target(both)["kustomize/overlays/prod"].count("LU002") == 1
