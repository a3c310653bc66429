"""Lint along the whole upgrade path (LiteMaaS 0.1.3 -> 0.2.0 -> 0.4.0, two guides) on
upstream LiteMaaS's own v0.1.3 chart and Kustomize folder, as a fresh git repository:
every out-of-order commit is refused (LiteLLM first, the fork before 0.2.0, 0.1.3 straight
to 0.4.0, a fork repository with upstream's tag) and the right ones pass."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, git, init_repo

FIXTURE = ROOT / "tests" / "fixtures" / "upstream-litemaas-v0.1.3"
CHART = "deployment/helm/litemaas"
KUSTOMIZE = "deployment/kustomize"
UPSTREAM = "ghcr.io/berriai/litellm-non_root"
FORK = "quay.io/rh-aiservices-bu/litellm-non-root"


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    repo = tmp_path / "litemaas"
    shutil.copytree(FIXTURE, repo, ignore=shutil.ignore_patterns("SOURCE.md"))
    return init_repo(repo)


def edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new))


def lint(cli, repo: Path) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """{target: codes of its errors} of `lint --base HEAD`."""
    result = cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=repo)
    assert result.code in (0, 1), result.err
    out: dict[str, list[str]] = {}
    for f in json.loads(result.out)["findings"]:
        if f["severity"] == "error":
            out.setdefault(f["target"], []).append(f["code"])
    assert (result.code == 1) == bool(out), result.out
    return out


def commit(repo: Path, message: str) -> None:
    git(repo, "commit", "-qam", message)


def chart_app(repo: Path, old: str, new: str) -> None:
    edit(repo, f"{CHART}/Chart.yaml", f'appVersion: "{old}"', f'appVersion: "{new}"')


def chart_litellm(repo: Path, old: str, new: str) -> None:
    edit(repo, f"{CHART}/values.yaml", old, new)


def test_the_helm_chart_path_refuses_every_shortcut_and_passes_each_phase(cli, upstream) -> None:
    # 0.1.3 straight to 0.4.0, as the 0.4.0 chart would be copied in: refused, with the path.
    chart_app(upstream, "0.1.3", "0.4.0")
    chart_litellm(
        upstream,
        f'repository: {UPSTREAM}\n    tag: "main-v1.74.7-stable"',
        f'repository: {FORK}\n    tag: "main-v1.81.0-stable-custom"',
    )
    result = cli("lint", ".", "--base", "HEAD", cwd=upstream)
    assert result.code == 1
    assert {"LU002", "LU016"} <= set(lint(cli, upstream)[CHART])
    assert "take the path: phase 1 [litemaas-0.2.0]: backend to 0.2.0, frontend to 0.2.0 " in (
        result.out
    )
    assert "then phase 3 [litemaas-0.4.0]: backend to 0.4.0" in result.out
    # The v0.4.0 guide's constraint points at LiteLLM's phase, which comes after phase 1.
    assert "phase 2 (litellm to main-v1.81.0-stable, once phase 1 is deployed)" in result.out
    git(upstream, "checkout", "-q", "--", ".")

    # The fork before 0.2.0 (backend still 0.1.3): refused.
    chart_litellm(
        upstream,
        f'repository: {UPSTREAM}\n    tag: "main-v1.74.7-stable"',
        f'repository: {FORK}\n    tag: "main-v1.81.0-stable-custom"',
    )
    assert {"LU001", "LU016"} <= set(lint(cli, upstream)[CHART])
    git(upstream, "checkout", "-q", "--", ".")

    # LiteLLM first: refused.
    chart_litellm(upstream, 'tag: "main-v1.74.7-stable"', 'tag: "main-v1.81.0-stable"')
    assert "LU001" in lint(cli, upstream)[CHART]
    git(upstream, "checkout", "-q", "--", ".")

    # Phase 1 (LiteMaaS 0.2.0; the chart's values pin LiteLLM), then phase 2: both pass.
    chart_app(upstream, "0.1.3", "0.2.0")
    assert CHART not in lint(cli, upstream)
    commit(upstream, "phase 1")
    chart_litellm(upstream, 'tag: "main-v1.74.7-stable"', 'tag: "main-v1.81.0-stable"')
    assert CHART not in lint(cli, upstream)
    commit(upstream, "phase 2")

    # Phase 3 with the fork's repository but upstream's tag (the pin left behind): LU015.
    chart_app(upstream, "0.2.0", "0.4.0")
    chart_litellm(upstream, f"repository: {UPSTREAM}", f"repository: {FORK}")
    assert lint(cli, upstream)[CHART] == ["LU015"]
    # Repository and tag together: passes, and the guide's own move is not LU007.
    chart_litellm(upstream, 'tag: "main-v1.81.0-stable"', 'tag: "main-v1.81.0-stable-custom"')
    result = cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=upstream)
    codes = {f["code"] for f in json.loads(result.out)["findings"] if f["target"] == CHART}
    assert result.code == 0 and "LU007" not in codes, result.out
    commit(upstream, "phase 3")
    # Upstream's repository with the fork's tag is mixed as well.
    chart_litellm(upstream, f"repository: {FORK}", f"repository: {UPSTREAM}")
    assert "LU015" in lint(cli, upstream)[CHART]


def test_the_kustomize_path_refuses_the_fork_before_0_2_0(cli, upstream) -> None:
    rel = f"{KUSTOMIZE}/litellm-deployment.yaml"
    edit(upstream, rel, f"{UPSTREAM}:main-v1.74.7-stable", f"{FORK}:main-v1.81.0-stable-custom")
    errors = lint(cli, upstream)[KUSTOMIZE]
    assert "LU016" in errors and ("LU001" in errors or "LU002" in errors)


def test_the_v0_4_0_advisory_notes_a_backend_without_litellm_database_url(cli, upstream) -> None:
    """LU017, a note: the v0.4.0 guide recommends LITELLM_DATABASE_URL; upstream's v0.1.3
    chart never sets it, the v0.4.0 chart always does (its templates are read)."""

    def notes() -> list[str]:
        result = cli("lint", ".", "--format", "json", cwd=upstream)
        assert result.code == 0, result.out
        found = json.loads(result.out)["findings"]
        return [f["target"] for f in found if f["code"] == "LU017" and f["severity"] == "info"]

    chart_app(upstream, "0.1.3", "0.2.0")
    chart_litellm(upstream, 'tag: "main-v1.74.7-stable"', 'tag: "main-v1.81.0-stable"')
    assert CHART not in notes()  # 0.2.0: the advisory is the v0.4.0 guide's
    chart_app(upstream, "0.2.0", "0.4.0")
    chart_litellm(
        upstream,
        f'repository: {UPSTREAM}\n    tag: "main-v1.81.0-stable"',
        f'repository: {FORK}\n    tag: "main-v1.81.0-stable-custom"',
    )
    assert CHART in notes()
    # The chart's backend template sets it (as the v0.4.0 chart's does): no note.
    edit(
        upstream,
        f"{CHART}/templates/backend-deployment.yaml",
        "          env:\n",
        "          env:\n            - name: LITELLM_DATABASE_URL\n"
        "              value: postgresql://litellm@db/litellm_db\n",
    )
    assert CHART not in notes()
