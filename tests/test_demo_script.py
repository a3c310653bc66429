"""`scripts/demo`, run as a user runs it: on the bundled sample, on a plain folder and on a
folder inside a git repository. The planned copy stays in upgrade-demo/repo/, so the
plan's diffs apply there and its thin overlays build with the real `kubectl kustomize`.

The script is run from a copy of the project's layout (its scripts, pyproject.toml,
sample-charts/ and a link to this checkout's .venv), so the checkout's own upgrade-demo/
is left alone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES, git, init_repo

KUBECTL = shutil.which("kubectl")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    if not (ROOT / ".venv" / "bin" / "litemaas-upgrade").exists():
        pytest.skip("no .venv with litemaas-upgrade in this checkout (run scripts/setup)")
    # The copy shares this checkout's .venv: scripts/setup must find it installed (with
    # the render extra) and do nothing, or it would install the copy into it.
    mtime = (ROOT / "pyproject.toml").stat().st_mtime
    if not any("render" in p.name.split("-", 1)[1].split(",") and p.stat().st_mtime >= mtime
               for p in (ROOT / ".venv").glob(".installed-*")):
        pytest.skip(".venv was not set up by scripts/setup with the render extra")
    home = tmp_path / "project"
    shutil.copytree(ROOT / "scripts", home / "scripts")
    shutil.copytree(SAMPLES, home / "sample-charts")
    shutil.copy2(ROOT / "pyproject.toml", home / "pyproject.toml")  # mtime kept: no reinstall
    (home / ".venv").symlink_to(ROOT / ".venv")
    return home


def demo(project: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(["bash", str(project / "scripts/demo"), *args], cwd=cwd or project,
                          env=env, capture_output=True, text=True, timeout=600)


def check_plan_works(project: Path, folder: str, said: str) -> None:
    repo = project / "upgrade-demo/repo"
    plan = project / "upgrade-demo/plan"
    assert (plan / "RUNBOOK.md").is_file()
    # The runbook's relative paths (charts, compose files, `cd` folders) exist from the
    # folder the demo says to run it from.
    where = "upgrade-demo/repo/" if folder == "." else f"upgrade-demo/repo/{folder}/"
    assert f"RUNBOOK.md (run its commands from {where})" in said
    relative = re.findall(
        r"^(?:helm upgrade \S+ (\S+)|docker compose -f (\S+)|\(cd (\S+) )",
        (plan / "RUNBOOK.md").read_text(), re.M,
    )
    paths = [p for found in relative for p in found if p]
    assert paths and all((project / where / p).exists() for p in paths), paths
    git(repo, "apply", "--check", str(plan / "phase-1.diff"))
    overlays = sorted((plan / "phase-1/_deploy/kustomize").iterdir())
    assert overlays
    runbook = (plan / "RUNBOOK.md").read_text()
    for overlay in overlays:
        assert f"kubectl apply -k {overlay}" in runbook
        if KUBECTL:
            subprocess.run([KUBECTL, "kustomize", str(overlay)], cwd=repo, check=True,
                           capture_output=True)
    assert (repo / folder / "envs/prod-values.yaml").is_file()


def test_demo_on_the_sample(project: Path) -> None:
    done = demo(project)
    assert done.returncode == 0, done.stderr
    assert "$ litemaas-upgrade plan . --out" in done.stdout
    assert "The copy that was planned is upgrade-demo/repo/ (a git repository)." in done.stdout
    assert done.stdout.count("\n  1. ") == 1 and "\n  3. " in done.stdout
    check_plan_works(project, ".", done.stdout)
    # Run again: the demo replaces its own folder.
    assert demo(project).returncode == 0


def test_demo_on_a_folder_in_a_git_repository(project: Path, tmp_path: Path) -> None:
    user = tmp_path / "user"
    shutil.copytree(SAMPLES, user / "deploy")
    init_repo(user)
    (user / "deploy/envs/prod-values.yaml").write_text("uncommitted: true\n")
    done = demo(project, "deploy", cwd=user)
    assert done.returncode == 0, done.stderr
    assert "has uncommitted changes; the demo uses its last commit (HEAD)" in done.stderr
    assert "The copy that was planned is deploy/ in upgrade-demo/repo/" in done.stdout
    assert "lint deploy --base HEAD" in done.stdout
    check_plan_works(project, "deploy", done.stdout)
    # The user's repository is as it was.
    assert git(user, "status", "--porcelain") == " M deploy/envs/prod-values.yaml\n"


def test_demo_on_a_plain_folder(project: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(SAMPLES, plain)
    done = demo(project, str(plain))
    assert done.returncode == 0, done.stderr
    assert not (plain / ".git").exists()
    check_plan_works(project, ".", done.stdout)


def test_demo_refuses_a_missing_folder_and_its_own_output(project: Path) -> None:
    done = demo(project, "no-such-folder")
    assert done.returncode == 2 and "no-such-folder: not a folder" in done.stderr
    assert demo(project).returncode == 0
    done = demo(project, "upgrade-demo/repo")
    assert done.returncode == 2 and "inside upgrade-demo/" in done.stderr
    assert (project / "upgrade-demo/repo/envs").is_dir()
