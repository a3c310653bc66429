"""plan / apply on the Helm part of the sample: every written file pinned (by a snapshot,
or as the pinned diff applied), each phase checked by rendering the sample chart with the
real Helm engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import git, rendered_images, write
from litemaas_upgrade.rules import load_rules
from plan_excerpts import (
    check_copies,
    is_copy,
    plan_digest,
    runbook_checklists,
    runbook_outline,
    written_files,
)

helm = pytest.importorskip("helm_python", reason="helm-python-sdk (extra 'render') not installed")

OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"


def test_plan_writes_every_file_and_snapshots_pin_them(
    cli, helm_repo: Path, tmp_path: Path, snapshot
) -> None:
    """Each phase's diff and thin values files as written, the RUNBOOK less the rules'
    checklists, plan.json as a digest of all its values; the `phase-N/` copies of the values
    files are the pinned diffs applied (plan_excerpts says what each keeps)."""
    result = cli("plan", ".", "--out", "upgrade", cwd=helm_repo)
    assert result.code == 0, result.err
    out = helm_repo / "upgrade"
    files = written_files(out)
    assert files == [
        ".litemaas-upgrade-output",
        "RUNBOOK.md",
        "phase-1.diff",
        "phase-1/_deploy/values/envs__prod-values.yaml",
        "phase-1/_deploy/values/envs__staging-values.yaml",
        "phase-1/envs/prod-values.yaml",
        "phase-1/envs/staging-values.yaml",
        "phase-2.diff",
        "phase-2/_deploy/values/envs__prod-values.yaml",
        "phase-2/_deploy/values/envs__staging-values.yaml",
        "phase-2/envs/prod-values.yaml",
        "phase-2/envs/staging-values.yaml",
        # The default is the whole path: the v0.4.0 guide's phase after the v0.2.0 guide's.
        "phase-3.diff",
        "phase-3/_deploy/values/envs__prod-values.yaml",
        "phase-3/_deploy/values/envs__staging-values.yaml",
        "phase-3/envs/prod-values.yaml",
        "phase-3/envs/staging-values.yaml",
        "plan.json",
    ]
    assert check_copies(helm_repo, out, tmp_path / "clone") == 6
    for name in files:
        text = (out / name).read_text()
        if name == "plan.json":
            assert plan_digest(text) == snapshot(name="plan.json (digest)")
        elif name == "RUNBOOK.md":
            # The checklists are the rules' (test_kustomize_plan pins their text whole).
            # 15 of the v0.2.0 guide; 4 before phase 3, its 7 checks and its rollback.
            assert runbook_checklists(text, load_rules()) == 27
            assert runbook_outline(text) == snapshot(name="RUNBOOK.md (outline)")
        elif not is_copy(name):
            assert text == snapshot(name=name)


@pytest.mark.parametrize("form", ["edited-files", "thin-values-files"])
def test_phases_render_to_the_right_images_with_real_helm(cli, helm_repo: Path, form: str) -> None:
    assert cli("plan", ".", "--out", "upgrade", cwd=helm_repo).code == 0
    chart = helm_repo / "charts/litemaas"
    up = helm_repo / "upgrade"
    for env, llm_repo in (
        ("prod", "registry.example.com/mirror/litellm-non_root"),
        ("staging", "ghcr.io/berriai/litellm-non_root"),
    ):
        original = helm_repo / f"envs/{env}-values.yaml"
        assert rendered_images(chart, [original]) == {
            "backend": "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3",
            "frontend": "quay.io/rh-aiservices-bu/litemaas-frontend:0.1.3",
            "litellm": f"{llm_repo}:{OLD_LLM}",
        }
        # Phase 3 (the default path goes on to 0.4.0): the fork for upstream's LiteLLM,
        # repository and tag together; a mirror is left as it is.
        fork = "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom"
        last = f"{llm_repo}:{NEW_LLM}" if env == "prod" else fork
        for phase, version, llm in (
            (1, "0.2.0", f"{llm_repo}:{OLD_LLM}"),
            (2, "0.2.0", f"{llm_repo}:{NEW_LLM}"),
            (3, "0.4.0", last),
        ):
            if form == "edited-files":
                files = [up / f"phase-{phase}/envs/{env}-values.yaml"]
            else:
                files = [original, up / f"phase-{phase}/_deploy/values/envs__{env}-values.yaml"]
            assert rendered_images(chart, files) == {
                "backend": f"quay.io/rh-aiservices-bu/litemaas-backend:{version}",
                "frontend": f"quay.io/rh-aiservices-bu/litemaas-frontend:{version}",
                "litellm": llm,
            }, (env, phase, form)


def test_phase_1_pins_litellm_against_a_chart_update(cli, helm_repo: Path) -> None:
    """The trap: after phase 1, moving the vendored chart to 0.2.0 must not move LiteLLM."""
    assert cli("apply", ".", "--phase", "1", cwd=helm_repo).code == 0
    values = helm_repo / "charts/litemaas/values.yaml"
    values.write_text(values.read_text().replace(OLD_LLM, NEW_LLM))
    chart_yaml = helm_repo / "charts/litemaas/Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace('"0.1.3"', '"0.2.0"'))
    images = rendered_images(helm_repo / "charts/litemaas", [helm_repo / "envs/prod-values.yaml"])
    assert images["litellm"].endswith(OLD_LLM)
    assert images["backend"].endswith(":0.2.0")


def test_diffs_apply_with_git_and_match_apply(cli, helm_repo: Path, tmp_path: Path) -> None:
    assert cli("plan", ".", "--out", str(tmp_path / "up"), cwd=helm_repo).code == 0
    git(helm_repo, "apply", "--check", str(tmp_path / "up/phase-1.diff"))
    git(helm_repo, "apply", str(tmp_path / "up/phase-1.diff"))
    for name in ("prod", "staging"):
        rel = f"envs/{name}-values.yaml"
        assert (helm_repo / rel).read_bytes() == (tmp_path / "up/phase-1" / rel).read_bytes()
    for phase in ("2", "3"):  # the default is the whole path
        git(helm_repo, "apply", str(tmp_path / f"up/phase-{phase}.diff"))
        for name in ("prod", "staging"):
            rel = f"envs/{name}-values.yaml"
            want = (tmp_path / f"up/phase-{phase}" / rel).read_bytes()
            assert (helm_repo / rel).read_bytes() == want


def test_apply_phase_1_then_again_changes_nothing(cli, helm_repo: Path) -> None:
    first = cli("apply", ".", "--phase", "1", cwd=helm_repo)
    assert first.code == 0 and "2 file(s) edited" in first.err
    status = git(helm_repo, "status", "--porcelain")
    assert sorted(status.split()) == sorted(
        ["M", "envs/prod-values.yaml", "M", "envs/staging-values.yaml"]
    )
    mtimes = {p: p.stat().st_mtime_ns for p in (helm_repo / "envs").iterdir()}
    again = cli("apply", ".", "--phase", "1", cwd=helm_repo)
    assert again.code == 0 and "nothing to do" in again.err
    assert {p: p.stat().st_mtime_ns for p in (helm_repo / "envs").iterdir()} == mtimes
    scan = json.loads(cli("scan", ".", "--format", "json", cwd=helm_repo).out)
    assert {t["stage"] for t in scan["targets"]} == {"phase-1-done"}


def test_apply_phase_2_refused_before_phase_1(cli, helm_repo: Path) -> None:
    result = cli("apply", ".", "--phase", "2", cwd=helm_repo)
    assert result.code == 1
    # A refusal, with its code (lint --explain LU012 says why), like any other.
    assert result.err.startswith(
        "error LU012: phase 2 is unsafe for this repository: phase 1 is not done in it yet ("
    )
    assert "file(s) would change): apply --phase 1 first, deploy and verify it" in result.err
    assert git(helm_repo, "status", "--porcelain") == ""


def test_repository_at_phase_1_gets_only_phase_2(cli, helm_repo: Path, tmp_path: Path) -> None:
    assert cli("apply", ".", "--phase", "1", cwd=helm_repo).code == 0
    assert cli("plan", ".", "--out", str(tmp_path / "up"), cwd=helm_repo).code == 0
    plan = json.loads((tmp_path / "up/plan.json").read_text())
    assert plan["phases"][0]["steps"] == []
    assert (tmp_path / "up/phase-1.diff").read_text() == ""
    assert [s["set"] for s in plan["phases"][1]["steps"]] == [{"litellm": NEW_LLM}] * 2


def test_invalid_state_gets_a_repair_plan_and_a_loud_warning(
    cli, helm_repo: Path, tmp_path: Path
) -> None:
    write(helm_repo / "envs/broken-values.yaml", f"litellm:\n  image:\n    tag: {NEW_LLM}\n")
    result = cli("plan", ".", "--out", str(tmp_path / "up"), cwd=helm_repo)
    assert result.code == 0
    assert "INVALID STATE" in result.err
    plan = json.loads((tmp_path / "up/plan.json").read_text())
    step = next(s for s in plan["phases"][0]["steps"] if s["target"] == "envs/broken-values.yaml")
    # Phase 1 repairs it (LiteLLM is already at the v0.2.0 guide's phase 2); phase 3 takes
    # it on to 0.4.0 with the others (the default is the whole path).
    assert step["stage_before"] == "invalid" and step["stage_after"] == "phase-2-done"
    assert step["set"] == {"backend": "0.2.0", "frontend": "0.2.0"}
    last = next(s for s in plan["phases"][2]["steps"] if s["target"] == "envs/broken-values.yaml")
    assert last["stage_before"] == "phase-2-done" and last["stage_after"] == "upgraded"
    assert "INVALID STATE" in (tmp_path / "up/RUNBOOK.md").read_text()


def test_tag_options_override_the_rules(cli, helm_repo: Path, tmp_path: Path) -> None:
    result = cli(
        "plan",
        ".",
        "--out",
        str(tmp_path / "up"),
        "--backend-tag",
        "0.2.1",
        "--frontend-tag",
        "0.2.1",
        "--litellm-tag",
        "main-v1.81.3-stable",
        "--to",
        "0.2.0",  # the v0.2.0 guide's tags (a tag option is the last guide's of the chain)
        cwd=helm_repo,
    )
    assert result.code == 0, result.err
    diff1 = (tmp_path / "up/phase-1.diff").read_text()
    assert '+    tag: "0.2.1"' in diff1 and "0.2.0" not in diff1
    assert "main-v1.81.3-stable" in (tmp_path / "up/phase-2.diff").read_text()


def test_plan_refuses_a_non_empty_out_without_force(cli, helm_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "up"
    write(out / "keep.txt", "mine\n")
    result = cli("plan", ".", "--out", str(out), cwd=helm_repo)
    assert result.code == 2 and "not empty" in result.err
    assert (out / "keep.txt").read_text() == "mine\n"
    # --force replaces only an earlier plan's output (issue 15: tests/test_hostile_marker.py).
    forced = cli("plan", ".", "--out", str(out), "--force", cwd=helm_repo)
    assert forced.code == 2 and "not one (it has no .litemaas-upgrade-output marker)" in forced.err
    assert (out / "keep.txt").read_text() == "mine\n"
    (out / "keep.txt").unlink()
    assert cli("plan", ".", "--out", str(out), cwd=helm_repo).code == 0
    assert cli("plan", ".", "--out", str(out), "--force", cwd=helm_repo).code == 0
    assert (out / "plan.json").exists()


def test_out_folder_inside_the_repository_is_not_scanned_later(cli, helm_repo: Path) -> None:
    assert cli("plan", ".", "--out", "upgrade", cwd=helm_repo).code == 0
    scan = json.loads(cli("scan", ".", "--format", "json", cwd=helm_repo).out)
    assert all(not t["path"].startswith("upgrade/") for t in scan["targets"])


def test_chart_without_override_files_edits_its_values(cli, tmp_path: Path) -> None:
    import shutil

    from conftest import SAMPLES

    shutil.copytree(SAMPLES / "charts/litemaas", tmp_path / "litemaas")
    result = cli("apply", ".", "--phase", "1", "--dry-run", cwd=tmp_path)
    assert result.code == 0
    assert "a/litemaas/values.yaml" in result.out
    assert '-    tag: ""\n+    tag: "0.2.0"' in result.out


def test_plan_and_apply_refuse_tags_that_would_break_the_rule(
    cli, helm_repo: Path, tmp_path: Path
) -> None:
    """--backend-tag below the boundary would make phase 2 deploy LiteLLM 1.81 with an old
    backend: refused, exit 1, nothing written (the v0.2.0 guide's tags: --to 0.2.0)."""
    bad = ("--backend-tag", "0.1.9", "--frontend-tag", "0.1.9", "--to", "0.2.0")
    result = cli("plan", ".", "--out", str(tmp_path / "up"), *bad, cwd=helm_repo)
    assert result.code == 1
    assert "phase 2 is unsafe for envs/prod-values.yaml" in result.err
    assert "litellm main-v1.81.0-stable with backend 0.1.9" in result.err
    assert not (tmp_path / "up").exists()
    for phase in ("1", "2"):
        assert cli("apply", ".", "--phase", phase, *bad, cwd=helm_repo).code == 1
    assert git(helm_repo, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--litellm-tag", "bad tag", "not a valid image tag"),
        ("--litellm-tag", "main-latest", "no version can be read"),
        ("--backend-tag", "latest", "no version can be read"),
    ],
)
def test_target_tags_are_validated(
    cli, helm_repo: Path, option: str, value: str, message: str
) -> None:
    result = cli("apply", ".", "--phase", "1", option, value, cwd=helm_repo)
    assert result.code == 2 and message in result.err
    assert git(helm_repo, "status", "--porcelain") == ""


