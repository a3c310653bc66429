"""Images by name: by default any image whose last path segment contains `litellm` is
LiteLLM; a rules file adds patterns (`images`) and takes images back out (`exclude`), and
a pattern that can never mean what it says is an exit-3 error at its file:line:col."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, init_repo, write
from litemaas_upgrade.imageref import ImageRef
from litemaas_upgrade.rules import load_rules, parse_rules

SHIPPED = (ROOT / "src/litemaas_upgrade/data/rules.yaml").read_text()


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/berriai/litellm:main-v1.74.7-stable",
        "ghcr.io/berriai/litellm-database:main-stable",
        "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable",
        "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom",
        "registry.example.com/mirror/litellm-non_root:main-v1.74.7-stable",
        "harbor.example.com/tools/tool-litellm:v1.80.0",
        "docker.io/litellm/litellm-litellm:v1.80.0",
        "litellm/litellm:v1.81.9-stable.patch.1",
    ],
)
def test_every_litellm_image_name_is_litellm_by_default(image: str) -> None:
    assert load_rules().component_of(ImageRef.parse(image)) == "litellm"


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/litellm/proxy:1",  # `litellm` in the path, not in the last segment
        "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3",
        "docker.io/library/postgres:16",
    ],
)
def test_other_images_are_not_litellm(image: str) -> None:
    assert load_rules().component_of(ImageRef.parse(image)) in (None, "backend")


def test_a_rules_file_adds_and_removes_patterns() -> None:
    custom = SHIPPED.replace(
        'images: ["**/*litellm*"]',
        'images: ["**/*litellm*", "**/ai-gateway"]\n    exclude: ["**/litellm-operator"]',
    )
    assert custom != SHIPPED
    rules = parse_rules(custom, "custom.yaml")
    of = rules.component_of
    assert of(ImageRef.parse("registry.example.com/ai-gateway:main-v1.81.0-stable")) == "litellm"
    assert of(ImageRef.parse("ghcr.io/home-operations/litellm-operator:0.0.15")) is None
    assert of(ImageRef.parse("ghcr.io/berriai/litellm:v1.81.0")) == "litellm"


@pytest.mark.parametrize(
    ("replacement", "where", "message"),
    [
        ('images: ["**/*litellm*:main-stable"]', ":33:14:", "leave out the tag"),
        ('images: ["**/LiteLLM"]', ":33:14:", "lowercase"),
        ('images: ["**"]', ":33:14:", "matches every image"),
        ('images: ["**/*litellm*", "a//litellm"]', ":33:30:", "empty path segment"),
        ('images: ["**/*litellm*"]\n    exclude: ["**/x y"]', ":34:15:", "only the characters"),
        ('images: ["**/*litellm*"]\n    exclude: "**/x"', ":34:14:", "a list of strings"),
    ],
)
def test_a_pattern_that_cannot_mean_what_it_says_is_refused_where_it_is(
    cli, tmp_path: Path, replacement: str, where: str, message: str
) -> None:
    old = 'images: ["**/*litellm*"]'
    assert SHIPPED.count(old) == 1
    bad = write(tmp_path / "bad.yaml", SHIPPED.replace(old, replacement))
    result = cli("rules", "--rules", str(bad))
    assert result.code == 3
    assert f"{bad}{where}" in result.err and message in result.err, result.err
    assert "Traceback" not in result.err


def test_scan_finds_litellm_by_name_in_a_real_repository(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(
        repo / "k8s/deploy.yaml",
        """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: gateway
spec:
  template:
    spec:
      containers:
        - name: gateway
          image: harbor.example.com/tools/tool-litellm:main-v1.74.7-stable
""",
    )
    init_repo(repo)
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    [target] = json.loads(result.out)["targets"]
    assert target["components"]["litellm"]["image"] == (
        "harbor.example.com/tools/tool-litellm:main-v1.74.7-stable"
    )
    custom = write(
        tmp_path / "rules.yaml",
        SHIPPED.replace(
            'images: ["**/*litellm*"]', 'images: ["**/*litellm*"]\n    exclude: ["**/tool-*"]'
        ),
    )
    result = cli("scan", ".", "--format", "json", "--rules", str(custom), cwd=repo)
    assert json.loads(result.out)["targets"] == []
