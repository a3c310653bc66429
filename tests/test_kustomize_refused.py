"""Kustomize builds that do not happen, or not in full: a build kustomize refuses (a plugin
it runs only with flags, a folder that is not there) is its target's error, with the
components its files imply unknown; a remote resource is never fetched, and a component
it names is unknown. Each refusal is proved against the real `kubectl kustomize`; remote
references use the `.invalid` domain, which never resolves, so nothing is fetched."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import git, init_repo, write
from litemaas_upgrade.managers.kustomize.unbuilt import named_by_remote
from litemaas_upgrade.rules import load_rules

BACKEND = "quay.io/rh-aiservices-bu/litemaas-backend"
LITELLM = "ghcr.io/berriai/litellm"
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is missing")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
        - name: {name}
          image: {image}
"""

KSOPS = """\
apiVersion: viaduct.ai/v1
kind: ksops
metadata:
  name: secrets
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ksops
files:
  - ./secret.enc.yaml
"""

SECRET_GENERATOR = """\
apiVersion: builtin
kind: SecretGenerator
metadata:
  name: secrets
literals:
  - key=value
"""


def deployments(folder: Path, backend: str = "0.1.3", litellm: str = "main-v1.74.7-stable") -> None:
    write(folder / "backend.yaml", DEPLOYMENT.format(name="backend", image=f"{BACKEND}:{backend}"))
    write(folder / "litellm.yaml", DEPLOYMENT.format(name="litellm", image=f"{LITELLM}:{litellm}"))


