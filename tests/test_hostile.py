"""The hostile-input corpus (tests/hostile/cases.yaml): each case builds a small repository,
runs the real command line on it in-process, and checks the exit code, the messages, and
that nothing was changed, lost or left behind that should not be."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import SAMPLES, git, init_repo

HOSTILE = Path(__file__).parent / "hostile"
CASES: list[dict[str, Any]] = YAML(typ="safe").load((HOSTILE / "cases.yaml").read_text("utf-8"))

DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: backend\nspec:\n  template:\n"
    "    spec:\n      containers:\n        - name: backend\n"
    "          image: quay.io/rh-aiservices-bu/litemaas-backend:{tag}\n"
)
EVIL_VALUES = 'backend:\n  image:\n    tag: "6.6.6"\n'


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if encoding == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if encoding == "utf-32":
        return b"\xff\xfe\x00\x00" + text.encode("utf-32-le")
    return text.encode(encoding)


# --- generators for what does not belong in a text file in git ---------------------------------


def _deep_flow(repo: Path, tmp: Path) -> None:
    (repo / "envs/prod-values.yaml").write_text("backend: " + "[" * 5000 + "]" * 5000 + "\n")


def _deep_block(repo: Path, tmp: Path) -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(300)) + "  " * 300 + "leaf: 1\n"
    (repo / "envs/prod-values.yaml").write_text(text)


def _large_file(repo: Path, tmp: Path) -> None:
    (repo / "envs/prod-values.yaml").write_bytes(b"# padding\n" * (600 * 1024 + 1))


def _binary_file(repo: Path, tmp: Path) -> None:
    (repo / "envs/prod-values.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))


def _symlink_values_outside(repo: Path, tmp: Path) -> None:
    secret = tmp / "outside/secret-values.yaml"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(EVIL_VALUES)
    (repo / "envs/outside-values.yaml").symlink_to(secret)


def _symlink_folder_outside(repo: Path, tmp: Path) -> None:
    outside = tmp / "outside-envs"
    outside.mkdir()
    (outside / "evil-values.yaml").write_text(EVIL_VALUES)
    (repo / "linked").symlink_to(outside, target_is_directory=True)


def _symlink_loop(repo: Path, tmp: Path) -> None:
    (repo / "envs/loop-values.yaml").symlink_to("loop-values.yaml")


def _symlink_inside(repo: Path, tmp: Path) -> None:
    (repo / "envs/same-values.yaml").symlink_to("prod-values.yaml")


def _out_not_empty(repo: Path, tmp: Path) -> None:
    (tmp / "elsewhere").mkdir()
    (tmp / "elsewhere/keep.txt").write_text("mine\n")


def _git(repo: Path, tmp: Path) -> None:
    init_repo(repo)


def _git_shallow(repo: Path, tmp: Path) -> None:
    src = tmp / "upstream"
    shutil.copytree(repo, src)
    init_repo(src)
    (src / "envs/prod-values.yaml").write_text("backend:\n  replicaCount: 4\n")
    git(src, "commit", "-qam", "second")
    shutil.rmtree(repo)
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", src.as_uri(), str(repo)],
        check=True,
        capture_output=True,
    )


def _git_renamed(repo: Path, tmp: Path) -> None:
    init_repo(repo)
    git(repo, "mv", "envs/prod-values.yaml", "envs/production-values.yaml")
    git(repo, "rm", "-q", "envs/staging-values.yaml")


def _kustomize_escape(repo: Path, tmp: Path) -> None:
    base = tmp / "outside-base"
    base.mkdir()
    (base / "kustomization.yaml").write_text("resources:\n  - deployment.yaml\n")
    (base / "deployment.yaml").write_text(DEPLOYMENT.format(tag="6.6.6"))
    (repo / "k").mkdir()
    (repo / "k/kustomization.yaml").write_text("resources:\n  - ../../outside-base\n")


def _kustomize_symlink(repo: Path, tmp: Path) -> None:
    evil = tmp / "evil-deployment.yaml"
    evil.write_text(DEPLOYMENT.format(tag="6.6.6"))
    (repo / "k").mkdir()
    (repo / "k/kustomization.yaml").write_text("resources:\n  - deployment.yaml\n")
    (repo / "k/deployment.yaml").symlink_to(evil)


MAKERS: dict[str, Callable[[Path, Path], None]] = {
    "deep-flow": _deep_flow,
    "deep-block": _deep_block,
    "large-file": _large_file,
    "binary-file": _binary_file,
    "symlink-values-outside": _symlink_values_outside,
    "symlink-folder-outside": _symlink_folder_outside,
    "symlink-loop": _symlink_loop,
    "symlink-inside": _symlink_inside,
    "out-not-empty": _out_not_empty,
    "git": _git,
    "git-shallow": _git_shallow,
    "git-renamed": _git_renamed,
    "kustomize-escape": _kustomize_escape,
    "kustomize-symlink": _kustomize_symlink,
}


# --- running a case -------------------------------------------------------------------------


def build(case: dict[str, Any], tmp: Path) -> Path:
    repo = tmp / "repo"
    repo.mkdir()
    base = case.get("base", "helm")
    if base == "helm":
        shutil.copytree(SAMPLES / "charts", repo / "charts")
        shutil.copytree(SAMPLES / "envs", repo / "envs")
    elif base == "kustomize":
        shutil.copytree(SAMPLES / "kustomize", repo / "kustomize")
    folder = HOSTILE / case["case"]
    if folder.is_dir():
        shutil.copytree(folder, repo, dirs_exist_ok=True)
    encoding = case.get("encoding", "utf-8")
    for rel, text in (case.get("files") or {}).items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode(text, encoding))
    if "make" in case:
        MAKERS[case["make"]](repo, tmp)
    return repo


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file's bytes (a link: its target), `.git` aside."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in dirnames + filenames:
            full = Path(dirpath, name)
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                out[rel] = "-> " + os.readlink(full)
            elif full.is_file():
                out[rel] = full.read_bytes()
    return out


def leftovers(folder: Path) -> list[str]:
    """Temporary files and folders a write could leave behind (`.name.xxxx.tmp`, staging)."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob(".*")
        if ".git" not in p.parts and (p.name.endswith(".tmp") or p.is_dir())
    )


