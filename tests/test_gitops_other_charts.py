"""GitOps objects of charts that are not in the repository (issue 13 §4): a Flux
HelmRelease of the bjw-s app-template, whose images are `controllers.*.containers.*.image`
and `initContainers` (read wherever the values hold a component image, through YAML
anchors and merge keys), and Argo CD / Flux objects of a LiteLLM chart (litellm-helm),
whose image is read from the values when they set it and is unknown, with the reason,
when only the chart's defaults could tell. Real git repositories in tmp; plan, apply and
lint as the CLI runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from conftest import git, init_repo, write

LLM = "ghcr.io/berriai/litellm-database"
B, F = "quay.io/rh-aiservices-bu/litemaas-backend", "quay.io/rh-aiservices-bu/litemaas-frontend"
DIGEST = "sha256:" + "ab" * 32

OCI = """\
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: app-template
spec:
  ref:
    tag: 4.4.0
  url: oci://ghcr.io/bjw-s-labs/helm/app-template
"""

# One HelmRelease that runs LiteMaaS and LiteLLM with app-template: LiteLLM's image is
# written once (&llm) and read by the migration initContainer and the server (an alias)
# and by a worker (a merge key); it carries a digest.
APP_TEMPLATE = """\
---
# LiteMaaS on app-template
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: &app litemaas
spec:
  interval: 1h
  chartRef:
    kind: OCIRepository
    name: app-template
  values:
    controllers:
      litellm:
        initContainers:
          migrate:
            image: &llm
              repository: ghcr.io/berriai/litellm-database
              tag: main-v1.74.7-stable   # keep with the backend
              digest: DIGEST
        containers:
          app: &server
            image: *llm
            args: ["--port", "4000"]
          worker:
            <<: *server
            args: ["--worker"]
      backend:
        containers:
          app:
            image:
              repository: quay.io/rh-aiservices-bu/litemaas-backend
              tag: "0.1.3"
          ui:
            image: {repository: quay.io/rh-aiservices-bu/litemaas-frontend, tag: "0.1.3"}
    service:
      app:
        controller: *app
