"""Start-up stays lean: each command imports only what it uses (the pre-commit hook runs
`lint` on every commit). Checked in a fresh interpreter, by the modules loaded once the
command has run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
sys.argv = ["litemaas-upgrade", *sys.argv[1:]]
from litemaas_upgrade.launch import dispatch
try:
    dispatch(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
modules = sorted(sys.modules)
import json
print(json.dumps({"exit": code, "modules": modules}))
"""

HEAVY = ("deepdiff", "jsonpatch", "helm_python")
# Only `plan`, `apply` and `diff` edit files or render.
EDITING = ("litemaas_upgrade.yamlio.edit", "litemaas_upgrade.yamlio.embedded", "difflib")


def loaded(args: list[str], cwd: Path) -> tuple[int, set[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return out["exit"], set(out["modules"])


def test_version_loads_no_reader(tmp_path: Path) -> None:
    code, modules = loaded(["--version"], tmp_path)
    assert code == 0
    assert not {m for m in modules if m.startswith(("yaml", "ruamel", "litemaas_upgrade.managers"))}


def test_precommit_lint_loads_no_editor_and_no_heavy_module(sample_repo: Path) -> None:
    values = sample_repo / "envs" / "prod-values.yaml"
    values.write_text(values.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    code, modules = loaded(["lint", "envs/prod-values.yaml"], sample_repo)
    assert code == 0
    assert "litemaas_upgrade.managers.helm.release" in modules  # it did resolve targets
    assert not modules & {*HEAVY, *EDITING}, modules & {*HEAVY, *EDITING}
    assert not {m for m in modules if m.startswith("litemaas_upgrade.diff")}
    # File names need no parser; records are not dataclasses (bench/README.md: each of
    # these costs a pre-commit run more than its whole own work).
    unneeded = {"click", "dataclasses", "inspect", "typing", "json"}
    assert not modules & unneeded, modules & unneeded
    # Plan-only modules, and the reader of files that are not YAML (none here).
    lazy = {
        "litemaas_upgrade.managers.helm.update",
        "litemaas_upgrade.managers.gitops.anchors",
        "litemaas_upgrade.sniff",
    }
    assert not modules & lazy, modules & lazy
    # The same command through the command line does load click: the check sees it.
    code, modules = loaded(["lint", "--", "envs/prod-values.yaml"], sample_repo)
    assert code == 0 and "click" in modules


def test_scan_loads_no_heavy_module(sample_repo: Path) -> None:
    code, modules = loaded(["scan", ".", "--format", "json"], sample_repo)
    assert code == 0
    # (difflib may come in: the sample has an unused Kustomize `images:` entry, and the
    # finding suggests the closest image names.)
    unwanted = {*HEAVY, *EDITING} - {"difflib"}
    assert not modules & unwanted, modules & unwanted


def test_the_check_can_fail(sample_repo: Path) -> None:
    # A command that needs one of them does load it, so the checks above see imports.
    code, modules = loaded(["diff", ".", "--phase", "1", "--format", "jsonpatch"], sample_repo)
    assert code == 0
    assert "jsonpatch" in modules and "litemaas_upgrade.yamlio.edit" in modules
