"""plan / apply / lint on the GitOps fixtures: phase 1 and 2 edit the GitOps objects
themselves (valuesObject, a parameters entry, the values string, a ConfigMap's values,
the chart version), byte-exactly; a chart version bump is an implicit image change that
scan and lint see."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import git
from litemaas_upgrade.engine import scan
from litemaas_upgrade.rules import load_rules
from litemaas_upgrade.source import GitTree, WorkTree
from test_gitops_scan import GITOPS_KINDS, _helm_images

OLD_LLM, NEW_LLM = "main-v1.74.7-stable", "main-v1.81.0-stable"


def states(cli, repo: Path, *to: str) -> dict[str, tuple[str, dict[str, str]]]:
    result = cli("scan", ".", "--format", "json", *to, cwd=repo)
    assert result.code == 0, result.err
    return {
        t["path"]: (
            t["stage"],
            {c: s["image"].rsplit(":", 1)[1] for c, s in t["components"].items()},
        )
        for t in json.loads(result.out)["targets"]
        if t["kind"] in GITOPS_KINDS
    }


def test_phase_diffs_are_pinned(cli, gitops_repo: Path, snapshot) -> None:
    result = cli("plan", ".", "--out", "upgrade", cwd=gitops_repo)
    assert result.code == 0, result.err
    for name in ("phase-1.diff", "phase-2.diff"):
        assert (gitops_repo / "upgrade" / name).read_text() == snapshot(name=name)


def test_edits_touch_only_version_lines(cli, gitops_repo: Path) -> None:
    assert cli("plan", ".", "--out", "upgrade", cwd=gitops_repo).code == 0
    versionish = re.compile(
        r'^\s*(?:- )?(?:tag|value|version|targetRevision|image|name):\s*"?'
        r'(?:v?0\.[12]\.[03]|main-v1\.(?:74\.7|81\.0)-stable|litellm\.image\.tag)"?$'
    )
    for name in ("phase-1.diff", "phase-2.diff"):
        mine = False
        for line in (gitops_repo / "upgrade" / name).read_text().splitlines():
            if line.startswith("diff --git"):
                mine = line.startswith("diff --git a/gitops/")  # the chart is the Helm target's
            if not mine or line.startswith(("---", "+++")) or not line.startswith(("+", "-")):
                continue
            body = line[1:]
            assert versionish.match(body) or re.match(r"^\s*(litellm|image):$", body), line


def test_apply_both_phases_moves_every_gitops_target_in_order(cli, gitops_repo: Path) -> None:
    """The v0.2.0 guide's two phases (`--to 0.2.0`: its last stage is `upgraded`)."""
    to = ("--to", "0.2.0")
    before = states(cli, gitops_repo, *to)
    assert {stage for stage, _ in before.values()} == {"before-upgrade"}
    result = cli("apply", ".", "--phase", "1", *to, cwd=gitops_repo)
    assert result.code == 0, result.err
    mid = states(cli, gitops_repo, *to)
    for path, (stage, tags) in mid.items():
        assert stage == "phase-1-done", path
        assert tags == {"backend": "0.2.0", "frontend": "0.2.0", "litellm": OLD_LLM}, path
    git(gitops_repo, "commit", "-qam", "phase 1")
    assert cli("lint", ".", "--base", "HEAD~1", cwd=gitops_repo).code == 0
    result = cli("apply", ".", "--phase", "2", *to, cwd=gitops_repo)
    assert result.code == 0, result.err
    after = states(cli, gitops_repo, *to)
    for path, (stage, tags) in after.items():
        assert stage == "upgraded", path
        assert tags == {"backend": "0.2.0", "frontend": "0.2.0", "litellm": NEW_LLM}, path
    git(gitops_repo, "commit", "-qam", "phase 2")
    assert cli("lint", ".", "--base", "HEAD~1", cwd=gitops_repo).code == 0


def test_phase_diffs_apply_with_git_and_equal_apply(cli, gitops_repo: Path, tmp_path: Path) -> None:
    assert cli("plan", ".", "--out", str(tmp_path / "up"), cwd=gitops_repo).code == 0
    other = tmp_path / "other"
    shutil.copytree(gitops_repo, other)
    for phase in ("1", "2"):
        subprocess.run(
            ["git", "apply", str(tmp_path / "up" / f"phase-{phase}.diff")], cwd=other, check=True
        )
        assert cli("apply", ".", "--phase", phase, cwd=gitops_repo).code == 0
    for path in (gitops_repo / "gitops").rglob("*.yaml"):
        assert path.read_bytes() == (other / path.relative_to(gitops_repo)).read_bytes(), path


def test_vendored_argo_release_renders_the_phase_images_with_real_helm(
    cli, gitops_repo: Path
) -> None:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    for phase, llm in (("1", OLD_LLM), ("2", NEW_LLM)):
        assert cli("apply", ".", "--phase", phase, cwd=gitops_repo).code == 0
        app = yaml.load((gitops_repo / "gitops/argocd/app-parameters.yaml").read_text())
        values = yaml.load((gitops_repo / "gitops/argocd/values/dev.yaml").read_text())
        for p in app["spec"]["source"]["helm"]["parameters"]:
            node = values
            *parents, leaf = p["name"].split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = p["value"]
        images = _helm_images(gitops_repo / "charts/litemaas", values)
        assert images["backend"].endswith(":0.2.0") and images["frontend"].endswith(":0.2.0")
        assert images["litellm"].endswith(f":{llm}")