def test_runbook_uses_the_release_and_namespace_the_config_names(
    cli, helm_repo: Path, tmp_path: Path
) -> None:
    write(
        helm_repo / ".litemaas-upgrade.yaml",
        "helm:\n  - name: prod\n    chart: charts/litemaas\n    values: [envs/prod-values.yaml]\n"
        "    release: lm-prod\n    namespace: litemaas-prod\n",
    )
    assert cli("plan", ".", "--out", str(tmp_path / "up"), cwd=helm_repo).code == 0
    runbook = (tmp_path / "up/RUNBOOK.md").read_text()
    assert "helm upgrade lm-prod charts/litemaas -n litemaas-prod \\" in runbook
    assert "<release>" not in runbook


def test_a_refused_plan_leaves_nothing_beside_the_out_folder(
    cli, helm_repo: Path, tmp_path: Path
) -> None:
    """plan --out stages each phase's files beside the output folder as soon as the phase
    is planned: phase 1 is staged before phase 2 is found unsafe (LU012), and a refused
    plan, like a refused output folder, leaves no staging folder and no partial output."""
    parent = tmp_path / "outs"
    parent.mkdir()
    bad = ("--backend-tag", "0.1.9", "--frontend-tag", "0.1.9", "--to", "0.2.0")
    result = cli("plan", ".", "--out", str(parent / "up"), *bad, cwd=helm_repo)
    assert result.code == 1
    assert "phase 2 is unsafe" in result.err and "nothing was written" in result.err
    assert sorted(p.name for p in parent.iterdir()) == []

    write(parent / "up/keep.txt", "mine\n")
    result = cli("plan", ".", "--out", str(parent / "up"), cwd=helm_repo)
    assert result.code == 2 and "not empty" in result.err
    assert sorted(p.relative_to(parent).as_posix() for p in parent.rglob("*")) == [
        "up",
        "up/keep.txt",
    ]
    assert (parent / "up/keep.txt").read_text() == "mine\n"
    assert git(helm_repo, "status", "--porcelain") == ""
