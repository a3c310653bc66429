"""scan on Helm targets: effective images, where they are decided, and stages."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write

CHART = """apiVersion: v2
name: litemaas
version: 0.1.0
appVersion: "0.1.3"
"""

VALUES = """backend:
  image:
    repository: quay.io/rh-aiservices-bu/litemaas-backend
    tag: ""
frontend:
  image:
    repository: quay.io/rh-aiservices-bu/litemaas-frontend
    tag: ""
litellm:
  enabled: true
  image:
    repository: ghcr.io/berriai/litellm-non_root
    tag: "main-v1.74.7-stable"
"""


def chart_repo(root: Path, values: str = VALUES, chart: str = CHART) -> Path:
    write(root / "chart/Chart.yaml", chart)
    write(root / "chart/values.yaml", values)
    return root


def scan_json(cli, root: Path, *extra: str) -> dict:
    result = cli("scan", ".", "--format", "json", *extra, cwd=root)
    data = json.loads(result.out)
    # scan exits 1 exactly when a target it reports carries an error finding.
    errors = [f for t in data["targets"] for f in t["findings"] if f["severity"] == "error"]
    assert result.code == (1 if errors else 0), result.err
    return data


def by_path(data: dict) -> dict[str, dict]:
    return {t["path"]: t for t in data["targets"]}


def test_sample_targets_images_sites_and_stage(cli, helm_repo: Path) -> None:
    data = by_path(scan_json(cli, helm_repo))
    assert sorted(data) == ["envs/prod-values.yaml", "envs/staging-values.yaml"]
    prod = data["envs/prod-values.yaml"]
    assert prod["kind"] == "helm" and prod["stage"] == "before-upgrade"
    comps = prod["components"]
    assert comps["backend"]["image"] == "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3"
    assert comps["frontend"]["version"] == "0.1.3"
    assert (
        comps["litellm"]["image"]
        == "registry.example.com/mirror/litellm-non_root:main-v1.74.7-stable"
    )
    # The backend tag comes from appVersion; the LiteLLM repository from the override file,
    # its tag from the chart default.
    tag_site = next(s for s in comps["backend"]["sites"] if s["decides"] == "tag")
    assert tag_site["file"] == "charts/litemaas/Chart.yaml" and tag_site["path"] == "appVersion"
    repo_site = next(s for s in comps["litellm"]["sites"] if s["decides"] == "repository")
    assert repo_site["file"] == "envs/prod-values.yaml" and repo_site["line"] > 0
    llm_tag = next(s for s in comps["litellm"]["sites"] if s["decides"] == "tag")
    assert llm_tag["file"] == "charts/litemaas/values.yaml"
    assert llm_tag["note"] == "chart default"
    staging = data["envs/staging-values.yaml"]["components"]
    stag = next(s for s in staging["backend"]["sites"] if s["decides"] == "tag")
    assert (stag["file"], stag["path"]) == ("envs/staging-values.yaml", "backend.image.tag")


def test_text_output_names_targets_and_sites(cli, helm_repo: Path) -> None:
    result = cli("scan", ".", cwd=helm_repo)
    assert result.code == 0
    assert "envs/prod-values.yaml  [helm]  before-upgrade" in result.out
    assert "charts/litemaas/Chart.yaml:" in result.out and "appVersion fallback" in result.out


def test_stages(cli, tmp_path: Path) -> None:
    root = chart_repo(tmp_path)
    cases = {
        "before.values.yaml": "backend: {image: {tag: '0.1.3'}}\n",
        "phase1.values.yaml": (
            "backend: {image: {tag: '0.2.0'}}\nfrontend: {image: {tag: '0.2.0'}}\n"
        ),
        "phase2.values.yaml": (
            "backend: {image: {tag: '0.2.0'}}\nfrontend: {image: {tag: '0.2.0'}}\n"
            "litellm: {image: {tag: main-v1.81.0-stable}}\n"
        ),
        "done.values.yaml": (
            "backend: {image: {tag: '0.4.0'}}\nfrontend: {image: {tag: '0.4.0'}}\n"
            "litellm: {image: {repository: quay.io/rh-aiservices-bu/litellm-non-root,"
            " tag: main-v1.81.0-stable-custom}}\n"
        ),
        "invalid.values.yaml": "litellm: {image: {tag: main-v1.81.0-stable}}\n",
        "floating.values.yaml": "litellm: {image: {tag: main-latest}}\n",
    }
    for name, text in cases.items():
        write(root / "envs" / name, text)
    data = by_path(scan_json(cli, root))
    stages = {path.split("/")[-1]: t["stage"] for path, t in data.items()}
    # The default is the whole path (both guides): `upgraded` is LiteMaaS 0.4.0 with the fork.
    assert stages == {
        "before.values.yaml": "before-upgrade",
        "phase1.values.yaml": "phase-1-done",
        "phase2.values.yaml": "phase-2-done",
        "done.values.yaml": "upgraded",
        "invalid.values.yaml": "invalid",
        "floating.values.yaml": "unknown",
    }
    # The v0.2.0 guide alone: its last phase done is `upgraded`.
    short = by_path(scan_json(cli, root, "--to", "0.2.0"))
    assert short["envs/phase2.values.yaml"]["stage"] == "upgraded"
    floating = data["envs/floating.values.yaml"]
    assert floating["components"]["litellm"]["version"] is None
    assert any(f["code"] == "LU004" for f in floating["findings"])


def test_image_shapes_registry_digest_string_and_subchart(cli, tmp_path: Path) -> None:
    values = """backend:
  image:
    registry: registry.example.com:5000
    repository: mirror/litemaas-backend
    tag: "0.1.3"
    digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