def kubectl(repo: Path, folder: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUSTOMIZE_PLUGIN_HOME": os.devnull}
    return subprocess.run(
        ["kubectl", "kustomize", folder], cwd=repo, capture_output=True, text=True, env=env
    )


def built_images(out: str) -> set[str]:
    return {line.split("image:", 1)[1].strip() for line in out.splitlines() if "image:" in line}


def scan(cli, repo: Path) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code in (0, 1), result.err
    return {t["path"]: t for t in json.loads(result.out)["targets"] if t["kind"] == "kustomize"}


def errors(target: dict) -> list[dict]:
    return [f for f in target["findings"] if f["severity"] == "error"]


# ---------------------------------------------------------------- plugins kustomize refuses

PLUGIN_LAYOUTS = {
    # name: (kustomization lines beyond resources, extra files, kustomize's words)
    "generator-file": ("generators:\n  - ksops.yaml\n", {"ksops.yaml": KSOPS}, "'ksops'"),
    "transformer-file": ("transformers:\n  - ksops.yaml\n", {"ksops.yaml": KSOPS}, "'ksops'"),
    "validator-file": ("validators:\n  - ksops.yaml\n", {"ksops.yaml": KSOPS}, "'ksops'"),
    "generator-inline": (
        "generators:\n  - |-\n" + "".join(f"    {line}\n" for line in KSOPS.splitlines()),
        {},
        "'ksops'",
    ),
    "generator-folder": (
        "generators:\n  - gens\n",
        {"gens/ksops.yaml": KSOPS, "gens/kustomization.yaml": "resources:\n  - ksops.yaml\n"},
        "'ksops'",
    ),
    "builtin-in-the-wrong-list": (
        "transformers:\n  - gen.yaml\n",
        {"gen.yaml": SECRET_GENERATOR},
        "not a transformer",
    ),
    "helm-without-enable-helm": (
        "generators:\n  - helm.yaml\n",
        {
            "helm.yaml": "apiVersion: builtin\nkind: HelmChartInflationGenerator\n"
            "metadata:\n  name: chart\nname: litellm\n"
        },
        "--enable-helm",
    ),
}


@needs_kubectl
@pytest.mark.parametrize("layout", sorted(PLUGIN_LAYOUTS))
def test_a_plugin_kustomize_refuses_is_the_target_s_error(cli, tmp_path: Path, layout: str) -> None:
    extra, files, words = PLUGIN_LAYOUTS[layout]
    repo = tmp_path / "repo"
    app = repo / "deploy" / "app"
    deployments(app)
    write(app / "kustomization.yaml", "resources:\n  - backend.yaml\n  - litellm.yaml\n" + extra)
    for name, text in files.items():
        write(app / name, text)
    init_repo(repo)
    refused = kubectl(repo, "deploy/app")
    assert refused.returncode != 0 and words in refused.stderr, refused.stderr
    target = scan(cli, repo)["deploy/app"]
    # Never absent, never built: what the files name, unknown, with kustomize's reason.
    assert set(target["components"]) == {"backend", "litellm"}
    for comp in target["components"].values():
        assert comp["image"] is None and comp["version"] is None
        assert words in comp["note"] and "kustomize refuses the build" in comp["note"]
        assert comp["sites"], comp  # where the files name it
    found = errors(target)
    assert [f["code"] for f in found] == ["LU009"] and words in found[0]["message"]
    assert cli("lint", ".", cwd=repo).code == 1


@needs_kubectl
def test_the_ksops_fix_names_the_flags_and_a_builtin_generator_builds(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    app = repo / "app"
    deployments(app)
    write(
        app / "kustomization.yaml",
        "resources:\n  - backend.yaml\n  - litellm.yaml\ngenerators:\n  - gen.yaml\n",
    )
    write(app / "gen.yaml", SECRET_GENERATOR)
    init_repo(repo)
    built = kubectl(repo, "app")
    assert built.returncode == 0, built.stderr
    target = scan(cli, repo)["app"]
    assert {c["image"] for c in target["components"].values()} == built_images(built.stdout)
    assert not errors(target)
    write(app / "gen.yaml", KSOPS)
    git(repo, "commit", "-qam", "ksops")
    assert "external plugins disabled" in kubectl(repo, "app").stderr
    (finding,) = errors(scan(cli, repo)["app"])
    assert "--enable-alpha-plugins" in finding["fix"]


@needs_kubectl
def test_a_plugin_in_the_base_refuses_the_overlay(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deployments(repo / "base")
    write(
        repo / "base" / "kustomization.yaml",
        "resources:\n  - backend.yaml\n  - litellm.yaml\ngenerators:\n  - ksops.yaml\n",
    )
    write(repo / "base" / "ksops.yaml", KSOPS)
    write(
        repo / "overlays" / "prod" / "kustomization.yaml",
        f'resources:\n  - ../../base\nimages:\n  - name: {BACKEND}\n    newTag: "0.2.0"\n',
    )
    init_repo(repo)
    assert "unable to load external plugin 'ksops'" in kubectl(repo, "overlays/prod").stderr
    comps = scan(cli, repo)["overlays/prod"]["components"]
    assert {c: v["image"] for c, v in comps.items()} == {"backend": None, "litellm": None}
    # What the files imply is read as the build would have it: the overlay's tag.
    assert f"{BACKEND}:0.2.0" in comps["backend"]["note"]


# ---------------------------------------------------------------- folders that are not there


@needs_kubectl
@pytest.mark.parametrize(
    ("make_folder", "words"),
    [(False, "must build at directory"), (True, "unable to find one of 'kustomization.yaml'")],
    ids=["no-folder", "folder-without-kustomization"],
)
def test_a_component_folder_kustomize_cannot_load_refuses_the_build(
    cli, tmp_path: Path, make_folder: bool, words: str
) -> None:
    repo = tmp_path / "repo"
    deployments(repo / "app" / "base")
    write(
        repo / "app" / "base" / "kustomization.yaml",
        "resources:\n  - backend.yaml\n  - litellm.yaml\n",
    )
    write(
        repo / "app" / "overlays" / "prod" / "kustomization.yaml",
        "resources:\n  - ../../base\ncomponents:\n  - ../../components/gluetun\n",
    )
    if make_folder:
        write(repo / "app" / "components" / "gluetun" / "README.md", "not yet\n")
    init_repo(repo)
    refused = kubectl(repo, "app/overlays/prod")
    assert refused.returncode != 0 and words in refused.stderr, refused.stderr
    target = scan(cli, repo)["app/overlays/prod"]
    assert {c: v["image"] for c, v in target["components"].items()} == {
        "backend": None,
        "litellm": None,
    }
    (finding,) = errors(target)
    assert finding["code"] == "LU009" and "components/gluetun" in finding["message"]
    assert "kustomize refuses the build" in finding["message"]
    assert "add the folder" in finding["fix"]


# ---------------------------------------------------------------- remote resources

REMOTE = "https://example.invalid/litemaas/main/deployment/openshift"


@needs_kubectl
def test_a_remote_resource_that_names_litellm_makes_it_unknown(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    app = repo / "app"
    write(app / "backend.yaml", DEPLOYMENT.format(name="backend", image=f"{BACKEND}:0.1.3"))
    write(
        app / "kustomization.yaml",
        "resources:\n  - backend.yaml\n"
        f"  - {REMOTE}/litellm-deployment.yaml\n  - {REMOTE}/postgres-statefulset.yaml\n",
    )
    init_repo(repo)
    refused = kubectl(repo, "app")
    assert refused.returncode != 0 and "accumulating resources from 'https://" in refused.stderr
    target = scan(cli, repo)["app"]
    comps = target["components"]
    assert comps["backend"]["image"] == f"{BACKEND}:0.1.3"  # what the local files show
    assert comps["litellm"]["image"] is None
    assert comps["litellm"]["note"] == (
        f"deployed by a remote resource that is never fetched: {REMOTE}/litellm-deployment.yaml"
    )
    assert "frontend" not in comps  # a postgres file names no component
    notices = [f for f in target["findings"] if f["code"] == "LU009"]
    assert len(notices) == 2 and all("not fetched" in f["message"] for f in notices)
    assert all("vendor the resource" in f["fix"] for f in notices)
    assert target["stage"] == "unknown"


def _remote_litellm_repo(repo: Path, litellm: str) -> None:
    """The backend local, LiteLLM from a remote resource whose tag an images: entry sets."""
    app = repo / "app"
    write(app / "backend.yaml", DEPLOYMENT.format(name="backend", image=f"{BACKEND}:0.1.3"))
    write(
        app / "kustomization.yaml",
        "resources:\n  - backend.yaml\n"
        f"  - {REMOTE}/litellm-deployment.yaml\nimages:\n  - name: {LITELLM}\n"
        f"    newTag: {litellm}\n",
    )


def test_a_litellm_first_change_through_a_remote_resource_is_refused(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _remote_litellm_repo(repo, "main-v1.74.7-stable")
    init_repo(repo)
    comps = scan(cli, repo)["app"]["components"]
    assert comps["litellm"]["image"] == f"{LITELLM}:main-v1.74.7-stable"
    _remote_litellm_repo(repo, "main-v1.81.0-stable")
    git(repo, "add", "-A")
    hook = cli("lint", "app/kustomization.yaml", cwd=repo)
    assert hook.code == 1 and "LU001" in hook.out, hook.out
    base = cli("lint", "--base", "HEAD", cwd=repo)
    assert base.code == 1 and ("LU001" in base.out or "LU002" in base.out), base.out


@needs_kubectl
def test_a_plan_edits_the_local_part_of_a_build_with_a_remote_resource(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    app = repo / "app"
    deployments(app)
    write(
        app / "kustomization.yaml",
        f"resources:\n  - backend.yaml\n  - litellm.yaml\n  - {REMOTE}/postgres-statefulset.yaml\n",
    )
    init_repo(repo)
    assert cli("apply", ".", "--phase", "1", cwd=repo).code == 0
    comps = scan(cli, repo)["app"]["components"]
    assert comps["backend"]["image"] == f"{BACKEND}:0.2.0"
    assert comps["litellm"]["image"] == f"{LITELLM}:main-v1.74.7-stable"
    # The local part, built by kubectl without the remote entry, agrees.
    local = repo / "local"
    shutil.copytree(app, local)
    write(local / "kustomization.yaml", "resources:\n  - backend.yaml\n  - litellm.yaml\n")
    built = kubectl(repo, "local")
    assert built_images(built.stdout) == {c["image"] for c in comps.values()}


@pytest.mark.parametrize(
    ("url", "named"),
    [
        (
            "https://raw.githubusercontent.com/o/litemaas/main/deploy/litellm-deployment.yaml",
            ["litellm"],
        ),
        ("https://raw.githubusercontent.com/o/litemaas/main/deploy/postgres-service.yaml", []),
        (
            "https://raw.githubusercontent.com/o/litemaas/main/deploy/backend-deployment.yaml",
            ["backend"],
        ),
        (
            "github.com/rh-aiservices-bu/litemaas//deployment/kustomize?ref=v0.1.3",
            ["backend", "frontend", "litellm"],
        ),
        ("github.com/BerriAI/litellm/deploy/kustomize?ref=main", ["litellm"]),
        ("https://example.invalid/myapp/backend-deployment.yaml", []),
        ("git@github.com:org/platform.git//redis", []),
    ],
)
def test_what_a_remote_reference_names(url: str, named: list[str]) -> None:
    assert sorted(named_by_remote(url, load_rules())) == named


@needs_kubectl
def test_an_image_in_a_patch_that_targets_nothing_read_is_implied_too(cli, tmp_path: Path) -> None:
    """The LiteLLM deployment lives in the missing component; the overlay's patch names
    its image: what the files imply includes it."""
    repo = tmp_path / "repo"
    write(
        repo / "base" / "backend.yaml", DEPLOYMENT.format(name="backend", image=f"{BACKEND}:0.1.3")
    )
    write(repo / "base" / "kustomization.yaml", "resources:\n  - backend.yaml\n")
    write(
        repo / "overlays" / "prod" / "kustomization.yaml",
        "resources:\n  - ../../base\ncomponents:\n  - ../../components/litellm\n"
        "patches:\n  - path: litellm-patch.yaml\n",
    )
    write(
        repo / "overlays" / "prod" / "litellm-patch.yaml",
        DEPLOYMENT.format(name="litellm", image=f"{LITELLM}:main-v1.81.0-stable"),
    )
    init_repo(repo)
    refused = kubectl(repo, "overlays/prod")
    assert refused.returncode != 0 and "must build at directory" in refused.stderr
    comps = scan(cli, repo)["overlays/prod"]["components"]
    assert {c: v["image"] for c, v in comps.items()} == {"backend": None, "litellm": None}
    (site,) = comps["litellm"]["sites"]
    assert site["file"] == "overlays/prod/litellm-patch.yaml" and site["line"] == 10
    assert f"{LITELLM}:main-v1.81.0-stable" in comps["litellm"]["note"]


@needs_kubectl
def test_a_builtin_image_transformer_builds_and_what_it_names_is_unknown(
    cli, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    deployments(repo / "app")
    write(
        repo / "app" / "kustomization.yaml",
        "resources:\n  - backend.yaml\n  - litellm.yaml\ntransformers:\n  - tags.yaml\n",
    )
    write(
        repo / "app" / "tags.yaml",
        "apiVersion: builtin\nkind: ImageTagTransformer\nmetadata:\n  name: tags\n"
        f"imageTag:\n  name: {LITELLM}\n  newTag: main-v1.81.0-stable\n",
    )
    init_repo(repo)
    built = kubectl(repo, "app")
    assert built.returncode == 0, built.stderr  # kustomize runs its builtins
    target = scan(cli, repo)["app"]
    assert not errors(target)
    # The backend's image is the one kubectl renders; LiteLLM's, which the transformer
    # names, is unknown, never the stale tag of the manifest.
    comps = {c: v["image"] for c, v in target["components"].items()}
    assert comps == {"backend": f"{BACKEND}:0.1.3", "litellm": None}
    assert f"{BACKEND}:0.1.3" in built_images(built.stdout)
    assert "ImageTagTransformer" in target["components"]["litellm"]["note"]
    notes = [f["message"] for f in target["findings"] if f["code"] == "LU009"]
    assert notes == [
        "transformers: the builtin ImageTagTransformer is not modelled by this "
        "tool; it may change images"
    ]


@needs_kubectl
def test_a_resource_folder_without_a_kustomization_refuses_the_build(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deployments(repo / "app")
    write(repo / "app" / "extra" / "notes.yaml", "a: 1\n")
    write(
        repo / "app" / "kustomization.yaml",
        "resources:\n  - backend.yaml\n  - litellm.yaml\n  - extra\n",
    )
    init_repo(repo)
    refused = kubectl(repo, "app")
    assert refused.returncode != 0 and "unable to find one of" in refused.stderr
    target = scan(cli, repo)["app"]
    assert {c: v["image"] for c, v in target["components"].items()} == {
        "backend": None,
        "litellm": None,
    }
    (finding,) = errors(target)
    assert "app/extra: no kustomization.yaml there" in finding["message"]


@needs_kubectl
def test_a_refused_build_that_implies_no_component_warns(cli, tmp_path: Path) -> None:
    """ksops for an app that is neither LiteMaaS nor LiteLLM: kustomize refuses it as it
    refuses any, but nothing of the upgrade depends on it, so it must not fail every
    commit of the repository; the same refusal next to LiteLLM stays an error."""
    repo = tmp_path / "repo"
    other = repo / "apps" / "wiki"
    write(other / "wiki.yaml", DEPLOYMENT.format(name="wiki", image="nginx:1.27"))
    write(other / "ksops.yaml", KSOPS)
    write(other / "kustomization.yaml", "resources:\n  - wiki.yaml\ngenerators:\n  - ksops.yaml\n")
    ai = repo / "apps" / "ai"
    deployments(ai)
    write(ai / "ksops.yaml", KSOPS)
    write(
        ai / "kustomization.yaml",
        "resources:\n  - backend.yaml\n  - litellm.yaml\ngenerators:\n  - ksops.yaml\n",
    )
    init_repo(repo)
    assert "external plugins disabled" in kubectl(repo, "apps/wiki").stderr
    result = cli("scan", ".", "--format", "json", cwd=repo)
    targets = {t["path"]: t for t in json.loads(result.out)["targets"]}
    assert targets["apps/wiki"]["components"] == {}
    wiki = [(f["code"], f["severity"]) for f in targets["apps/wiki"]["findings"]]
    assert wiki == [("LU009", "warning")]
    assert [f["code"] for f in errors(targets["apps/ai"])] == ["LU009"]
    git(repo, "rm", "-rq", "apps/ai")
    git(repo, "commit", "-qm", "only the unrelated app is left")
    assert cli("lint", ".", cwd=repo).code == 0
