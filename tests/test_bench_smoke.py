"""Keep the benchmark generator honest: a tiny synthetic repository is what it claims to be
(the real kubectl kustomize builds every root it lists) and the scanner finds its targets.
No timing here: bench/run.py measures, the suite does not."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("bench") / "repo"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), str(out), "--n", "3"],
        check=True,
        capture_output=True,
    )
    return out, json.loads((out / "bench.json").read_text(encoding="utf-8"))


def test_generator_makes_what_it_lists(repo: tuple[Path, dict]) -> None:
    path, manifest = repo
    assert len(manifest["helm"]) == 3 and len(manifest["kustomize"]) == 3
    assert manifest["kustomize_intermediate"] and manifest["kustomize_upstream"]  # both shapes
    assert manifest["changed"] in manifest["helm"]
    values = (path / manifest["chart"] / "values.yaml").read_text(encoding="utf-8")
    assert len(values.splitlines()) > 350  # about the upstream chart's size
    status = subprocess.run(["git", "status", "--porcelain"], cwd=path, capture_output=True,
                            text=True, check=True)
    assert status.stdout == ""  # all committed


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_every_listed_kustomize_root_builds(repo: tuple[Path, dict]) -> None:
    path, manifest = repo
    for root in manifest["kustomize"]:
        proc = subprocess.run(["kubectl", "kustomize", root], cwd=path, capture_output=True,
                              text=True)
        assert proc.returncode == 0, proc.stderr
        assert "quay.io/rh-aiservices-bu/litemaas-backend:" in proc.stdout


def test_scan_finds_the_generated_targets(repo: tuple[Path, dict], cli) -> None:
    path, manifest = repo
    result = cli("scan", ".", "--format", "json", cwd=path)
    assert result.code == 0, result.err
    targets = json.loads(result.out)["targets"]
    by_kind: dict[str, list[str]] = {}
    for t in targets:
        by_kind.setdefault(t["kind"], []).append(t["path"])
    assert sorted(by_kind["helm"]) == sorted(manifest["helm"])
    stages = {t["path"]: t["stage"] for t in targets if t["kind"] == "helm"}
    assert stages[manifest["changed"]] == "before-upgrade"
    # Kinds whose manager is in this build must find exactly the listed targets.
    for kind in ("kustomize", "compose"):
        if kind in by_kind:
            assert sorted(by_kind[kind]) == sorted(manifest[kind])