def case_id(case: dict[str, Any]) -> str:
    return f"{case['case']}[{' '.join(case['command'])}]"


def params() -> list[Any]:
    out = []
    for case in CASES:
        marks = []
        if case.get("xfail"):
            marks.append(pytest.mark.xfail(reason=case["xfail"], strict=True))
        out.append(pytest.param(case, id=case_id(case), marks=marks))
    return out


def test_cases_are_well_formed() -> None:
    known = {
        "case",
        "base",
        "files",
        "encoding",
        "make",
        "command",
        "exit",
        "message",
        "absent",
        "unchanged",
        "after",
        "links",
        "xfail",
    }
    for case in CASES:
        assert set(case) <= known, (case["case"], set(case) - known)
        assert {"case", "command", "exit"} <= set(case), case
        assert case.get("make") is None or case["make"] in MAKERS, case["make"]
    folders = {p.name for p in HOSTILE.iterdir() if p.is_dir()}
    assert folders <= {c["case"] for c in CASES}, folders - {c["case"] for c in CASES}


@pytest.mark.parametrize("case", params())
def test_hostile_case(case: dict[str, Any], cli, tmp_path: Path) -> None:
    repo = build(case, tmp_path)
    before = snapshot(repo)
    result = cli(*case["command"], cwd=repo)
    output = result.out + result.err
    assert "Traceback" not in output and "internal error" not in output, output
    assert result.code == case["exit"], output
    for pattern in case.get("message") or []:
        assert re.search(pattern, output, re.MULTILINE), f"{pattern!r} not in:\n{output}"
    for pattern in case.get("absent") or []:
        assert not re.search(pattern, output, re.MULTILINE), f"{pattern!r} in:\n{output}"
    after = snapshot(repo)
    if case.get("unchanged", case["exit"] != 0):
        assert after == before
    encoding = case.get("encoding", "utf-8")
    for rel, text in (case.get("after") or {}).items():
        assert after[rel] == encode(text, encoding), after[rel]
    for rel in case.get("links") or []:
        assert (repo / rel).is_symlink()
    assert leftovers(tmp_path) == [], leftovers(tmp_path)
