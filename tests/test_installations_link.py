"""Linking (issue 14): which LiteLLM each backend calls, from the files of real git
repositories in a temporary folder, through the real command line (`scan`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import init_repo
from installation_repos import (
    backend_values,
    chart,
    deployment,
    external_repo,
    litellm_overlay,
    write,
)


def scan_json(cli, repo: Path) -> dict:
    res = cli("scan", ".", "--format", "json", cwd=repo)
    assert res.code in (0, 1), res.err
    return json.loads(res.out)


def links_of(data: dict) -> list[tuple[str, str, str]]:
    return sorted(
        (lk["backend"], lk["litellm"], lk["how"])
        for inst in data.get("installations", [])
        for lk in inst["links"]
    )


def test_url_by_full_service_name_links_the_chart_to_the_overlay(cli, tmp_path: Path) -> None:
    repo = init_repo(external_repo(tmp_path / "r"))
    data = scan_json(cli, repo)
    assert links_of(data) == [("envs/prod-values.yaml", "litellm", "url")]
    (inst,) = data["installations"]
    assert inst["members"] == ["envs/prod-values.yaml", "litellm"]
    lk = inst["links"][0]
    assert lk["url"] == {
        "value": "http://litellm.ai-gateway.svc.cluster.local:4000",
        "file": "envs/prod-values.yaml",
        "line": 5,
        "path": "backend.litellmApiUrl",
    }
    assert lk["service"]["file"] == "litellm/service.yaml"
    assert lk["service"]["line"] == 4
    assert lk["service"]["namespace"] == "ai-gateway"
    assert data["unlinked"] == []
    text = cli("scan", ".", cwd=repo).out
    assert "installations:\n" in text
    assert (
        "link envs/prod-values.yaml -> litellm: backend.litellmApiUrl "
        "'http://litellm.ai-gateway.svc.cluster.local:4000' at envs/prod-values.yaml:5 names "
        "Service litellm.ai-gateway at litellm/service.yaml:4"
    ) in text
    assert (
        "litellm  [kustomize]  litellm-only: litellm "
        "ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable" in text
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://litellm.ai-gateway:4000",
        "http://litellm.ai-gateway.svc:4000",
        "litellm.ai-gateway.svc.cluster.local:4000",
        "http://litellm:4000",  # short: the backend's namespace is not written, so it may be
    ],
)
def test_every_service_name_form_links(cli, tmp_path: Path, url: str) -> None:
    repo = tmp_path / "r"
    chart(repo)
    backend_values(repo, "envs/prod-values.yaml", url)
    litellm_overlay(repo, "litellm")
    init_repo(repo)
    assert links_of(scan_json(cli, repo)) == [("envs/prod-values.yaml", "litellm", "url")]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://litellm.ai-gateway.svc.cluster.local:8080", "another port"),
        ("http://litellm.other-ns.svc.cluster.local:4000", "another namespace"),
        ("https://litellm.ai.example.com", "a host outside the cluster"),
        ("http://litellm-proxy.ai-gateway:4000", "another Service name"),
    ],
)
def test_a_url_no_target_deploys_is_reported_unlinked(
    cli, tmp_path: Path, url: str, why: str
) -> None:
    repo = tmp_path / "r"
    chart(repo)
    backend_values(repo, "envs/prod-values.yaml", url)
    litellm_overlay(repo, "litellm")
    init_repo(repo)
    data = scan_json(cli, repo)
    assert links_of(data) == [], why
    (u,) = data["unlinked"]
    assert u["backend"] == "envs/prod-values.yaml"
    assert u["url"]["value"] == url and u["url"]["line"] == 5
    text = cli("scan", ".", cwd=repo).out
    assert (
        f"unlinked: the backend in envs/prod-values.yaml calls {url!r} "
        "(envs/prod-values.yaml:5 backend.litellmApiUrl), which no target in this "
        "repository deploys"
    ) in text


def test_the_charts_own_litellm_is_the_same_target(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from litemaas_upgrade.engine import scan
    from litemaas_upgrade.installations.link import OWN, link
    from litemaas_upgrade.rules import load_rules
    from litemaas_upgrade.source import WorkTree

    repo = tmp_path / "r"
    chart(repo)
    backend_values(repo, "envs/prod-values.yaml", None, litellm=True)
    init_repo(repo)
    monkeypatch.chdir(repo)
    found = scan(WorkTree(repo), load_rules(None))
    linked = link(found.targets)
    (inst,) = linked.installations
    (lk,) = inst.links
    assert lk.how == OWN and lk.caller == lk.callee
    assert lk.url is not None and lk.url.path == "litellm.enabled"
    assert lk.url.file == "envs/prod-values.yaml" and lk.url.line == 3
    assert linked.unlinked == []
    # One target alone says nothing new: scan shows no installations section.
    assert "installations" not in scan_json(cli, repo)


def test_a_shared_litellm_joins_its_backends_in_one_installation(cli, tmp_path: Path) -> None:
    repo = tmp_path / "r"
    chart(repo)
    backend_values(repo, "envs/prod-values.yaml", "http://litellm.ai-gateway:4000")
    backend_values(repo, "envs/staging-values.yaml", "http://litellm.ai-gateway.svc:4000")
    litellm_overlay(repo, "litellm")
    init_repo(repo)
    data = scan_json(cli, repo)
    (inst,) = data["installations"]
    assert inst["members"] == ["envs/prod-values.yaml", "envs/staging-values.yaml", "litellm"]
    assert links_of(data) == [
        ("envs/prod-values.yaml", "litellm", "url"),
        ("envs/staging-values.yaml", "litellm", "url"),
    ]


def test_kustomize_backend_env_and_configmap_link(cli, tmp_path: Path) -> None:
    repo = tmp_path / "r"
    litellm_overlay(repo, "litellm", namespace="ai")
    backend = "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3"
    env = "          env:\n            - name: LITELLM_API_URL\n              value: http://litellm.ai:4000\n"
    write(repo, "apps/a/kustomization.yaml", "namespace: litemaas\nresources: [backend.yaml]\n")
    write(repo, "apps/a/backend.yaml", deployment("backend", backend, env))
    from_cm = "          envFrom:\n            - configMapRef: {name: backend-config}\n"
    write(
        repo,
        "apps/b/kustomization.yaml",
        "namespace: litemaas\nresources: [backend.yaml, cm.yaml]\n",
    )
    write(repo, "apps/b/backend.yaml", deployment("backend", backend, from_cm))
    write(
        repo,
        "apps/b/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: backend-config\ndata:\n"
        "  LITELLM_API_URL: http://litellm.ai.svc.cluster.local:4000\n",
    )
    init_repo(repo)
    data = scan_json(cli, repo)
    assert links_of(data) == [("apps/a", "litellm", "url"), ("apps/b", "litellm", "url")]
    urls = {lk["backend"]: lk["url"] for i in data["installations"] for lk in i["links"]}
    assert urls["apps/a"] == {
        "value": "http://litellm.ai:4000",
        "file": "apps/a/backend.yaml",
        "line": 17,
        "path": "env LITELLM_API_URL",
    }
    assert urls["apps/b"]["file"] == "apps/b/cm.yaml" and urls["apps/b"]["line"] == 6
    assert urls["apps/b"]["path"] == "ConfigMap/backend-config data.LITELLM_API_URL"


def test_a_url_kept_in_a_secret_is_never_read_and_stays_unlinked(cli, tmp_path: Path) -> None:
    repo = tmp_path / "r"
    litellm_overlay(repo, "litellm", namespace="ai")
    env = (
        "          env:\n            - name: LITELLM_API_URL\n              valueFrom:\n"
        "                secretKeyRef: {name: backend, key: url}\n"
    )
    write(repo, "apps/a/kustomization.yaml", "resources: [backend.yaml, secret.yaml]\n")
    write(
        repo,
        "apps/a/backend.yaml",
        deployment("backend", "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3", env),
    )
    write(
        repo,
        "apps/a/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: backend\nstringData:\n"
        "  url: http://litellm.ai:4000\n",
    )
    init_repo(repo)
    data = scan_json(cli, repo)
    assert links_of(data) == []
    assert data["unlinked"] == [
        {
            "backend": "apps/a",
            "why": "the backend in apps/a calls a litellm the files do not "
            "name (no URL found outside Secrets)",
        }
    ]
    assert "litellm.ai:4000" not in json.dumps(data)


def test_compose_backend_calls_the_litellm_service_of_its_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from litemaas_upgrade.engine import scan
    from litemaas_upgrade.installations.link import OWN, link
    from litemaas_upgrade.rules import load_rules
    from litemaas_upgrade.source import WorkTree

    repo = tmp_path / "r"
    write(
        repo,
        "compose.yaml",
        "services:\n  backend:\n    image: quay.io/rh-aiservices-bu/litemaas-backend:0.1.3\n"
        "    environment:\n      - LITELLM_API_URL=http://litellm:4000\n"
        "  litellm:\n    image: ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable\n",
    )
    init_repo(repo)
    monkeypatch.chdir(repo)
    linked = link(scan(WorkTree(repo), load_rules(None)).targets)
    (lk,) = linked.links()
    assert (lk.how, lk.caller, lk.callee) == (
        OWN,
        ("compose.yaml", "compose"),
        ("compose.yaml", "compose"),
    )
    assert lk.url is not None and lk.url.line == 5
    assert linked.unlinked == []


def test_declared_installations_win_and_are_checked_at_their_line(cli, tmp_path: Path) -> None:
    repo = tmp_path / "r"
    chart(repo)
    backend_values(repo, "envs/prod-values.yaml", "https://llm.example.com")
    litellm_overlay(repo, "litellm")
    litellm_overlay(repo, "litellm-b", namespace="b")
    write(
        repo,
        ".litemaas-upgrade.yaml",
        "installations:\n  - name: prod\n    backend: envs/prod-values.yaml\n"
        "    litellm: litellm-b\n",
    )
    init_repo(repo)
    data = scan_json(cli, repo)
    assert links_of(data) == [("envs/prod-values.yaml", "litellm-b", "declared")]
    assert data["installations"][0]["name"] == "prod"
    assert data["installations"][0]["links"][0]["declared"] == ".litemaas-upgrade.yaml:2:5"
    assert data["unlinked"] == []
    # A declared target that does not deploy the component: exit 3 at its line:col.
    write(
        repo,
        ".litemaas-upgrade.yaml",
        "installations:\n  - backend: envs/prod-values.yaml\n    litellm: envs/prod-values.yaml\n",
    )
    res = cli("scan", ".", cwd=repo)
    assert res.code == 3
    assert ".litemaas-upgrade.yaml:3:14" in res.err
    assert "no target deploys litellm there (targets with litellm: litellm, litellm-b)" in res.err
    write(
        repo,
        ".litemaas-upgrade.yaml",
        "installations:\n  - backend: envs/prod-values.yaml\n    lite: x\n",
    )
    res = cli("scan", ".", cwd=repo)
    assert (
        res.code == 3
        and ".litemaas-upgrade.yaml:3:5" in res.err
        and "unknown key 'lite'" in res.err
    )


def test_odd_shapes_are_read_as_nothing_never_a_crash(cli, tmp_path: Path) -> None:
    repo = tmp_path / "r"
    odd_env = (
        "          env:\n            - LITELLM_API_URL\n            - name: LITELLM_API_URL\n"
        "              valueFrom: somewhere\n          envFrom: configmap\n"
    )
    write(repo, "apps/a/kustomization.yaml", "resources: [backend.yaml, svc.yaml]\n")
    write(
        repo,
        "apps/a/backend.yaml",
        deployment("backend", "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3", odd_env),
    )
    write(
        repo,
        "apps/a/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  selector: [app]\n"
        "  ports: {port: 4000}\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\n"
        "spec:\n  jobTemplate: [1]\n",
    )
    init_repo(repo)
    data = scan_json(cli, repo)
    assert [u["backend"] for u in data["unlinked"]] == ["apps/a"]
    write(repo, "apps/a/kustomization.yaml", "resources: [backend.yaml]\n")
    chart(repo)
    backend_values(repo, "envs/prod-values.yaml", "http://[::1:4000")  # not a URL
    assert "http://[::1:4000" in json.dumps(scan_json(cli, repo)["unlinked"])


ARGO_LITELLM = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: llm
spec:
  source:
    repoURL: oci://docker.litellm.ai/berriai/litellm-helm
    chart: litellm-helm
    targetRevision: 1.95.0
    helm:
      valuesObject:
        image:
          repository: ghcr.io/berriai/litellm-database
          tag: main-v1.74.7-stable
  destination:
    namespace: ai
"""

