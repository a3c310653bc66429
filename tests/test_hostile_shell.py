"""Issue 15 §7: what a pull request names cannot run in the operator's shell, and diff
headers name odd files as git does.

- Release names and namespaces in `.litemaas-upgrade.yaml` must be names helm and
  Kubernetes take; anything else is refused at its line:col (exit 3).
- Every word the runbook takes from the repository (folders, files, object names) is
  quoted for the shell: the runbook's commands, run by bash against recording stand-ins
  for helm, kubectl and docker, create nothing and pass each odd name as one argument.
- Diff headers quote file names exactly as `git diff` does, and `git apply` takes them."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SAMPLES, git, init_repo, write

CHART_CONFIG = (
    "helm:\n  - name: prod\n    chart: charts/litemaas\n    values: [envs/prod-values.yaml]\n"
    "    release: {release}\n    namespace: {namespace}\n"
)


@pytest.mark.parametrize(
    ("release", "namespace", "key", "message"),
    [
        ("'dev;$(touch PWN)'", "litemaas", "release", "is not a Helm release name"),
        ("Prod", "litemaas", "release", "is not a Helm release name"),
        ("lm_prod", "litemaas", "release", "is not a Helm release name"),
        ("a" * 54, "litemaas", "release", "is not a Helm release name"),
        ("lm", "'ns name'", "namespace", "is not a Kubernetes namespace name"),
        ("lm", "-lead", "namespace", "is not a Kubernetes namespace name"),
        ("lm", "a.b", "namespace", "is not a Kubernetes namespace name"),
        ("lm", "n" * 64, "namespace", "is not a Kubernetes namespace name"),
    ],
)
def test_config_refuses_names_helm_or_kubernetes_would_not_take(
    cli, helm_repo: Path, tmp_path: Path, release: str, namespace: str, key: str, message: str
) -> None:
    config = CHART_CONFIG.format(release=release, namespace=namespace)
    write(helm_repo / ".litemaas-upgrade.yaml", config)
    line = 5 if key == "release" else 6
    col = config.splitlines()[line - 1].index(":") + 3
    out = tmp_path / "up"
    result = cli("plan", ".", "--out", str(out), cwd=helm_repo)
    assert result.code == 3, result.err
    assert f".litemaas-upgrade.yaml:{line}:{col}: config: helm[0].{key}: " in result.err
    assert message in result.err and "Traceback" not in result.err
    assert not out.exists() and not list(helm_repo.rglob("PWN"))


def test_config_takes_real_names(cli, helm_repo: Path, tmp_path: Path) -> None:
    write(helm_repo / ".litemaas-upgrade.yaml",
          CHART_CONFIG.format(release="lm-prod.v2", namespace="litemaas-prod"))
    assert cli("plan", ".", "--out", str(tmp_path / "up"), cwd=helm_repo).code == 0
    assert "helm upgrade lm-prod.v2 charts/litemaas -n litemaas-prod" in (
        tmp_path / "up/RUNBOOK.md").read_text()


ODD = "x;$(touch PWN) `touch PWN`"


def hostile_repo(tmp_path: Path) -> Path:
    """The sample repository with its compose file, Kustomize tree and an override file
    moved under names that are shell code."""
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLES / "charts", repo / "charts")
    shutil.copytree(SAMPLES / "envs", repo / "envs")
    shutil.copytree(SAMPLES / "kustomize", repo / f"k {ODD}")
    shutil.copytree(SAMPLES / "dev-tools", repo / f"c {ODD}")
    os.rename(repo / "envs/prod-values.yaml", repo / f"envs/prod-values {ODD}.yaml")
    return init_repo(repo)


def bash_blocks(markdown: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)\n```", markdown, re.S)


def stand_ins(folder: Path, log: Path) -> dict[str, str]:
    """helm, kubectl and docker that only record their arguments, one per line (NUL
    would be exact, but no odd name here holds a newline)."""
    folder.mkdir()
    for name in ("helm", "kubectl", "docker"):
        tool = folder / name
        tool.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done >> "{log}"\n'
                        f'echo "--" >> "{log}"\n')
        tool.chmod(0o755)
    return {"PATH": f"{folder}:/usr/bin:/bin", "HOME": str(folder)}


def test_runbook_commands_pass_odd_names_as_one_word(cli, tmp_path: Path) -> None:
    repo = hostile_repo(tmp_path)
    out = tmp_path / f"out {ODD}"
    result = cli("plan", ".", "--out", str(out), cwd=repo)
    assert result.code == 0, result.err
    runbook = (out / "RUNBOOK.md").read_text()
    blocks = bash_blocks(runbook)
    runnable = [b for b in blocks if b.split()[0] in ("helm", "kubectl", "docker")]
    assert len(runnable) >= 4, blocks
    log = tmp_path / "argv.log"
    env = stand_ins(tmp_path / "bin", log)
    for block in runnable:  # the operator fills in the placeholders first
        block = block.replace("<release>", "lm").replace("<namespace>", "lm")
        subprocess.run(["bash", "-c", block], cwd=repo, env=env, check=True)
    assert not list(tmp_path.rglob("PWN")), "a runbook command ran code from a file name"
    args = log.read_text().splitlines()
    # every odd folder or file reached its tool whole, as one argument
    assert any(a.endswith(f"/kustomize/k {ODD}__overlays__prod") for a in args), args
    assert f"c {ODD}/compose.yaml" in args, args
    assert f"envs/prod-values {ODD}.yaml" in args, args
    assert any(f"out {ODD}/phase-1/" in a for a in args), args
    # the git apply the runbook names, as a word the shell reads back whole
    apply_line = re.search(r"\(`(git apply .*?phase-1\.diff'?)`, or", runbook)
    assert apply_line is not None
    assert shlex.split(apply_line.group(1))[2].endswith(f"out {ODD}/phase-1.diff")


ODD_FILES = ["sp ace.yaml", "t\tab.yaml", 'q"uote.yaml', "back\\slash.yaml", "é.yaml",
             "new\nline.yaml", "del\x7f.yaml"]
HEADER = re.compile(r"^(diff --git .*|--- .*|\+\+\+ .*)$", re.M)


def test_diff_headers_quote_names_as_git_does(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for name in ODD_FILES:
        write(repo / name, "backend:\n  image:\n    tag: 0.1.3\n")
    init_repo(repo)
    for name in ODD_FILES:
        write(repo / name, "backend:\n  image:\n    tag: 0.2.0\n")
    ours = cli("diff", ".", "--base", "HEAD", cwd=repo)
    assert ours.code == 0, ours.err
    theirs = git(repo, "-c", "core.quotePath=true", "diff", "HEAD")
    assert HEADER.findall(ours.out) == HEADER.findall(theirs)
    assert len(HEADER.findall(ours.out)) == 3 * len(ODD_FILES)
    # and git reads them back: the diff reverses the change exactly
    patch = tmp_path / "p.diff"
    patch.write_text(ours.out)
    git(repo, "apply", "-R", str(patch))
    assert git(repo, "status", "--porcelain") == ""
