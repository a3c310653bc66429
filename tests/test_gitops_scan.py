"""GitOps objects scan to the images they deploy: Argo CD Applications and
ApplicationSets, Flux HelmReleases, Kustomize helmCharts; charts vendored in the
repository (checked with the real Helm engine) or referenced by version (the catalog)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES, init_repo, write
from litemaas_upgrade.catalog import load_catalog
from plan_excerpts import scan_digest

OLD_LLM = "main-v1.74.7-stable"
B, F = "quay.io/rh-aiservices-bu/litemaas-backend", "quay.io/rh-aiservices-bu/litemaas-frontend"
L, MIRROR = "ghcr.io/berriai/litellm-non_root", "registry.example.com/mirror/litellm-non_root"

EXPECTED = {
    ("argocd", "gitops/argocd/app-multisource.yaml"): (
        f"{B}:0.1.3",
        f"{F}:0.1.3",
        f"{L}:{OLD_LLM}",
    ),
    ("argocd", "gitops/argocd/app-parameters.yaml"): (f"{B}:0.1.3", f"{F}:0.1.3", f"{L}:{OLD_LLM}"),
    ("argocd", "gitops/argocd/app-values-string.yaml"): (
        f"{B}:0.1.3",
        f"{F}:0.1.3",
        f"{L}:{OLD_LLM}",
    ),
    ("argocd", "gitops/argocd/app-valuesobject.yaml"): (
        f"{B}:0.1.3",
        f"{F}:0.1.3",
        f"{MIRROR}:{OLD_LLM}",
    ),
    ("argocd", "gitops/argocd/appset.yaml"): (f"{B}:0.1.3", f"{F}:0.1.3", f"{L}:{OLD_LLM}"),
    ("flux", "gitops/flux/helmrelease-oci.yaml"): (f"{B}:0.1.3", f"{F}:0.1.3", f"{L}:{OLD_LLM}"),
    ("flux", "gitops/flux/helmrelease.yaml"): (f"{B}:0.1.3", f"{F}:0.1.3", f"{MIRROR}:{OLD_LLM}"),
    ("kustomize-helm", "gitops/kustomize-helm"): (
        f"{B}:0.1.3",
        f"{F}:0.1.3",
        f"{MIRROR}:{OLD_LLM}",
    ),
}
GITOPS_KINDS = {"argocd", "flux", "kustomize-helm"}


def gitops_targets(cli, repo: Path) -> list[dict]:
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    return [t for t in json.loads(result.out)["targets"] if t["kind"] in GITOPS_KINDS]


def test_every_gitops_form_scans_to_its_effective_images(cli, gitops_repo: Path) -> None:
    targets = gitops_targets(cli, gitops_repo)
    got = {
        (t["kind"], t["path"]): tuple(
            t["components"][c]["image"] for c in ("backend", "frontend", "litellm")
        )
        for t in targets
    }
    assert got == EXPECTED
    assert {t["stage"] for t in targets} == {"before-upgrade"}
    # The values files the objects name are theirs, not Helm releases of their own.
    result = json.loads(cli("scan", ".", "--format", "json", cwd=gitops_repo).out)
    assert not [
        t for t in result["targets"] if t["kind"] == "helm" and t["path"].startswith("gitops/")
    ]


def test_scan_json_of_the_gitops_targets_is_pinned(cli, gitops_repo: Path, snapshot) -> None:
    """Every value of the targets' JSON, one line per target, component, site and finding
    (plan_excerpts.targets_digest)."""
    assert scan_digest(gitops_targets(cli, gitops_repo)) == snapshot


def test_sites_point_at_the_deciding_lines(cli, gitops_repo: Path) -> None:
    targets = {t["path"]: t for t in gitops_targets(cli, gitops_repo)}

    def line_of(site: dict) -> str:
        return (
            (gitops_repo / site["file"])
            .read_text()
            .splitlines()[site["line"] - 1][site["col"] - 1 :]
        )

    string = targets["gitops/argocd/app-values-string.yaml"]["components"]["backend"]["sites"]
    tag = next(s for s in string if s["decides"] == "tag")
    assert tag["path"] == "spec.source.helm.values.backend.image.tag"
    assert line_of(tag) == '"0.1.3"'
    params = targets["gitops/argocd/app-parameters.yaml"]["components"]["frontend"]["sites"]
    tag = next(s for s in params if s["decides"] == "tag")
    assert tag["path"] == "spec.source.helm.parameters[0].value" and line_of(tag) == '"0.1.3"'
    cm = targets["gitops/flux/helmrelease-oci.yaml"]["components"]["litellm"]["sites"]
    tag = next(s for s in cm if s["decides"] == "tag")
    assert tag["file"] == "gitops/flux/values-configmap.yaml" and line_of(tag) == OLD_LLM
    # A chart referenced by version: its default tag is decided by the version line.
    obj = targets["gitops/argocd/app-valuesobject.yaml"]["components"]["litellm"]["sites"]
    tag = next(s for s in obj if s["decides"] == "tag")
    assert tag["path"] == "spec.source.targetRevision" and line_of(tag) == "v0.1.3"


def test_catalog_release_matches_the_sample_chart_which_copies_upstream_0_1_3() -> None:
    from ruamel.yaml import YAML

    catalog = load_catalog()
    chart = catalog.chart("litemaas")
    assert chart is not None
    rel = chart.release("v0.1.3")
    assert rel is not None and rel is chart.release("0.1.3") and rel.app_version == "0.1.3"
    yaml = YAML(typ="safe")
    values = yaml.load((SAMPLES / "charts/litemaas/values.yaml").read_text())
    meta = yaml.load((SAMPLES / "charts/litemaas/Chart.yaml").read_text())
    assert meta["appVersion"] == rel.app_version
    for comp in ("backend", "frontend", "litellm"):
        assert rel.values[comp]["image"] == values[comp]["image"]
    new = chart.release("v0.2.0")
    assert new is not None and new.app_version == "0.2.0"
    assert new.values["litellm"]["image"]["tag"] == "main-v1.81.0-stable"
    assert chart.release("0.1.0") is None  # the chart version, the same in every release


def _helm_images(chart: Path, values: dict) -> dict[str, str]:
    helm = pytest.importorskip(
        "helm_python", reason="helm-python-sdk (extra 'render') not installed"
    )
    from ruamel.yaml import YAML

    out: dict[str, str] = {}
    manifests = helm.Chart.load(str(chart)).render(values, name="litemaas", namespace="litemaas")
    for text in manifests.values():
        for doc in YAML(typ="safe").load_all(text):
            if isinstance(doc, dict) and doc.get("kind") in ("Deployment", "StatefulSet"):
                for c in doc["spec"]["template"]["spec"]["containers"]:
                    for comp in ("backend", "frontend", "litellm"):
                        if comp in c["image"]:
                            out[comp] = c["image"]
    return out


def test_argo_vendored_chart_with_value_file_and_parameters_matches_real_helm(
    cli, gitops_repo: Path
) -> None:
    # The Application's layers by hand, as Argo CD hands them to Helm: -f dev.yaml, --set.
    from ruamel.yaml import YAML

    values = YAML(typ="safe").load((gitops_repo / "gitops/argocd/values/dev.yaml").read_text())
    values["frontend"] = {"image": {"tag": "0.1.3"}}
    values["backend"]["replicas"] = 1
    rendered = _helm_images(gitops_repo / "charts/litemaas", values)
    target = next(
        t for t in gitops_targets(cli, gitops_repo) if t["path"].endswith("app-parameters.yaml")
    )
    assert {c: s["image"] for c, s in target["components"].items()} == rendered


def test_kustomize_helm_charts_vendored_in_chart_home_match_real_helm(cli, tmp_path: Path) -> None:
    repo = tmp_path / "k"
    shutil.copytree(SAMPLES / "charts/litemaas", repo / "helm-charts/litemaas")
    write(
        repo / "app/values.yaml",
        'litellm:\n  image:\n    tag: "main-v1.74.7-stable"\n'
        'frontend:\n  image:\n    tag: "0.1.3"\n',
    )
    write(
        repo / "app/kustomization.yaml",
        "helmGlobals:\n  chartHome: ../helm-charts\nhelmCharts:\n  - name: litemaas\n"
        "    releaseName: litemaas\n    valuesFile: values.yaml\n    valuesInline:\n"
        "      litellm:\n        image:\n          repository: ghcr.io/berriai/litellm\n"
        "images:\n  - name: ghcr.io/berriai/litellm\n    newName: registry.example.com/litellm\n",
    )
    init_repo(repo)
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    target = next(t for t in json.loads(result.out)["targets"] if t["kind"] == "kustomize-helm")
    rendered = _helm_images(
        repo / "helm-charts/litemaas",
        {
            "litellm": {"image": {"tag": OLD_LLM, "repository": "ghcr.io/berriai/litellm"}},
            "frontend": {"image": {"tag": "0.1.3"}},
        },
    )
    # kustomize's images: then renames the rendered LiteLLM image.
    rendered["litellm"] = rendered["litellm"].replace(
        "ghcr.io/berriai/litellm", "registry.example.com/litellm"
    )
    assert {c: s["image"] for c, s in target["components"].items()} == rendered
    assert "chart helm-charts/litemaas" in target["formed"]


def test_unknown_chart_version_is_reported_not_guessed(cli, tmp_path: Path) -> None:
    repo = tmp_path / "u"
    write(
        repo / "app.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec:\n"
        "  source:\n    repoURL: https://charts.example.com/litemaas\n    chart: litemaas\n"
        "    targetRevision: 0.1.x\n",
    )
    init_repo(repo)
    result = cli("scan", ".", "--format", "json", cwd=repo)
    target = json.loads(result.out)["targets"][0]
    assert target["stage"] == "unknown"
    assert target["components"]["litellm"]["image"] is None
    assert any(f["code"] == "LU009" and f["line"] == 8 for f in target["findings"])


def test_a_rules_file_can_name_its_own_catalog(cli, tmp_path: Path) -> None:
    from importlib import resources

    repo = tmp_path / "c"
    builtin = resources.files("litemaas_upgrade").joinpath("data", "rules.yaml").read_text()
    write(repo / "rules/my-rules.yaml", builtin + "\ncatalog: my-catalog.yaml\n")
    write(
        repo / "rules/my-catalog.yaml",
        "schema: 1\ncharts:\n  litemaas:\n    names: [litemaas]\n    releases:\n"
        '      - version: "9.9.9"\n        refs: ["v9.9.9"]\n        appVersion: "9.9.9"\n'
        "        values:\n          litellm:\n            image:\n"
        "              repository: quay.io/rh-aiservices-bu/litellm-non-root\n"
        "              tag: main-v1.81.0-stable-custom\n",
    )
    write(
        repo / "app.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec:\n"
        "  source:\n    repoURL: https://github.com/rh-aiservices-bu/litemaas\n"
        "    path: deployment/helm/litemaas\n    targetRevision: v9.9.9\n",
    )
    init_repo(repo)
    result = cli("scan", ".", "--rules", "rules/my-rules.yaml", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    target = json.loads(result.out)["targets"][0]
    image = target["components"]["litellm"]["image"]
    assert image == "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom"
    # The built-in catalog does not know v9.9.9 (a release only the custom one lists).
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert json.loads(result.out)["targets"][0]["stage"] == "unknown"
