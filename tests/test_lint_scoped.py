"""Pre-commit mode (`lint FILE...`) resolves only the targets the changed files can reach,
and says exactly what a whole-repository resolution says: the same findings, targets and
base, with fewer files parsed. The reference is the same run with scoping turned off
(every target resolved on both sides, then the ones using the files kept: the behaviour
before scoping)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from litemaas_upgrade.lint import resolve
from litemaas_upgrade.lint.runner import run_rules
from litemaas_upgrade.records import asdict
from litemaas_upgrade.rules import load_rules
from litemaas_upgrade.yamlio import YamlFile
from litemaas_upgrade.yamlio.cache import PARSES

ROOT = Path(__file__).resolve().parents[1]
OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict]:
    out = tmp_path / "repo"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), str(out), "--n", "12"],
        check=True,
        capture_output=True,
    )
    return out, json.loads((out / "bench.json").read_text(encoding="utf-8"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, path
    path.write_text(text.replace(old, new), encoding="utf-8")


def lint(
    repo: Path, files: list[str], monkeypatch: pytest.MonkeyPatch, *, scoped: bool
) -> tuple[dict, int]:
    """(what lint reports, YAML parses) for `lint FILES` run in `repo`."""
    monkeypatch.chdir(repo)
    PARSES.clear()  # each counted run starts cold, as a run of the tool does
    parses = 0
    real = YamlFile.parse.__func__  # type: ignore[attr-defined]

    def counting(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal parses
        parses += 1
        return real(cls, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(YamlFile, "parse", classmethod(counting))
        if not scoped:
            m.setattr(resolve, "scope", lambda *a: None)
        notes: list[str] = []
        ctx = resolve.repository_context(load_rules(None), files, [], [], None, notes)
        result = run_rules(ctx, notes)
    report = {
        "findings": [asdict(f) for f in result.findings],
        "suppressed": [asdict(s) for s in result.suppressed],
        "targets": result.targets,
        "base": result.base,
        "notes": result.notes,
        "exit": result.exit_code(False),
        "checked": sorted((c.target.key, c.base.key if c.base else None) for c in ctx.checks),
    }
    return report, parses


def compare(repo: Path, files: list[str], monkeypatch: pytest.MonkeyPatch) -> dict:
    whole, whole_parses = lint(repo, files, monkeypatch, scoped=False)
    scoped, scoped_parses = lint(repo, files, monkeypatch, scoped=True)
    assert json.loads(json.dumps(scoped, default=str)) == json.loads(json.dumps(whole, default=str))
    assert scoped_parses < whole_parses
    return {"report": scoped, "scoped": scoped_parses, "whole": whole_parses}


def test_override_file_litellm_first(repo, monkeypatch: pytest.MonkeyPatch) -> None:
    path, manifest = repo
    rel = manifest["changed"]
    text = (path / rel).read_text(encoding="utf-8")
    (path / rel).write_text(text + f"\nlitellm:\n  image:\n    tag: {NEW_LLM}\n", "utf-8")
    out = compare(path, [rel], monkeypatch)
    assert out["report"]["exit"] == 1  # refused: LiteLLM before the backend
    assert out["report"]["targets"] == 1
    # One override file and the chart, at HEAD and on disk (the chart's unchanged files
    # parsed once for both): a fixed handful, not every file of the repository.
    assert out["scoped"] <= 8 and out["whole"] > 4 * out["scoped"], out


def test_vendored_chart_values_move_every_helm_target(
    repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, manifest = repo
    rel = f"{manifest['chart']}/values.yaml"
    edit(path / rel, f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"')
    out = compare(path, [rel], monkeypatch)
    assert out["report"]["exit"] == 1
    assert out["report"]["targets"] >= 1
    assert any(f["code"] == "LU001" for f in out["report"]["findings"])


def test_kustomize_base_moves_its_overlays(repo, monkeypatch: pytest.MonkeyPatch) -> None:
    path, manifest = repo
    base = manifest["kustomize_bases"][0]
    rel = f"{base}/litellm-deployment.yaml"
    edit(path / rel, OLD_LLM, NEW_LLM)
    out = compare(path, [rel], monkeypatch)
    assert out["report"]["exit"] == 1
    assert out["report"]["targets"] > 1  # the overlays over that base, not one file's folder


def test_kustomization_of_an_intermediate_overlay(repo, monkeypatch: pytest.MonkeyPatch) -> None:
    path, manifest = repo
    common = manifest["kustomize_intermediate"][0]
    rel = f"{common}/kustomization.yaml"
    text = (path / rel).read_text(encoding="utf-8")
    (path / rel).write_text(
        text + f"\nimages:\n  - name: ghcr.io/berriai/litellm-non_root\n    newTag: {NEW_LLM}\n",
        "utf-8",
    )
    out = compare(path, [rel], monkeypatch)
    assert out["report"]["exit"] == 1


def test_compose_and_unstaged_neighbours(repo, monkeypatch: pytest.MonkeyPatch) -> None:
    path, manifest = repo
    rel = manifest["compose"][0]
    edit(path / rel, OLD_LLM, NEW_LLM)
    # Another file changed on disk but not named: it can still move a named target's
    # base side, so the scoped run reads what it reaches as well.
    other = manifest["kustomize_bases"][0] + "/backend-deployment.yaml"
    edit(path / other, "litemaas-backend:0.1.3", "litemaas-backend:0.2.0")
    out = compare(path, [rel, manifest["helm"][0]], monkeypatch)
    assert out["report"]["targets"] == 2


def test_unchanged_file_named(repo, monkeypatch: pytest.MonkeyPatch) -> None:
    path, manifest = repo
    compare(path, [manifest["helm"][3]], monkeypatch)
