"""Umbrella charts: the LiteMaaS chart vendored as a dependency folder of the operator's
own chart (`sample-charts/umbrella/`). The subchart's values.yaml holds the images, the
umbrella's values override them under the dependency's alias (`ai`), and an empty tag
falls back to the SUBCHART's appVersion. Every effective image is checked against what
the real Helm engine renders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import rendered_images

helm = pytest.importorskip("helm_python", reason="helm-python-sdk (extra 'render') not installed")

SAMPLES = Path(__file__).resolve().parents[1] / "sample-charts"
UMBRELLA = SAMPLES / "umbrella"

OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"
BACKEND = "quay.io/rh-aiservices-bu/litemaas-backend"
FRONTEND = "quay.io/rh-aiservices-bu/litemaas-frontend"
MIRROR = "registry.example.com/mirror/litellm-non_root"


@pytest.fixture
def umbrella(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(UMBRELLA, repo)
    return repo


def scan(cli, repo: Path) -> list[dict]:
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    return json.loads(result.out)["targets"]


def images(target: dict) -> dict[str, str]:
    return {name: c["image"] for name, c in target["components"].items()}


def test_scan_reads_the_vendored_subchart_and_matches_helm(cli, umbrella: Path) -> None:
    targets = scan(cli, umbrella)
    # One release: the umbrella with the override file; the vendored subchart is part of
    # it, not a chart of its own.
    assert [(t["kind"], t["path"]) for t in targets] == [("helm", "envs/prod-values.yaml")]
    target = targets[0]
    assert target["stage"] == "before-upgrade"
    want = {
        "backend": f"{BACKEND}:0.1.3",
        "frontend": f"{FRONTEND}:0.1.3",
        "litellm": f"{MIRROR}:{OLD_LLM}",
    }
    assert images(target) == want
    assert rendered_images(umbrella / "platform", [umbrella / "envs/prod-values.yaml"]) == want

    sites = {
        name: [(s["file"], s["line"], s["col"], s["path"], s["decides"]) for s in c["sites"]]
        for name, c in target["components"].items()
    }
    sub = "platform/charts/litemaas"
    assert sites["backend"] == [
        (f"{sub}/values.yaml", 72, 17, "backend.image.repository", "repository"),
        (f"{sub}/Chart.yaml", 7, 13, "appVersion", "tag"),  # the subchart's appVersion
    ]
    assert sites["frontend"][1] == (f"{sub}/Chart.yaml", 7, 13, "appVersion", "tag")
    assert sites["litellm"] == [
        ("platform/values.yaml", 8, 19, "ai.litellm.image.repository", "repository"),
        (f"{sub}/values.yaml", 50, 10, "litellm.image.tag", "tag"),
    ]
    notes = {s["note"] for s in target["components"]["litellm"]["sites"]}
    assert notes == {"chart default", "subchart default, under ai"}
    # The sites point at the text they name.
    lines = (umbrella / sub / "values.yaml").read_text().splitlines()
    assert lines[49][9:].startswith('"main-v1.74.7-stable"')
    assert lines[71][16:].startswith(BACKEND)


def test_the_umbrella_app_version_is_not_the_fallback(cli, umbrella: Path) -> None:
    """The umbrella's own appVersion says nothing about the images its subchart renders."""
    meta = umbrella / "platform/Chart.yaml"
    meta.write_text(meta.read_text().replace('appVersion: "2025.11"', 'appVersion: "9.9.9"'))
    (target,) = scan(cli, umbrella)
    assert images(target)["backend"] == f"{BACKEND}:0.1.3"
    assert rendered_images(umbrella / "platform", [umbrella / "envs/prod-values.yaml"])[
        "backend"
    ] == (f"{BACKEND}:0.1.3")