""".replace("DIGEST", DIGEST)


def scan_json(cli, repo: Path, *to: str) -> dict[str, dict]:
    result = cli("scan", ".", "--format", "json", *to, cwd=repo)
    assert result.code in (0, 1), result.err
    return {t["path"]: t for t in json.loads(result.out)["targets"]}


def app_repo(tmp_path: Path, release: str = APP_TEMPLATE) -> Path:
    repo = tmp_path / "home-ops"
    write(repo / "apps/litemaas/helmrelease.yaml", release)
    write(repo / "apps/litemaas/ocirepository.yaml", OCI)
    return init_repo(repo)


def images(target: dict) -> dict[str, str | None]:
    return {c: s["image"] for c, s in target["components"].items()}


def test_app_template_images_are_read_through_anchors_and_merge_keys(cli, tmp_path) -> None:
    repo = app_repo(tmp_path)
    target = scan_json(cli, repo)["apps/litemaas/helmrelease.yaml"]
    assert target["kind"] == "flux"
    assert (
        "OCIRepository app-template (oci://ghcr.io/bjw-s-labs/helm/app-template:4.4.0)"
        in (target["formed"])
    )
    assert images(target) == {
        "backend": f"{B}:0.1.3",
        "frontend": f"{F}:0.1.3",
        "litellm": f"{LLM}:main-v1.74.7-stable@{DIGEST}",
    }
    assert target["stage"] == "before-upgrade"
    # The tag's site is the line where it is written, whichever container reads it.
    text = (repo / "apps/litemaas/helmrelease.yaml").read_text().splitlines()
    tag = next(s for s in target["components"]["litellm"]["sites"] if s["decides"] == "tag")
    assert text[tag["line"] - 1][tag["col"] - 1 :].startswith("main-v1.74.7-stable")


def test_app_template_plan_edits_the_tag_where_it_is_written(cli, tmp_path) -> None:
    repo = app_repo(tmp_path)
    original = (repo / "apps/litemaas/helmrelease.yaml").read_text()
    to = ("--to", "0.2.0")  # the v0.2.0 guide's two phases
    result = cli("plan", ".", "--out", str(tmp_path / "up"), *to, cwd=repo)
    assert result.code == 0, result.err
    phase1 = (tmp_path / "up/phase-1.diff").read_text()
    phase2 = (tmp_path / "up/phase-2.diff").read_text()
    changed1 = [ln for ln in phase1.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
    assert changed1 == [
        '-              tag: "0.1.3"',
        '+              tag: "0.2.0"',
        f'-            image: {{repository: {F}, tag: "0.1.3"}}',
        f'+            image: {{repository: {F}, tag: "0.2.0"}}',
    ]
    changed2 = [ln for ln in phase2.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
    assert changed2 == [
        "-              tag: main-v1.74.7-stable   # keep with the backend",
        f"-              digest: {DIGEST}",
        "+              tag: main-v1.81.0-stable   # keep with the backend",
        '+              digest: ""',
    ]
    # The repository is untouched by plan; git apply of both diffs equals apply.
    assert (repo / "apps/litemaas/helmrelease.yaml").read_text() == original
    other = tmp_path / "other"
    shutil.copytree(repo, other)
    for phase in ("1", "2"):
        subprocess.run(
            ["git", "apply", str(tmp_path / f"up/phase-{phase}.diff")], cwd=other, check=True
        )
        assert cli("apply", ".", "--phase", phase, *to, cwd=repo).code == 0
        target = scan_json(cli, repo, *to)["apps/litemaas/helmrelease.yaml"]
        assert target["stage"] == ("phase-1-done" if phase == "1" else "upgraded")
    assert (repo / "apps/litemaas/helmrelease.yaml").read_bytes() == (
        other / "apps/litemaas/helmrelease.yaml"
    ).read_bytes()
    assert images(target)["litellm"] == f"{LLM}:main-v1.81.0-stable"
    # Everything but the moved scalars is byte-identical.
    after = (repo / "apps/litemaas/helmrelease.yaml").read_text()
    assert after == original.replace('"0.1.3"', '"0.2.0"').replace(
        "main-v1.74.7-stable", "main-v1.81.0-stable"
    ).replace(DIGEST, '""')


def test_an_anchor_read_by_something_else_is_not_edited(cli, tmp_path) -> None:
    release = APP_TEMPLATE.replace(
        "tag: main-v1.74.7-stable", "tag: &llmtag main-v1.74.7-stable"
    ).replace(
        "    service:\n", "    defaultPodOptions:\n      labels: {llm: *llmtag}\n    service:\n"
    )
    repo = app_repo(tmp_path, release)
    before = (repo / "apps/litemaas/helmrelease.yaml").read_bytes()
    result = cli("plan", ".", "--out", str(tmp_path / "up"), cwd=repo)
    assert result.code == 3
    assert "anchored node &llm" in result.err and "apps/litemaas/helmrelease.yaml" in result.err
    assert (repo / "apps/litemaas/helmrelease.yaml").read_bytes() == before
    assert not (tmp_path / "up").exists()


def test_lint_refuses_litellm_first_in_an_app_template_release(cli, tmp_path) -> None:
    repo = app_repo(tmp_path)
    path = repo / "apps/litemaas/helmrelease.yaml"
    path.write_text(path.read_text().replace("main-v1.74.7-stable", "main-v1.81.0-stable"))
    git(repo, "commit", "-qam", "litellm first")
    result = cli("lint", ".", "--base", "HEAD~1", "--format", "json", cwd=repo)
    assert result.code == 1
    assert "LU001" in {f["code"] for f in json.loads(result.out)["findings"]}
    # Backend and LiteLLM across the boundary in one change: not two phases.
    path.write_text(path.read_text().replace('"0.1.3"', '"0.2.0"'))
    git(repo, "commit", "-qam", "both at once")
    result = cli("lint", ".", "--base", "HEAD~2", "--format", "json", cwd=repo)
    assert result.code == 1
    assert "LU002" in {f["code"] for f in json.loads(result.out)["findings"]}


ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: litellm
spec:
  source:
    repoURL: oci://docker.litellm.ai/berriai/litellm-helm
    chart: litellm-helm
    targetRevision: 1.95.0
HELM
  destination:
    namespace: litellm
"""


def argo(helm: str) -> str:
    return ARGO.replace("HELM\n", helm)


def test_litellm_chart_with_no_values_is_unknown_with_the_reason(cli, tmp_path) -> None:
    repo = init_repo(write(tmp_path / "r/apps/litellm.yaml", argo("")).parent.parent)
    target = scan_json(cli, repo)["apps/litellm.yaml"]
    assert target["kind"] == "argocd" and target["stage"] == "litellm-only"
    assert set(target["components"]) == {"litellm"}  # a LiteLLM chart: not the backend
    state = target["components"]["litellm"]
    assert state["image"] is None
    assert (
        "chart litellm-helm 1.95.0" in state["note"] and "not in this repository" in (state["note"])
    )
    lu009 = [f for f in target["findings"] if f["code"] == "LU009"]
    assert lu009 and lu009[0]["line"] == 9 and "repository and tag" in lu009[0]["fix"]



