"""Custom resources whose `spec.image` is a LiteLLM image (the LiteLLM operator's
LiteLLMProxy): a site in a Kustomize build and in plain manifests, read as the real
`kubectl kustomize` renders it (patches reach it, `images:` does not), edited byte-exact,
and moved by a plan whose phase overlay really builds with the new image."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import git, init_repo, write

OLD = "ghcr.io/berriai/litellm:v1.74.7@sha256:" + "a" * 64
NEW_TAG = "main-v1.81.0-stable"

PROXY = f"""\
---
# yaml-language-server: $schema=https://example.invalid/litellmproxy_v1alpha1.json
apiVersion: litellm.home-operations.com/v1alpha1
kind: LiteLLMProxy
metadata:
  name: litellm
spec:
  # renovate: datasource=docker depName=ghcr.io/berriai/litellm
  image: {OLD}   # pinned by digest
  replicas: 1
"""

needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl")


def kustomize(folder: Path) -> list[dict]:
    out = subprocess.run(
        ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, check=True
    ).stdout
    return [d for d in YAML(typ="safe", pure=True).load_all(out) if d]


def proxy_image(folder: Path) -> str:
    [proxy] = [d for d in kustomize(folder) if d["kind"] == "LiteLLMProxy"]
    return str(proxy["spec"]["image"])


def scan(cli, repo: Path) -> dict[str, dict]:
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    return {t["path"]: t for t in json.loads(result.out)["targets"]}


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    write(repo / "app/litellmproxy.yaml", PROXY)
    write(repo / "app/kustomization.yaml", "resources:\n  - litellmproxy.yaml\n")
    return repo


@needs_kubectl
def test_read_as_kustomize_renders_it_and_images_entries_do_not_reach_it(
    cli, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    # kustomize's `images:` transforms containers only: this entry changes nothing.
    write(
        repo / "app/kustomization.yaml",
        "resources:\n  - litellmproxy.yaml\nimages:\n"
        "  - name: ghcr.io/berriai/litellm\n    newTag: v9.9.9\n",
    )
    # An overlay whose strategic-merge patch does reach it.
    write(
        repo / "overlay/kustomization.yaml",
        "resources:\n  - ../app\npatches:\n  - path: proxy-patch.yaml\n",
    )
    write(
        repo / "overlay/proxy-patch.yaml",
        "apiVersion: litellm.home-operations.com/v1alpha1\nkind: LiteLLMProxy\n"
        "metadata:\n  name: litellm\nspec:\n  image: ghcr.io/berriai/litellm-database:v1.74.7\n",
    )
    # And one with a JSON 6902 patch.
    write(
        repo / "json/kustomization.yaml",
        "resources:\n  - ../app\npatches:\n  - target: {kind: LiteLLMProxy, name: litellm}\n"
        "    patch: |-\n      - op: replace\n        path: /spec/image\n"
        "        value: ghcr.io/berriai/litellm-non_root:v1.74.7\n",
    )
    # The base is deployed too (said explicitly: it is no overlays/ folder).
    write(repo / ".litemaas-upgrade.yaml", "kustomize:\n  roots: [app, overlay, json]\n")
    init_repo(repo)
    targets = scan(cli, repo)
    for root in ("app", "overlay", "json"):
        want = proxy_image(repo / root)
        assert targets[root]["components"]["litellm"]["image"] == want, root
    assert proxy_image(repo / "app") == OLD
    [site] = targets["overlay"]["components"]["litellm"]["sites"]
    where = (site["file"], site["line"], site["path"])
    assert where == ("overlay/proxy-patch.yaml", 6, "spec.image")
    lu005 = [f for f in targets["app"]["findings"] if f["code"] == "LU005"]
    assert lu005, "the images: entry matches no container, as kustomize says"


def test_a_custom_resource_in_plain_manifests(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "manifests/litellmproxy.yaml", PROXY)
    # Flux image automation names an image it only watches: not a deployment.
    write(
        repo / "manifests/imagerepository.yaml",
        "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageRepository\n"
        "metadata:\n  name: litellm\nspec:\n  image: ghcr.io/berriai/litellm\n",
    )
    init_repo(repo)
    targets = scan(cli, repo)
    [target] = targets.values()
    assert target["kind"] == "manifest"
    litellm = target["components"]["litellm"]
    assert litellm["image"] == OLD
    assert [(s["file"], s["line"], s["col"]) for s in litellm["sites"]] == [
        ("manifests/litellmproxy.yaml", 9, 10)
    ]


@needs_kubectl
def test_plan_moves_the_custom_resource_byte_exact_and_its_overlay_builds(
    cli, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    init_repo(repo)
    before = (repo / "app/litellmproxy.yaml").read_bytes()
    out = tmp_path / "plan"
    result = cli("plan", ".", "--out", str(out), cwd=repo)
    assert result.code == 0, result.err
    # The edited file: only the image scalar changed; the digest goes (it would pin the
    # old image); comments, the document marker and the trailing comment stay.
    edited = (out / "phase-2/app/litellmproxy.yaml").read_bytes()
    want = "ghcr.io/berriai/litellm:" + NEW_TAG
    assert edited == before.replace(OLD.encode(), want.encode())
    # The thin overlay (images: cannot reach spec.image) builds, with the real kustomize,
    # to the new image.
    overlays = list((out / "phase-2/_deploy").rglob("kustomization.yaml"))
    assert len(overlays) == 1
    assert "/spec/image" in overlays[0].read_text()
    assert proxy_image(overlays[0].parent) == want
    # apply writes the same bytes into the repository.
    result = cli("apply", ".", "--phase", "2", cwd=repo)
    assert result.code == 0, result.err
    assert (repo / "app/litellmproxy.yaml").read_bytes() == edited
    assert proxy_image(repo / "app") == want
    git(repo, "diff", "--exit-code", "--", "app/kustomization.yaml")