FLUX_LITELLM = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: litellm
  namespace: flux-system
spec:
  targetNamespace: gateway
  chart:
    spec:
      chart: litellm-helm
      version: 1.95.0
      sourceRef: {kind: HelmRepository, name: berriai}
  values:
    service: {port: 8000}
    image:
      repository: ghcr.io/berriai/litellm-database
      tag: main-v1.74.7-stable
"""


@pytest.mark.parametrize(
    ("obj", "url", "service"),
    [
        # Argo CD: the release is the app's name; the chart's fullname is <release>-litellm-helm.
        (ARGO_LITELLM, "http://llm-litellm-helm.ai.svc:4000", "llm-litellm-helm.ai"),
        # helm.releaseName containing the chart's name: the fullname is the release's.
        (
            ARGO_LITELLM.replace("    helm:\n", "    helm:\n      releaseName: my-litellm-helm\n"),
            "http://my-litellm-helm.ai:4000",
            "my-litellm-helm.ai",
        ),
        # Flux: targetNamespace-name is the release; service.port from the values.
        (FLUX_LITELLM, "http://gateway-litellm-litellm-helm.gateway:8000", None),
    ],
)
def test_a_litellm_chart_release_of_a_gitops_object_is_linked_by_its_chart_naming(
    cli, tmp_path: Path, obj: str, url: str, service: str | None
) -> None:
    repo = tmp_path / "r"
    chart(repo)
    backend_values(repo, "envs/prod-values.yaml", url)
    write(repo, "gitops/litellm.yaml", obj)
    init_repo(repo)
    data = scan_json(cli, repo)
    assert links_of(data) == [("envs/prod-values.yaml", "gitops/litellm.yaml", "url")], data.get(
        "unlinked"
    )
    svc = data["installations"][0]["links"][0]["service"]
    if service is not None:
        assert f"{svc['name']}.{svc['namespace']}" == service
    assert svc["file"] == "gitops/litellm.yaml" and svc["line"] > 0
    # Another port is another Service.
    backend_values(repo, "envs/prod-values.yaml", url.rsplit(":", 1)[0] + ":9999")
    assert links_of(scan_json(cli, repo)) == []


def test_the_litemaas_charts_own_litellm_serves_another_backend_when_the_release_is_named(
    cli, tmp_path: Path
) -> None:
    repo = tmp_path / "r"
    chart(repo)
    backend_values(repo, "envs/shared.yaml", None, litellm=True)
    write(
        repo,
        ".litemaas-upgrade.yaml",
        "helm:\n  - chart: charts/litemaas\n    values: [envs/shared.yaml]\n"
        "    release: ai\n    namespace: litemaas\n",
    )
    env = (
        "          env:\n            - name: LITELLM_API_URL\n"
        "              value: http://ai-litemaas-litellm.litemaas.svc.cluster.local:4000\n"
    )
    write(repo, "team-b/kustomization.yaml", "namespace: team-b\nresources: [backend.yaml]\n")
    write(
        repo,
        "team-b/backend.yaml",
        deployment("backend", "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3", env),
    )
    init_repo(repo)
    data = scan_json(cli, repo)
    assert ("team-b", "envs/shared.yaml", "url") in links_of(data)
    assert ("envs/shared.yaml", "envs/shared.yaml", "own") in links_of(data)
    (inst,) = data["installations"]
    assert inst["members"] == ["envs/shared.yaml", "team-b"]