def test_a_value_file_given_as_a_url_is_said_to_be_one(cli, tmp_path) -> None:
    # Seen in yo0x/devops-smarthome at f85be65d: a raw.githubusercontent URL into the
    # repository itself, which Argo CD fetches and this tool never does.
    url = "https://raw.githubusercontent.com/o/r/main/litellm-values.yaml"
    helm = f"    helm:\n      valueFiles:\n        - {url}\n"
    repo = init_repo(write(tmp_path / "r/apps/litellm.yaml", argo(helm)).parent.parent)
    target = scan_json(cli, repo)["apps/litellm.yaml"]
    [lu009] = [f for f in target["findings"] if url in f["message"]]
    assert "(a URL, not read)" in lu009["message"] and "chart's own" not in lu009["message"]

def test_litellm_chart_values_set_the_image(cli, tmp_path) -> None:
    helm = (
        "    helm:\n      valuesObject:\n        image:\n"
        f"          repository: {LLM}\n          tag: main-v1.74.7-stable\n"
    )
    repo = init_repo(write(tmp_path / "r/apps/litellm.yaml", argo(helm)).parent.parent)
    target = scan_json(cli, repo)["apps/litellm.yaml"]
    assert images(target) == {"litellm": f"{LLM}:main-v1.74.7-stable"}
    assert not [f for f in target["findings"] if f["code"] == "LU009"]
    # An empty tag: the chart (not here) derives it, so the image is unknown.
    empty = helm.replace("tag: main-v1.74.7-stable", 'tag: ""')
    (repo / "apps/litellm.yaml").write_text(argo(empty))
    state = scan_json(cli, repo)["apps/litellm.yaml"]["components"]["litellm"]
    assert state["image"] is None and "tag is not set" in state["note"]
    # The values file a multi-source Application names with $values is read the same way.
    multi = ARGO.replace(
        "  source:\n    repoURL: oci://docker.litellm.ai/berriai/litellm-helm\n"
        "    chart: litellm-helm\n    targetRevision: 1.95.0\nHELM\n",
        "  sources:\n  - repoURL: docker.litellm.ai/berriai\n    chart: litellm-helm\n"
        "    targetRevision: 1.95.0\n    helm:\n      valueFiles: [$values/apps/values.yaml]\n"
        "  - repoURL: https://git.example.com/me/repo.git\n    ref: values\n",
    )
    (repo / "apps/litellm.yaml").write_text(multi)
    write(repo / "apps/values.yaml", f"image:\n  repository: {LLM}\n  tag: v1.80.5\n")
    targets = scan_json(cli, repo)
    assert images(targets["apps/litellm.yaml"]) == {"litellm": f"{LLM}:v1.80.5"}
    assert "apps/values.yaml" not in targets  # the Application's, not a release of its own


def test_oci_path_source_and_flux_helmrepository_chart(cli, tmp_path) -> None:
    repo = tmp_path / "r"
    write(
        repo / "argo.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: llm}\nspec:\n"
        "  source:\n    repoURL: oci://mirror.example.com/berriai/litellm/chart/litellm\n"
        "    path: .\n    targetRevision: 1.92.0\n",
    )
    write(
        repo / "flux/helmrepository.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n"
        "  name: litellm\nspec:\n  type: oci\n  url: oci://ghcr.io/berriai/litellm-helm\n",
    )
    write(
        repo / "flux/helmrelease.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: litellm}\n"
        "spec:\n  chart:\n    spec:\n      chart: litellm\n      version: 0.3.0\n"
        "      sourceRef: {kind: HelmRepository, name: litellm}\n"
        f'  values:\n    image:\n      repository: {LLM}\n      tag: "main-v1.597"\n',
    )
    init_repo(repo)
    targets = scan_json(cli, repo)
    assert images(targets["argo.yaml"]) == {"litellm": None}
    assert "chart litellm 1.92.0" in targets["argo.yaml"]["components"]["litellm"]["note"]
    flux = targets["flux/helmrelease.yaml"]
    assert images(flux) == {"litellm": f"{LLM}:main-v1.597"}
    assert "from oci://ghcr.io/berriai/litellm-helm" in flux["formed"]


