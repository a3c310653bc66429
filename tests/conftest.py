"""Shared fixtures: run the real command line in-process, and make real git repositories."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from syrupy.extensions.amber import AmberSnapshotExtension

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample-charts"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run `litemaas-upgrade ARGS` in-process, as the console script does (`lint FILE...`
    without click, everything else through it), without its garbage collector settings."""
    from litemaas_upgrade.launch import dispatch

    def run(*args: str, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "argv", ["litemaas-upgrade", *args])
        capsys.readouterr()
        try:
            dispatch(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return proc.stdout


def init_repo(path: Path) -> Path:
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "test@example.invalid")
    git(path, "config", "user.name", "test")
    git(path, "config", "commit.gpgsign", "false")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial", "--allow-empty")
    return path


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    """A git repository holding a copy of the whole bundled sample-charts/."""
    repo = tmp_path / "deploy"
    shutil.copytree(SAMPLES, repo)
    return init_repo(repo)


@pytest.fixture
def helm_repo(tmp_path: Path) -> Path:
    """A git repository with only the Helm part of sample-charts/ (chart + envs)."""
    repo = tmp_path / "helm-deploy"
    repo.mkdir()
    shutil.copytree(SAMPLES / "charts", repo / "charts")
    shutil.copytree(SAMPLES / "envs", repo / "envs")
    return init_repo(repo)


@pytest.fixture
def gitops_repo(tmp_path: Path) -> Path:
    """A git repository with the sample chart and the GitOps fixtures of sample-charts/."""
    repo = tmp_path / "gitops-deploy"
    repo.mkdir()
    shutil.copytree(SAMPLES / "charts", repo / "charts")
    shutil.copytree(SAMPLES / "gitops", repo / "gitops")
    return init_repo(repo)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


class SnapshotsFolder(AmberSnapshotExtension):
    """Snapshots live in tests/snapshots/ (one .ambr file per test module)."""

    snapshot_dirname = "snapshots"


@pytest.fixture
def snapshot(snapshot):  # type: ignore[no-untyped-def]
    return snapshot.use_extension(SnapshotsFolder)


def rendered_images(chart: Path, values_files: list[Path]) -> dict[str, str]:
    """{component: image} of the Deployments and StatefulSets that the real Helm engine
    renders for `helm upgrade litemaas <chart> -f a -f b ...` (maps merged as -f does)."""
    import helm_python as helm
    from ruamel.yaml import YAML

    merged: dict = {}
    for path in values_files:
        _deep_merge(merged, helm.values_from_yaml(path.read_text()))
    manifests = helm.Chart.load(str(chart)).render(merged, name="litemaas", namespace="litemaas")
    images: dict[str, str] = {}
    yaml = YAML(typ="safe")
    for text in manifests.values():
        for doc in yaml.load_all(text):
            if not isinstance(doc, dict) or doc.get("kind") not in ("Deployment", "StatefulSet"):
                continue
            for c in doc["spec"]["template"]["spec"]["containers"]:
                for comp in ("backend", "frontend", "litellm"):
                    if comp in c["image"]:
                        images[comp] = c["image"]
    return images


def _deep_merge(dst: dict, src: dict) -> None:
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _deep_merge(dst[k], v)
        else:
            dst[k] = v


@pytest.fixture(autouse=True)
def _cold_parse_cache() -> None:
    """The parse cache lives as long as the process (one run of the tool): each test
    starts with an empty one, as a run does."""
    from litemaas_upgrade.yamlio.cache import PARSES

    PARSES.clear()