def test_phases_edit_the_override_file_under_the_alias_and_render(cli, umbrella: Path) -> None:
    override = umbrella / "envs/prod-values.yaml"
    before = {p: p.read_bytes() for p in (umbrella / "platform").rglob("*") if p.is_file()}
    original = override.read_text()

    result = cli("apply", ".", "--phase", "1", cwd=umbrella)
    assert result.code == 0, result.err
    assert override.read_text() == original + (
        '    image:\n      tag: "0.2.0"\n'
        '  frontend:\n    image:\n      tag: "0.2.0"\n'
        f"  litellm:\n    image:\n      tag: {OLD_LLM}\n"
    )
    phase1 = {
        "backend": f"{BACKEND}:0.2.0",
        "frontend": f"{FRONTEND}:0.2.0",
        "litellm": f"{MIRROR}:{OLD_LLM}",
    }
    assert images(scan(cli, umbrella)[0]) == phase1
    assert rendered_images(umbrella / "platform", [override]) == phase1

    result = cli("apply", ".", "--phase", "2", cwd=umbrella)
    assert result.code == 0, result.err
    assert override.read_text() == original + (
        '    image:\n      tag: "0.2.0"\n'
        '  frontend:\n    image:\n      tag: "0.2.0"\n'
        f"  litellm:\n    image:\n      tag: {NEW_LLM}\n"
    )
    phase2 = dict(phase1, litellm=f"{MIRROR}:{NEW_LLM}")
    (target,) = scan(cli, umbrella)
    assert images(target) == phase2
    assert target["stage"] == "phase-2-done"  # the default is the whole path: 0.4.0 next
    assert rendered_images(umbrella / "platform", [override]) == phase2

    # Phase 3 (the v0.4.0 guide): LiteMaaS to 0.4.0; the LiteLLM mirror is not a
    # repository the guide moves to the fork, so it stays (with a warning).
    result = cli("apply", ".", "--phase", "3", cwd=umbrella)
    assert result.code == 0, result.err
    assert "litellm comes from registry.example.com/mirror/litellm-non_root" in result.err
    assert override.read_text() == original + (
        '    image:\n      tag: "0.4.0"\n'
        '  frontend:\n    image:\n      tag: "0.4.0"\n'
        f"  litellm:\n    image:\n      tag: {NEW_LLM}\n"
    )
    phase3 = dict(phase2, backend=f"{BACKEND}:0.4.0", frontend=f"{FRONTEND}:0.4.0")
    (target,) = scan(cli, umbrella)
    assert images(target) == phase3
    assert target["stage"] == "upgraded"
    assert rendered_images(umbrella / "platform", [override]) == phase3
    # Nothing in the umbrella chart or its vendored subchart was touched.
    after = {p: p.read_bytes() for p in (umbrella / "platform").rglob("*") if p.is_file()}
    assert after == before


