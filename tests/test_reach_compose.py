"""Compose files wherever they are: by name (`docker-compose.<x>.yml`, `compose.<x>.yaml`)
and by content (a top level of compose keys with a `services:` map that has an `image:`),
as a PATH argument too; edits stay byte-exact."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import git, init_repo, write

OLD = "ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable"

STACK = f"""\
# The LiteLLM stack (portainer)
x-common: &common
  restart: unless-stopped

services:
  proxy:
    <<: *common
    image: '{OLD}'   # pinned
    ports: ["4000:4000"]
  db:
    image: postgres:16
"""


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    write(repo / "litellm/docker-compose.standalone.yml", STACK.replace("\n", "\r\n"))
    write(repo / "compose.override.yaml", STACK)
    write(repo / "stacks/ai.yml", STACK)
    # Not compose files: Helm values with a `services:` key, a workload, a chart's values.
    write(
        repo / "values/gateway.yaml",
        f"replicaCount: 1\nservices:\n  proxy:\n    image: {OLD}\n",
    )
    write(
        repo / "charts/gw/Chart.yaml",
        "apiVersion: v2\nname: gw\nversion: 0.1.0\n",
    )
    write(repo / "charts/gw/extra.yaml", f"services:\n  proxy:\n    image: {OLD}\n")
    return init_repo(repo)


def _targets(cli, repo: Path, *paths: str) -> dict[str, dict]:
    result = cli("scan", *(paths or (".",)), "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    return {t["path"]: t for t in json.loads(result.out)["targets"]}


def test_every_compose_file_by_name_and_by_content(cli, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    targets = _targets(cli, repo)
    assert sorted(targets) == [
        "compose.override.yaml",
        "litellm/docker-compose.standalone.yml",
        "stacks/ai.yml",
    ]
    for target in targets.values():
        assert target["kind"] == "compose"
        assert target["components"]["litellm"]["image"] == OLD
        [site] = target["components"]["litellm"]["sites"]
        assert (site["line"], site["col"], site["path"]) == (8, 12, "services.proxy.image")


def test_a_compose_file_as_the_path_argument(cli, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    write(repo / "stacks/.env", "UNUSED=1\n")
    targets = _targets(cli, repo, "stacks/ai.yml")
    assert list(targets) == ["stacks/ai.yml"]
    both = _targets(cli, repo, "stacks/ai.yml", "compose.override.yaml")
    assert sorted(both) == ["compose.override.yaml", "stacks/ai.yml"]
    refused = cli("scan", "values/gateway.yaml", cwd=repo)
    assert refused.code == 2 and "give a folder or a compose file" in refused.err


def test_edits_are_byte_exact_crlf_quotes_comments_anchors(cli, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    before = {
        rel: (repo / rel).read_bytes()
        for rel in ("litellm/docker-compose.standalone.yml", "stacks/ai.yml", "values/gateway.yaml")
    }
    result = cli("apply", ".", "--phase", "1", cwd=repo)
    assert result.code == 0, result.err
    git(repo, "commit", "-qam", "phase 1", "--allow-empty")
    result = cli("apply", ".", "--phase", "2", cwd=repo)
    assert result.code == 0, result.err
    new = OLD.replace("main-v1.74.7-stable", "main-v1.81.0-stable")
    crlf = before["litellm/docker-compose.standalone.yml"]
    assert (repo / "litellm/docker-compose.standalone.yml").read_bytes() == crlf.replace(
        OLD.encode(), new.encode()
    )
    assert (repo / "stacks/ai.yml").read_bytes() == before["stacks/ai.yml"].replace(
        OLD.encode(), new.encode()
    )
    assert (repo / "values/gateway.yaml").read_bytes() == before["values/gateway.yaml"]
    # And only through the file given as PATH: the other compose files stay as they were.
    git(repo, "checkout", "-q", "--", ".")
    result = cli("apply", "stacks/ai.yml", "--phase", "2", cwd=repo)
    assert result.code == 0, result.err
    assert OLD in (repo / "compose.override.yaml").read_text()
    assert new in (repo / "stacks/ai.yml").read_text()


def test_precommit_lint_of_a_compose_file_found_by_content(cli, tmp_path: Path) -> None:
    """`lint FILE` (how pre-commit calls the tool) reads a compose file that only its
    content says is one, and refuses LiteLLM moved before the backend."""
    repo = tmp_path / "repo"
    stack = (
        "services:\n  backend:\n    image: quay.io/rh-aiservices-bu/litemaas-backend:0.1.3\n"
        f"  litellm:\n    image: {OLD}\n"
    )
    write(repo / "stacks/ai.yml", stack)
    init_repo(repo)
    assert cli("lint", "stacks/ai.yml", cwd=repo).code == 0
    write(repo / "stacks/ai.yml", stack.replace("main-v1.74.7-stable", "main-v1.81.0-stable"))
    result = cli("lint", "stacks/ai.yml", cwd=repo)
    assert result.code == 1, result.out + result.err
    assert "stacks/ai.yml:5:12: error LU00" in result.out


def test_an_image_that_does_not_resolve_is_unknown_never_absent(cli, tmp_path: Path) -> None:
    """`${LITELLM_TAG}` unset with no default: compose cannot pull that image, and the tool
    cannot say which LiteLLM runs. LiteLLM is then unknown (an LU009 error), so moving it
    can never pass as 'no LiteLLM here'."""
    repo = tmp_path / "repo"
    write(
        repo / "compose.yaml",
        "services:\n"
        "  litellm:\n"
        "    image: ghcr.io/berriai/litellm:${LITELLM_TAG}\n"
        "  proxy2:\n"
        "    image: $REGISTRY/litellm-database:main-v1.74.7-stable\n"
        "  backend:\n"
        "    image: quay.io/rh-aiservices-bu/litemaas-backend:0.1.3\n",
    )
    init_repo(repo)
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code == 1, result.err  # a target carries an error
    (target,) = json.loads(result.out)["targets"]
    assert target["stage"] == "unknown"
    litellm = target["components"]["litellm"]
    assert litellm["image"] is None and litellm["version"] is None
    assert "${LITELLM_TAG}" in litellm["note"]
    assert litellm["sites"][0]["line"] == 3
    errors = [f for f in target["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["line"]) for f in errors] == [("LU009", 3)]
    assert target["components"]["backend"]["version"] == "0.1.3"
