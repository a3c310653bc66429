"""No message prints Python's None: a component whose version or image is unknown (a
floating tag, a digest-only reference, an image the tool cannot read) is said in words,
by every command, in every output it writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import init_repo, write
from litemaas_upgrade.engine import _reads, describe
from litemaas_upgrade.imageref import ImageRef
from litemaas_upgrade.model import ComponentState

ROOT = Path(__file__).resolve().parents[1]
DIGEST = "sha256:" + "ab" * 32
LITELLM = "ghcr.io/berriai/litellm"
BACKEND = "quay.io/rh-aiservices-bu/litemaas-backend"
FRONTEND = "quay.io/rh-aiservices-bu/litemaas-frontend"

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  template:
    spec:
      containers:
{containers}"""


def _deploy(name: str, *images: str) -> str:
    containers = "".join(
        f"        - name: c{i}\n          image: {im}\n" for i, im in enumerate(images)
    )
    return DEPLOY.format(name=name, containers=containers)


def _unknowns_repo(repo: Path) -> None:
    # Compose: a digest-only backend, a floating frontend.
    write(
        repo / "compose/docker-compose.yml",
        f"services:\n  backend:\n    image: {BACKEND}@{DIGEST}\n"
        f"  frontend:\n    image: {FRONTEND}:latest\n"
        f"  litellm:\n    image: {LITELLM}:main-v1.74.7-stable\n",
    )
    # Plain manifests: a floating backend, a digest-only LiteLLM.
    write(
        repo / "k8s/deploy.yaml",
        _deploy("a", f"{BACKEND}:main-latest", f"{LITELLM}@{DIGEST}", f"{FRONTEND}:0.1.3"),
    )
    # Kustomize: the overlay pins LiteLLM by digest over the base's tag.
    write(
        repo / "kz/base/deploy.yaml",
        _deploy("b", f"{BACKEND}:0.1.3", f"{FRONTEND}:0.1.3", f"{LITELLM}:main-v1.74.7-stable"),
    )
    write(repo / "kz/base/kustomization.yaml", "resources: [deploy.yaml]\n")
    write(
        repo / "kz/overlays/prod/kustomization.yaml",
        f"resources: [../../base]\nimages:\n  - name: {LITELLM}\n    digest: {DIGEST}\n",
    )
    # Helm: a LiteLLM image the tool cannot read (an empty tag after ':').
    sample = ROOT / "sample-charts"
    for rel in ("charts/litemaas/Chart.yaml", "charts/litemaas/values.yaml"):
        write(repo / rel, (sample / rel).read_text(encoding="utf-8"))
    for rel in sorted((sample / "charts/litemaas/templates").iterdir()):
        write(repo / "charts/litemaas/templates" / rel.name, rel.read_text(encoding="utf-8"))
    write(
        repo / "envs/prod-values.yaml",
        "backend:\n  image:\n    tag: '0.1.3'\nlitellm:\n  image:\n"
        f"    repository: {LITELLM}\n    tag: '@{DIGEST}'\n",
    )


COMMANDS = [
    ["scan", "."],
    ["scan", ".", "--format", "json"],
    ["lint", "."],
    ["lint", ".", "--format", "json"],
    ["apply", ".", "--phase", "1", "--dry-run"],
    ["apply", ".", "--phase", "2", "--dry-run"],
    ["diff", ".", "--phase", "1"],
    ["diff", ".", "--phase", "2"],
    ["diff", ".", "--phase", "2", "--format", "markdown"],
    ["apply", ".", "--phase", "3", "--dry-run"],
    ["diff", ".", "--phase", "3"],
]


def test_no_command_prints_none_for_unknown_components(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _unknowns_repo(repo)
    init_repo(repo)
    scan = cli("scan", ".", "--format", "json", cwd=repo)
    # The repository does hold every kind of unknown the test is about.
    assert "digest-only" in scan.out and "floating tag" in scan.out
    assert "cannot read the image" in scan.out
    for command in COMMANDS:
        result = cli(*command, cwd=repo)
        assert "Traceback" not in result.err, command
        assert result.code in (0, 1), (command, result.err)
        said = [line for line in (result.out + result.err).splitlines() if "None" in line]
        assert not said, (command, said)
    # The whole path (the default): phase 3 moves the backend to 0.4.0, which needs
    # LiteLLM at 1.81.0 or later, beside a LiteLLM the tool cannot read: refused, honestly.
    whole = cli("plan", ".", "--out", str(tmp_path / "whole"), cwd=repo)
    assert whole.code == 1, whole.err
    assert "error LU012: phase 3 is unsafe for envs/prod-values.yaml" in whole.err
    assert "litellm at an image the tool cannot read" in whole.err
    assert not [line for line in whole.err.splitlines() if "None" in line]
    assert not (tmp_path / "whole").exists()
    # The v0.2.0 guide alone: the plan is written, and says what it cannot know.
    out = tmp_path / "plan"
    plan = cli("plan", ".", "--out", str(out), "--to", "0.2.0", cwd=repo)
    assert plan.code in (0, 1), plan.err
    said = [line for line in (plan.out + plan.err).splitlines() if "None" in line]
    assert not said, said
    assert "cannot pin litellm: its current tag is not known" in plan.err
    assert "it is an image the tool cannot read" in plan.err
    written = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "RUNBOOK.md" for p in written)
    for path in written:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert not [line for line in lines if "None" in line], path


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (None, "no image at all"),
        (ComponentState("litellm", None, None), "an image the tool cannot read"),
        (
            ComponentState("litellm", None, None, note="cannot read the image: bad"),
            "an image the tool cannot read (cannot read the image: bad)",
        ),
        (
            ComponentState("litellm", ImageRef.parse(f"{LITELLM}@{DIGEST}"), None),
            f"{LITELLM}@{DIGEST} (no tag)",
        ),
        (
            ComponentState("litellm", ImageRef.parse(f"{LITELLM}:main-latest"), None),
            "'main-latest'",
        ),
    ],
)
def test_what_a_component_reads_after_the_edits_is_said_in_words(
    state: ComponentState | None, words: str
) -> None:
    # "after the planned edits litellm reads <this>, not 'main-v1.81.0-stable'"
    assert _reads(state) == words
    if state is not None and state.image is None:
        assert describe(state) == words