def test_plan_phase_values_files_render(cli, umbrella: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli("plan", ".", "--out", str(out), cwd=umbrella)
    assert result.code == 0, result.err
    diffs = (out / "phase-1.diff").read_text() + (out / "phase-2.diff").read_text()
    assert "+++ b/envs/prod-values.yaml" in diffs
    assert "charts/litemaas" not in diffs and "platform/values.yaml" not in diffs
    override = umbrella / "envs/prod-values.yaml"
    thin = "_deploy/values/envs__prod-values.yaml"
    assert rendered_images(umbrella / "platform", [override, out / "phase-1" / thin]) == {
        "backend": f"{BACKEND}:0.2.0",
        "frontend": f"{FRONTEND}:0.2.0",
        "litellm": f"{MIRROR}:{OLD_LLM}",
    }
    assert rendered_images(umbrella / "platform", [override, out / "phase-2" / thin]) == {
        "backend": f"{BACKEND}:0.2.0",
        "frontend": f"{FRONTEND}:0.2.0",
        "litellm": f"{MIRROR}:{NEW_LLM}",
    }
    # The phase trees hold only the override file: never the vendored chart.
    for phase in ("phase-1", "phase-2"):
        files = sorted(
            p.relative_to(out / phase).as_posix()
            for p in (out / phase).rglob("*")
            if p.is_file() and "_deploy" not in p.parts
        )
        assert files == ["envs/prod-values.yaml"]


def test_without_alias_the_key_is_the_chart_name(cli, umbrella: Path) -> None:
    meta = umbrella / "platform/Chart.yaml"
    meta.write_text(
        meta.read_text().replace("    alias: ai\n", "").replace("ai.enabled", "litemaas.enabled")
    )
    for rel in ("platform/values.yaml", "envs/prod-values.yaml"):
        path = umbrella / rel
        path.write_text(path.read_text().replace("\nai:\n", "\nlitemaas:\n"))
    (target,) = scan(cli, umbrella)
    want = {
        "backend": f"{BACKEND}:0.1.3",
        "frontend": f"{FRONTEND}:0.1.3",
        "litellm": f"{MIRROR}:{OLD_LLM}",
    }
    assert images(target) == want
    assert rendered_images(umbrella / "platform", [umbrella / "envs/prod-values.yaml"]) == want
    result = cli("apply", ".", "--phase", "1", cwd=umbrella)
    assert result.code == 0, result.err
    assert (
        'litemaas:\n  backend:\n    replicaCount: 3\n    image:\n      tag: "0.2.0"\n'
        in (umbrella / "envs/prod-values.yaml").read_text()
    )
    assert rendered_images(umbrella / "platform", [umbrella / "envs/prod-values.yaml"])[
        "backend"
    ] == (f"{BACKEND}:0.2.0")


def test_a_false_condition_deploys_nothing(cli, umbrella: Path) -> None:
    override = umbrella / "envs/prod-values.yaml"
    override.write_text(override.read_text().replace("ai:\n", "ai:\n  enabled: false\n"))
    assert rendered_images(umbrella / "platform", [override]) == {}
    result = cli("scan", ".", "--format", "json", cwd=umbrella)
    assert result.code == 0, result.err
    (target,) = json.loads(result.out)["targets"]
    assert target["components"] == {}
    findings = target["findings"]
    assert {f["code"] for f in findings} == {"LU010"}
    assert len(findings) == 3
    assert all("(ai.enabled: false)" in f["message"] for f in findings)


def test_chart_alone_edits_the_umbrella_values_not_the_subchart(cli, umbrella: Path) -> None:
    shutil.rmtree(umbrella / "envs")
    sub = umbrella / "platform/charts"
    before = {p: p.read_bytes() for p in sub.rglob("*") if p.is_file()}
    result = cli("apply", ".", "--phase", "1", cwd=umbrella)
    assert result.code == 0, result.err
    values = (umbrella / "platform/values.yaml").read_text()
    assert '      tag: main-v1.74.7-stable\n  backend:\n    image:\n      tag: "0.2.0"\n' in values
    assert {p: p.read_bytes() for p in sub.rglob("*") if p.is_file()} == before
    assert rendered_images(umbrella / "platform", []) == {
        "backend": f"{BACKEND}:0.2.0",
        "frontend": f"{FRONTEND}:0.2.0",
        "litellm": f"{MIRROR}:{OLD_LLM}",
    }


def test_lint_catches_litellm_first_under_the_alias(cli, umbrella: Path) -> None:
    override = umbrella / "envs/prod-values.yaml"
    override.write_text(override.read_text() + f'  litellm:\n    image:\n      tag: "{NEW_LLM}"\n')
    assert rendered_images(umbrella / "platform", [override])["litellm"] == f"{MIRROR}:{NEW_LLM}"
    result = cli("lint", ".", "--format", "json", cwd=umbrella)
    assert result.code == 1, result.out
    findings = json.loads(result.out)
    assert "LU001" in json.dumps(findings) and "envs/prod-values.yaml" in json.dumps(findings)