def test_chart_version_bump_is_an_implicit_litellm_bump(
    cli, gitops_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moving the chart to 0.2.0 without pinning LiteLLM: the same violation as bumping
    LiteLLM first, seen by engine.scan at two revisions and by lint."""
    monkeypatch.chdir(gitops_repo)
    app = gitops_repo / "gitops/argocd/app-values-string.yaml"
    app.write_text(app.read_text().replace("targetRevision: 0.1.3", "targetRevision: 0.2.0"))
    flux = gitops_repo / "gitops/flux/helmrelease.yaml"
    flux.write_text(flux.read_text().replace('version: "0.1.3"', 'version: "0.2.0"'))
    git(gitops_repo, "commit", "-qam", "chart to 0.2.0")
    rules = load_rules(to="0.2.0")  # as scan and plan default to: the v0.2.0 guide
    base = GitTree(gitops_repo, "HEAD~1")
    try:
        old = {t.path: t for t in scan(base, rules).targets if t.kind in GITOPS_KINDS}
    finally:
        base.close()
    head = GitTree(gitops_repo, "HEAD")
    try:
        new = {t.path: t for t in scan(head, rules).targets if t.kind in GITOPS_KINDS}
    finally:
        head.close()
    now = scan(WorkTree(gitops_repo), rules).targets
    assert {t.path: str(t.stage) for t in now if t.kind in GITOPS_KINDS} == {
        p: str(t.stage) for p, t in new.items()
    }
    string_app = "gitops/argocd/app-values-string.yaml"
    for path in (string_app, "gitops/flux/helmrelease.yaml"):
        assert old[path].stage == "before-upgrade"
        assert old[path].components["litellm"].tag == OLD_LLM
        assert new[path].components["litellm"].tag == NEW_LLM  # nobody wrote it: the chart did
    # The values string pins the backend at 0.1.3: LiteLLM 1.81 with backend 0.1.3.
    assert new[string_app].stage == "invalid"
    assert new["gitops/flux/helmrelease.yaml"].stage == "upgraded"

    result = cli("lint", ".", "--base", "HEAD~1", "--format", "json", cwd=gitops_repo)
    assert result.code == 1, result.err
    findings = json.loads(result.out)["findings"]
    codes = {(f["file"], f["code"]) for f in findings}
    assert (string_app, "LU001") in codes  # invalid state
    assert ("gitops/flux/helmrelease.yaml", "LU002") in codes  # both phases in one change
    where = next(f for f in findings if f["file"] == string_app and f["code"] == "LU001")
    assert app.read_text().splitlines()[where["line"] - 1].strip() == "targetRevision: 0.2.0"


def test_the_default_path_takes_every_gitops_target_through_three_phases(
    cli, gitops_repo: Path
) -> None:
    """Without --to, both guides: phase 3 moves LiteMaaS to 0.4.0 and LiteLLM to the fork,
    leaves a mirror as it is (its chart moved to 0.4.0 keeps LiteLLM's old default
    repository, so the mirror's images: rename still applies: no fork repository with
    upstream's tag, LU015), and lint passes each phase's commit."""
    for n in ("1", "2", "3"):
        result = cli("apply", ".", "--phase", n, cwd=gitops_repo)
        assert result.code == 0, result.err
        git(gitops_repo, "commit", "-qam", f"phase {n}")
        lint = cli("lint", ".", "--base", "HEAD~1", cwd=gitops_repo)
        assert lint.code == 0, (n, lint.out)
    result = cli("scan", ".", "--format", "json", cwd=gitops_repo)
    mirrors = {
        "gitops/argocd/app-valuesobject.yaml",
        "gitops/flux/helmrelease.yaml",
        "gitops/kustomize-helm",
    }
    targets = [t for t in json.loads(result.out)["targets"] if t["kind"] in GITOPS_KINDS]
    assert mirrors <= {t["path"] for t in targets}
    for t in targets:
        images = {c: s["image"] for c, s in t["components"].items()}
        llm = (
            f"registry.example.com/mirror/litellm-non_root:{NEW_LLM}"
            if t["path"] in mirrors
            else "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom"
        )
        assert t["stage"] == "upgraded", t["path"]
        assert images == {
            "backend": "quay.io/rh-aiservices-bu/litemaas-backend:0.4.0",
            "frontend": "quay.io/rh-aiservices-bu/litemaas-frontend:0.4.0",
            "litellm": llm,
        }, t["path"]
    kustomization = (gitops_repo / "gitops/kustomize-helm/kustomization.yaml").read_text()
    assert "version: 0.4.0" in kustomization
    assert "repository: ghcr.io/berriai/litellm-non_root" in kustomization


def test_phase_1_repairs_an_invalid_chart_bump_by_moving_the_backend(
    cli, gitops_repo: Path
) -> None:
    """The v0.2.0 guide (`--to 0.2.0`: a 0.2.0 target is `upgraded`)."""
    flux = gitops_repo / "gitops/flux/helmrelease.yaml"
    flux.write_text(flux.read_text().replace('version: "0.1.3"', 'version: "0.2.0"'))
    result = cli("scan", ".", "--format", "json", "--to", "0.2.0", cwd=gitops_repo)
    target = next(
        t for t in json.loads(result.out)["targets"] if t["path"] == "gitops/flux/helmrelease.yaml"
    )
    assert target["stage"] == "upgraded"  # a valid state, reached in one step: lint's job
    # The values string app, moved alone, is invalid: phase 1 sets the backend, no chart move.
    app = gitops_repo / "gitops/argocd/app-values-string.yaml"
    app.write_text(app.read_text().replace("targetRevision: 0.1.3", "targetRevision: 0.2.0"))
    assert cli("apply", ".", "--phase", "1", "--to", "0.2.0", cwd=gitops_repo).code == 0
    upgraded = states(cli, gitops_repo, "--to", "0.2.0")
    assert upgraded["gitops/argocd/app-values-string.yaml"][0] == "upgraded"
    assert 'tag: "0.2.0"' in app.read_text() and "targetRevision: 0.2.0" in app.read_text()