def test_objects_of_other_charts_without_component_images_are_not_targets(cli, tmp_path) -> None:
    repo = tmp_path / "r"
    write(
        repo / "grafana.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: grafana}\n"
        "spec:\n  source:\n    repoURL: https://grafana.github.io/helm-charts\n"
        "    chart: grafana\n    targetRevision: 8.0.0\n    helm:\n      valuesObject:\n"
        "        image: {repository: grafana/grafana, tag: 11.0.0}\n",
    )
    write(
        repo / "hr.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\n"
        "spec:\n  chartRef: {kind: OCIRepository, name: app-template}\n  values:\n"
        "    controllers:\n      x:\n        containers:\n          app:\n"
        "            image: {repository: ghcr.io/home-operations/postgres-init, tag: '17'}\n",
    )
    write(repo / "README.md", "nothing\n")
    init_repo(repo)
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert json.loads(result.out)["targets"] == []


def test_pre_commit_lint_of_the_helmrelease_refuses_litellm_first(cli, tmp_path) -> None:
    # `lint FILE` (the pre-commit hook: staged changes against HEAD).
    repo = app_repo(tmp_path)
    path = repo / "apps/litemaas/helmrelease.yaml"
    path.write_text(path.read_text().replace("main-v1.74.7-stable", "main-v1.81.0-stable"))
    git(repo, "add", "-A")
    result = cli("lint", "apps/litemaas/helmrelease.yaml", cwd=repo)
    assert result.code == 1
    assert "apps/litemaas/helmrelease.yaml:19:20: error LU001" in result.out


def test_kustomize_helm_charts_entry_of_a_litellm_chart(cli, tmp_path) -> None:
    repo = tmp_path / "r"
    write(
        repo / "llm/kustomization.yaml",
        "helmCharts:\n- name: litellm-helm\n  repo: oci://ghcr.io/berriai\n  version: 1.95.0\n"
        "  valuesInline:\n    image:\n      repository: ghcr.io/berriai/litellm-non_root\n"
        "      tag: main-v1.74.7-stable\n"
        "- name: redis\n  repo: https://charts.bitnami.com/bitnami\n  version: 20.0.0\n",
    )
    write(
        repo / "bare/kustomization.yaml",
        "helmCharts:\n- name: litellm-helm\n  repo: oci://ghcr.io/berriai\n  version: 1.95.0\n",
    )
    init_repo(repo)
    targets = {
        t["path"]: t
        for t in json.loads(cli("scan", ".", "--format", "json", cwd=repo).out)["targets"]
        if t["kind"] == "kustomize-helm"
    }
    assert images(targets["llm"]) == {
        "litellm": "ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable"
    }
    assert images(targets["bare"]) == {"litellm": None}
    assert "chart litellm-helm 1.95.0" in targets["bare"]["components"]["litellm"]["note"]


def test_an_image_string_with_a_digest_loses_the_digest_when_its_tag_moves(cli, tmp_path) -> None:
    helm = (
        "    helm:\n      valuesObject:\n        migrationJob:\n"
        f"          image: {LLM}:main-v1.74.7-stable@{DIGEST}\n"
    )
    repo = init_repo(write(tmp_path / "r/apps/litellm.yaml", argo(helm)).parent.parent)
    target = scan_json(cli, repo)["apps/litellm.yaml"]
    assert images(target) == {"litellm": f"{LLM}:main-v1.74.7-stable@{DIGEST}"}
    result = cli("plan", ".", "--out", str(tmp_path / "up"), cwd=repo)
    assert result.code == 0, result.err
    diff = (tmp_path / "up/phase-2.diff").read_text()
    assert f"+          image: {LLM}:main-v1.81.0-stable\n" in diff


def test_editor_verifies_a_shared_scalar_at_every_reader() -> None:
    import pytest

    from litemaas_upgrade.errors import EditError
    from litemaas_upgrade.yamlio import ScalarChange, apply_changes

    text = b"a: &t v1  # c\nb: *t\nc: {<<: {x: *t}}\n"
    out = apply_changes(text, "f.yaml", [ScalarChange(0, ("a",), "v2", (("b",), ("c", "x")))])
    assert out == b"a: &t v2  # c\nb: *t\nc: {<<: {x: *t}}\n"
    # A reader the change does not name: the edit would change it too, so it is refused.
    with pytest.raises(EditError, match="other data"):
        apply_changes(text, "f.yaml", [ScalarChange(0, ("a",), "v2", (("b",),))])
    # Without `also`, a shared scalar is not edited at all.
    with pytest.raises(EditError, match="anchored"):
        apply_changes(text, "f.yaml", [ScalarChange(0, ("a",), "v2")])