frontend:
  image: "quay.io/rh-aiservices-bu/litemaas-frontend:0.1.3"
litellm-helm:
  pods:
    proxy:
      image:
        repository: ghcr.io/berriai/litellm-database
        tag: v1.80.5.rc.2
"""
    root = chart_repo(tmp_path, values)
    data = by_path(scan_json(cli, root))
    comps = data["chart"]["components"]
    assert comps["backend"]["image"] == (
        "registry.example.com:5000/mirror/litemaas-backend:0.1.3@sha256:"
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    )
    assert comps["frontend"]["image"] == "quay.io/rh-aiservices-bu/litemaas-frontend:0.1.3"
    assert comps["frontend"]["sites"][0]["decides"] == "image"
    assert comps["litellm"]["image"] == "ghcr.io/berriai/litellm-database:v1.80.5.rc.2"
    assert comps["litellm"]["version"] == "1.80.5rc2"
    assert comps["litellm"]["sites"][0]["path"].startswith("litellm-helm.pods.proxy.image")


def test_litellm_disabled_is_not_deployed(cli, tmp_path: Path) -> None:
    root = chart_repo(tmp_path)
    write(root / "envs/ext-values.yaml", "litellm:\n  enabled: false\n")
    target = by_path(scan_json(cli, root))["envs/ext-values.yaml"]
    assert "litellm" not in target["components"]
    assert any(f["code"] == "LU010" for f in target["findings"])


def test_null_removes_a_default(cli, tmp_path: Path) -> None:
    root = chart_repo(tmp_path)
    write(root / "envs/x-values.yaml", "backend:\n  image:\n    tag: null\n")
    # tag removed -> empty -> appVersion fallback
    target = by_path(scan_json(cli, root))["envs/x-values.yaml"]
    assert target["components"]["backend"]["version"] == "0.1.3"


def test_override_file_without_chart_says_what_is_unknown(cli, tmp_path: Path) -> None:
    write(tmp_path / "my-values.yaml", "backend:\n  image:\n    tag: '0.1.3'\n")
    target = by_path(scan_json(cli, tmp_path))["my-values.yaml"]
    comps = target["components"]
    assert comps["backend"]["version"] == "0.1.3"
    assert comps["backend"]["image"] is None
    assert "chart" in comps["litellm"]["note"] and comps["litellm"]["version"] is None
    assert target["stage"] == "unknown"


def test_values_files_for_other_charts_are_not_targets(cli, tmp_path: Path) -> None:
    root = chart_repo(tmp_path)
    write(root / "monitoring/prometheus-values.yaml", "server:\n  retention: 15d\n")
    assert sorted(by_path(scan_json(cli, root))) == ["chart"]


def test_explicit_layering_with_values_options(cli, tmp_path: Path) -> None:
    root = chart_repo(tmp_path)
    write(root / "envs/common.yaml", "backend:\n  image:\n    tag: '0.1.3'\n")
    write(root / "envs/prod.yaml", "backend:\n  image:\n    tag: '0.2.0'\n")
    data = scan_json(
        cli, root, "--chart", "chart", "--values", "envs/common.yaml", "--values", "envs/prod.yaml"
    )
    (target,) = data["targets"]
    assert target["path"] == "envs/prod.yaml"
    assert target["components"]["backend"]["version"] == "0.2.0"
    assert "command line" in target["formed"]
    # Order matters: the later file wins.
    data = scan_json(
        cli, root, "--chart", "chart", "--values", "envs/prod.yaml", "--values", "envs/common.yaml"
    )
    assert data["targets"][0]["components"]["backend"]["version"] == "0.1.3"


def test_config_file_defines_layered_targets(cli, tmp_path: Path) -> None:
    root = chart_repo(tmp_path)
    write(root / "envs/common.yaml", "litellm:\n  image:\n    tag: main-v1.74.7-stable\n")
    write(root / "envs/prod.yaml", "backend:\n  image:\n    tag: '0.2.0'\n")
    write(
        root / ".litemaas-upgrade.yaml",
        "helm:\n  - name: prod\n    chart: chart\n    values: [envs/common.yaml, envs/prod.yaml]\n"
        "    release: lm\n    namespace: lm-prod\n",
    )
    (target,) = scan_json(cli, root)["targets"]
    assert "config: prod" in target["formed"]
    assert target["components"]["backend"]["version"] == "0.2.0"
    llm = target["components"]["litellm"]["sites"]
    assert next(s for s in llm if s["decides"] == "tag")["file"] == "envs/common.yaml"


def test_unquoted_tag_is_reported(cli, tmp_path: Path) -> None:
    root = chart_repo(tmp_path)
    write(root / "envs/bad-values.yaml", "backend:\n  image:\n    tag: 0.20\n")
    target = by_path(scan_json(cli, root))["envs/bad-values.yaml"]
    (finding,) = [f for f in target["findings"] if f["code"] == "LU006"]
    assert (finding["file"], finding["line"], finding["col"]) == ("envs/bad-values.yaml", 3, 10)
    assert "'0.2'" in finding["message"]


def test_json_is_deterministic(cli, helm_repo: Path) -> None:
    first = cli("scan", ".", "--format", "json", cwd=helm_repo).out
    assert first == cli("scan", ".", "--format", "json", cwd=helm_repo).out


def test_tag_with_a_digest_is_read_as_helm_renders_it(cli, tmp_path: Path) -> None:
    """Digest-pinning tools write `tag: <tag>@sha256:...`; the chart renders repo:tag@digest."""
    root = chart_repo(tmp_path)
    digest = "sha256:" + "a" * 64
    write(
        root / "envs/p-values.yaml", f"litellm:\n  image:\n    tag: main-v1.81.0-stable@{digest}\n"
    )
    target = by_path(scan_json(cli, root))["envs/p-values.yaml"]
    llm = target["components"]["litellm"]
    assert llm["image"] == f"ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable@{digest}"
    assert llm["version"] == "1.81.0"
    assert target["stage"] == "invalid"


def test_an_unreadable_image_is_an_error_not_a_silent_pass(cli, tmp_path: Path) -> None:
    root = chart_repo(tmp_path)
    write(root / "envs/u-values.yaml", "litellm:\n  image:\n    tag: 'main v1.81.0'\n")
    target = by_path(scan_json(cli, root))["envs/u-values.yaml"]
    (finding,) = [f for f in target["findings"] if f["code"] == "LU009"]
    assert finding["severity"] == "error" and "cannot read the image" in finding["message"]
    assert (finding["file"], finding["line"]) == ("envs/u-values.yaml", 3)
    lint = cli("lint", ".", cwd=root)
    assert lint.code == 1 and "LU009" in lint.out


def test_a_second_image_of_a_component_counts_for_the_constraint(cli, tmp_path: Path) -> None:
    """LiteLLM's migration job moved to 1.81 while the server stays: LiteLLM is at 1.81."""
    root = chart_repo(tmp_path)
    write(
        root / "envs/m-values.yaml",
        "litellm:\n  migrations:\n    image:\n      repository: ghcr.io/berriai/litellm-database\n"
        "      tag: main-v1.81.0-stable\n",
    )
    target = by_path(scan_json(cli, root))["envs/m-values.yaml"]
    assert target["components"]["litellm"]["version"] == "1.74.7"  # the server, shown first
    assert target["stage"] == "invalid"


def test_a_string_image_over_a_mapping_default_is_an_error(cli, tmp_path: Path) -> None:
    """Helm refuses to render it ("cannot overwrite table with non table")."""
    root = chart_repo(tmp_path)
    write(
        root / "envs/s-values.yaml",
        'litellm:\n  image: "ghcr.io/berriai/litellm:main-v1.81.0-stable"\n',
    )
    target = by_path(scan_json(cli, root))["envs/s-values.yaml"]
    (finding,) = [f for f in target["findings"] if "Helm will not render" in f["message"]]
    assert finding["severity"] == "error"
    assert (finding["file"], finding["line"]) == ("envs/s-values.yaml", 2)
