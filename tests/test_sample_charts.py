"""Pin what the sample deployment repository in ``sample-charts/`` really deploys.

The images are measured with the real engines: Helm through ``helm_python``
(helm-python-sdk, offline render) and Kustomize through ``kubectl kustomize``.
Everything in ``sample-charts/`` is at the pre-upgrade state: LiteMaaS 0.1.3 with
LiteLLM main-v1.74.7-stable.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

try:
    import helm_python as helm
except ImportError:  # optional extra: litemaas-upgrade[render]
    helm = None

SAMPLES = Path(__file__).resolve().parents[1] / "sample-charts"
CHART = SAMPLES / "charts" / "litemaas"

BACKEND = "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3"
FRONTEND = "quay.io/rh-aiservices-bu/litemaas-frontend:0.1.3"
LITELLM = "ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable"
POSTGRES = "postgres:16-alpine"
OPENSHIFT_TOOLS = "image-registry.openshift-image-registry.svc:5000/openshift/tools:latest"

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job"}

needs_helm = pytest.mark.skipif(
    helm is None, reason="helm_python (helm-python-sdk, extra 'render') is not importable"
)
needs_kubectl = pytest.mark.skipif(
    shutil.which("kubectl") is None, reason="kubectl is not on PATH (needed for kubectl kustomize)"
)


def workload_images(*texts: str) -> set[tuple[str, str, str, str]]:
    """(kind, workload name, container name, image) for every container and initContainer."""
    yaml = YAML(typ="safe")
    found = set()
    for text in texts:
        for doc in yaml.load_all(text):
            if not isinstance(doc, dict) or doc.get("kind") not in WORKLOAD_KINDS:
                continue
            pod = doc["spec"]["template"]["spec"]
            for key in ("initContainers", "containers"):
                for container in pod.get(key) or []:
                    found.add(
                        (
                            doc["kind"],
                            doc["metadata"]["name"],
                            container["name"],
                            container["image"],
                        )
                    )
    return found


# --------------------------------------------------------------------------- helm


def helm_render(values_file: str | None = None, values: dict | None = None) -> dict[str, str]:
    vals = dict(values or {})
    if values_file is not None:
        vals = helm.values_from_yaml((SAMPLES / values_file).read_text(encoding="utf-8"))
    chart = helm.Chart.load(str(CHART))
    return chart.render(vals, name="litemaas", namespace="litemaas")


def chart_images(litellm: str | None, frontend_init: str = "busybox:1.36") -> set:
    images = {
        ("Deployment", "litemaas-backend", "wait-for-database", POSTGRES),
        ("Deployment", "litemaas-backend", "backend", BACKEND),
        ("Deployment", "litemaas-frontend", "wait-for-backend", frontend_init),
        ("Deployment", "litemaas-frontend", "frontend", FRONTEND),
        ("StatefulSet", "litemaas-postgresql", "postgres", POSTGRES),
    }
    if litellm is not None:
        images |= {
            ("Deployment", "litemaas-litellm", "wait-for-database", POSTGRES),
            ("Deployment", "litemaas-litellm", "litellm", litellm),
        }
    return images


@needs_helm
def test_helm_chart_defaults():
    out = helm_render()
    assert workload_images(*out.values()) == chart_images(LITELLM)
    # backend/frontend tags come from appVersion, which also lands in the labels
    assert 'app.kubernetes.io/version: "0.1.3"' in out["litemaas/templates/backend-deployment.yaml"]
    assert "helm.sh/chart: litemaas-0.1.0" in out["litemaas/templates/backend-deployment.yaml"]


@needs_helm
def test_helm_prod_values_litellm_through_mirror():
    out = helm_render("envs/prod-values.yaml")
    mirror = "registry.example.com/mirror/litellm-non_root:main-v1.74.7-stable"
    assert workload_images(*out.values()) == chart_images(mirror)
    assert "replicas: 3" in out["litemaas/templates/backend-deployment.yaml"]
    assert "litemaas.prod.example.com" in out["litemaas/templates/frontend-ingress.yaml"]


@needs_helm
def test_helm_staging_values_openshift_with_hook():
    out = helm_render("envs/staging-values.yaml")
    expected = chart_images(LITELLM, frontend_init=OPENSHIFT_TOOLS)
    expected.add(("Job", "litemaas-oauth-setup", "oauth-setup", "bitnami/kubectl:latest"))
    assert workload_images(*out.values()) == expected


@needs_helm
def test_helm_edge_values_pin_every_image():
    out = helm_render("edge/edge-values.yaml")
    assert workload_images(*out.values()) == chart_images(LITELLM)


@needs_helm
def test_edge_takes_the_whole_path_to_0_4_0_each_phase_rendered(cli, sample_repo, tmp_path):
    """`plan --to 0.4.0`: the edge release walks both guides; the thin values file of each
    phase and the repository after its diff render, with the real Helm engine, the images
    the guides name for that step; phase 3 moves the repository pinned beside the tag."""
    out = tmp_path / "plan"
    result = cli("plan", ".", "--out", str(out), "--to", "0.4.0", cwd=sample_repo)
    assert result.code == 0, result.err
    # A mirror is never replaced by the fork's repository: left as it is, said loudly;
    # and the prod overlay, whose mirror rename matches the base no more once the dev
    # overlay's step moves the shared base, is named.
    assert (
        "warning: envs/prod-values.yaml: phase 3: litellm comes from "
        "registry.example.com/mirror/litellm-non_root, not from a repository the rules move"
    ) in result.err
    assert (
        "warning: kustomize/overlays/prod: phase 3: litellm of this target moves from "
        "registry.example.com:5000/mirror/litellm-non_root to quay.io/rh-aiservices-bu/"
    ) in result.err
    fork = "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom"
    new_llm = "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable"
    litemaas = {
        n: (
            f"quay.io/rh-aiservices-bu/litemaas-backend:{v}",
            f"quay.io/rh-aiservices-bu/litemaas-frontend:{v}",
        )
        for n, v in ((1, "0.2.0"), (2, "0.2.0"), (3, "0.4.0"))
    }
    llm = {1: LITELLM, 2: new_llm, 3: fork}
    chart = helm.Chart.load(str(sample_repo / "charts" / "litemaas"))
    edge = sample_repo / "edge/edge-values.yaml"

    def images(*values_texts: str) -> set:
        merged: dict = {}
        for text in values_texts:
            _merge(merged, helm.values_from_yaml(text))
        return workload_images(
            *chart.render(merged, name="litemaas", namespace="litemaas").values()
        )

    for n in (1, 2, 3):
        want = {
            ("Deployment", "litemaas-backend", "backend", litemaas[n][0]),
            ("Deployment", "litemaas-frontend", "frontend", litemaas[n][1]),
            ("Deployment", "litemaas-litellm", "litellm", llm[n]),
        }
        # As the runbook deploys it: the release's file as it is, then the thin file.
        thin = out / f"phase-{n}" / "_deploy" / "values" / "edge__edge-values.yaml"
        assert want <= images(edge.read_text(), thin.read_text()), n
        # And the repository after the phase's diff, alone.
        subprocess.run(["git", "apply", str(out / f"phase-{n}.diff")], cwd=sample_repo, check=True)
        assert want <= images(edge.read_text()), n
    text = edge.read_text()
    assert (
        "repository: quay.io/rh-aiservices-bu/litellm-non-root\n"
        '    tag: "main-v1.81.0-stable-custom"' in text
    )


def _merge(dst: dict, src: dict) -> None:
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v)
        else:
            dst[k] = v


@needs_helm
def test_helm_litellm_disabled_renders_no_litellm():
    out = helm_render(values={"litellm": {"enabled": False}})
    assert workload_images(*out.values()) == chart_images(None)
    assert not out["litemaas/templates/litellm-deployment.yaml"].strip()
    assert not out["litemaas/templates/litellm-secret.yaml"].strip()


@needs_helm
def test_helm_external_litellm_values_call_the_separate_litellm():
    out = helm_render("external-litellm/litemaas-values.yaml")
    assert workload_images(*out.values()) == chart_images(None)
    backend = out["litemaas/templates/backend-deployment.yaml"]
    assert 'value: "http://litellm.ai-gateway.svc.cluster.local:4000"' in backend
    # Without the URL, the backend calls the chart's own LiteLLM (as upstream derives it).
    default = helm_render()["litemaas/templates/backend-deployment.yaml"]
    assert 'value: "http://litemaas-litellm:4000"' in default


# ---------------------------------------------------------------------- kustomize


def kustomize_build(root: str) -> str:
    result = subprocess.run(
        ["kubectl", "kustomize", str(SAMPLES / root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


BASE_IMAGES = {
    ("Deployment", "backend", "wait-for-database", POSTGRES),
    ("Deployment", "backend", "backend", BACKEND),
    ("Deployment", "frontend", "frontend", FRONTEND),
    ("Deployment", "litellm", "wait-for-db", "busybox:1.36"),
    ("Deployment", "litellm", "litellm", LITELLM),
}


@needs_kubectl
def test_kustomize_base():
    assert workload_images(kustomize_build("kustomize/base")) == BASE_IMAGES


@needs_kubectl
def test_kustomize_overlay_dev():
    expected = {(kind, "dev-" + name, c, img) for kind, name, c, img in BASE_IMAGES}
    assert workload_images(kustomize_build("kustomize/overlays/dev")) == expected


@needs_kubectl
def test_kustomize_overlay_prod_mirror_with_port_and_dead_entry():
    out = kustomize_build("kustomize/overlays/prod")
    mirror = "registry.example.com:5000/mirror/litellm-non_root:main-v1.74.7-stable"
    expected = {img for img in BASE_IMAGES if img[3] != LITELLM}
    expected.add(("Deployment", "litellm", "litellm", mirror))
    # the images: entry for ".../litemaas-fronted" (typo) matches nothing: frontend unchanged
    assert workload_images(out) == expected
    assert "litemaas-fronted" not in out


@needs_kubectl
def test_kustomize_external_litellm_is_a_service_in_ai_gateway():
    out = kustomize_build("external-litellm/litellm")
    assert workload_images(out) == {("Deployment", "litellm", "litellm", LITELLM)}
    yaml = YAML(typ="safe")
    (svc,) = [d for d in yaml.load_all(out) if d["kind"] == "Service"]
    assert (svc["metadata"]["name"], svc["metadata"]["namespace"]) == ("litellm", "ai-gateway")
    assert [p["port"] for p in svc["spec"]["ports"]] == [4000]


@needs_kubectl
def test_kustomize_upstream_layout_renders_latest():
    # upstream's images: newTag: latest overrides LITEMAAS_VERSION from user-values.env
    out = kustomize_build("kustomize-upstream")
    assert workload_images(out) == {
        ("Deployment", "backend", "wait-for-database", POSTGRES),
        ("Deployment", "backend", "backend", "quay.io/rh-aiservices-bu/litemaas-backend:latest"),
        ("Deployment", "frontend", "wait-for-backend", OPENSHIFT_TOOLS),
        ("Deployment", "frontend", "frontend", "quay.io/rh-aiservices-bu/litemaas-frontend:latest"),
        ("Deployment", "litellm", "wait-for-database", POSTGRES),
        ("Deployment", "litellm", "litellm", LITELLM),
    }


def test_kustomize_upstream_local_files_are_envsubst_output():
    """The committed *.local files and kustomization.yaml match their templates."""
    folder = SAMPLES / "kustomize-upstream"
    env = {}
    for line in (folder / "user-values.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    for template in sorted(folder.glob("*.yaml.template")):
        text = re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), template.read_text())
        generated = template.with_name(template.name.removesuffix(".template") + ".local")
        if generated.name == "kustomization.yaml.local":
            generated = folder / "kustomization.yaml"
        assert generated.read_text() == text, generated.name
