"""An umbrella chart that depends on a LiteLLM chart (BerriAI's litellm-helm from its OCI
registry) without vendoring it: LiteLLM is unknown, with the reason, never "no targets";
a tag its values set still tells the version. Seen in held-out real repositories
(amazeeio/amazeeai-k0rdent-catalog at c35d98f3, ADORSYS-GIS/ai-ops at 4ec39e9d, their
`charts/litellm/Chart.yaml`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES, init_repo, write

CHART = """\
apiVersion: v2
name: litellm
version: 0.7.1
dependencies:
  - name: litellm-helm
    version: 1.83.14-stable.patch.3
    repository: oci://ghcr.io/berriai
{extra}"""


def _litellm(cli, tmp_path: Path, extra: str, values: str) -> dict | None:
    repo = tmp_path / "repo"
    write(repo / "charts/litellm/Chart.yaml", CHART.format(extra=extra))
    write(repo / "charts/litellm/values.yaml", values)
    init_repo(repo)
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    targets = json.loads(result.out)["targets"]
    if not targets:
        return None
    [target] = targets
    assert target["path"] == "charts/litellm"
    assert sorted(target["components"]) in ([], ["litellm"])
    return target["components"].get("litellm")


def test_the_tag_unset_is_unknown_with_the_reason(cli, tmp_path: Path) -> None:
    found = _litellm(cli, tmp_path, "    condition: litellm-helm.enabled\n",
                     "litellm-helm:\n  enabled: true\n  masterkey: x\n")
    assert found is not None and found["image"] is None and found["version"] is None
    assert "litellm-helm 1.83.14-stable.patch.3" in found["note"]
    assert "not in this repository" in found["note"]


def test_a_floating_tag_is_unknown_too(cli, tmp_path: Path) -> None:
    found = _litellm(cli, tmp_path, "", "litellm-helm:\n  image:\n    tag: main-stable\n")
    assert found is not None and found["image"] is None and found["version"] is None


@pytest.mark.parametrize("alias", ["", "    alias: litellm\n"])
def test_a_pinned_tag_gives_the_version_at_its_line(cli, tmp_path: Path, alias: str) -> None:
    key = "litellm" if alias else "litellm-helm"
    found = _litellm(cli, tmp_path, alias, f"{key}:\n  image:\n    tag: main-v1.81.0-stable\n")
    assert found is not None and found["image"] is None
    assert found["version"] == "1.81.0"
    [site] = found["sites"]
    assert (site["file"], site["line"]) == ("charts/litellm/values.yaml", 3)


def test_a_dependency_its_condition_turns_off_deploys_nothing(cli, tmp_path: Path) -> None:
    found = _litellm(cli, tmp_path, "    condition: litellm-helm.enabled\n",
                     "litellm-helm:\n  enabled: false\n")
    assert found is None


def test_repository_and_tag_set_read_as_before(cli, tmp_path: Path) -> None:
    found = _litellm(cli, tmp_path, "", "litellm-helm:\n  image:\n    repository: "
                     "ghcr.io/berriai/litellm-database\n    tag: main-v1.74.7-stable\n")
    assert found is not None
    assert found["image"] == "ghcr.io/berriai/litellm-database:main-v1.74.7-stable"


def test_a_values_file_sharing_only_keys_every_chart_has_is_another_charts(
    cli, tmp_path: Path
) -> None:
    # Seen in anatsheh84/MaaS-2.0 at ea790305: an MCP server's values file (for an OCI
    # chart) shares only `rbac:` with the LiteMaaS chart; it was taken for its override.
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLES / "charts/litemaas", repo / "charts/litemaas")
    write(repo / "charts/litemaas/values.yaml",
          (SAMPLES / "charts/litemaas/values.yaml").read_text() + "rbac:\n  create: true\n")
    write(repo / "charts/mcp/values.yaml", "image:\n  registry: quay.io\n  repository: "
          "containers/kubernetes_mcp_server\n  version: latest\nrbac:\n  clusterRole: view\n")
    write(repo / "envs/prod-values.yaml", "rbac:\n  create: false\nbackend:\n  replicaCount: 2\n")
    init_repo(repo)
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    paths = sorted(t["path"] for t in json.loads(result.out)["targets"])
    # The override that sets one of the chart's own keys (backend), not the MCP's file.
    assert paths == ["envs/prod-values.yaml"]
