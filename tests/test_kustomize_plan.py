"""plan / apply on the Kustomize and compose parts of the sample: every written file
pinned (by a snapshot, or as the pinned diff applied), byte-exact edits of the env file,
and the upstream layout kept consistent (images: entry, user-values.env, templates,
committed .local files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES, init_repo
from litemaas_upgrade.envfile import can_hold, parse_env
from litemaas_upgrade.model import Change
from litemaas_upgrade.rules import load_rules
from litemaas_upgrade.textedit import apply_text_changes
from plan_excerpts import check_copies, is_copy, plan_digest, runbook_checklists, written_files


@pytest.fixture
def kust_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "kdeploy"
    repo.mkdir()
    for part in ("kustomize", "kustomize-upstream", "dev-tools"):
        shutil.copytree(SAMPLES / part, repo / part)
    return init_repo(repo)


def test_plan_files_are_pinned(cli, kust_repo: Path, tmp_path: Path, snapshot) -> None:
    """The list of written files, the RUNBOOK, each phase's diff and thin `_deploy` files
    as written, plan.json as a digest of all its values; the `phase-N/` copies of
    repository files are the pinned diffs applied (plan_excerpts says what each keeps)."""
    result = cli("plan", ".", "--out", "upgrade", cwd=kust_repo)
    assert result.code == 0, result.err
    out = kust_repo / "upgrade"
    files = written_files(out)
    assert "phase-1/_deploy/kustomize/kustomize__overlays__prod/kustomization.yaml" in files
    assert "phase-1/kustomize-upstream/user-values.env" in files
    assert "phase-2/_deploy/compose/dev-tools__compose.yaml" in files
    # The default is the whole path: the v0.4.0 guide's phase 3 after the v0.2.0 guide's.
    assert "phase-3/_deploy/kustomize/kustomize__overlays__dev/kustomization.yaml" in files
    assert files == snapshot(name="files")
    assert check_copies(kust_repo, out, tmp_path / "clone") == 31
    for name in files:
        text = (out / name).read_text()
        if name == "plan.json":
            assert plan_digest(text) == snapshot(name="plan.json (digest)")
        elif not is_copy(name):
            assert text == snapshot(name=name)
    # Pinned whole above; the Helm test pins its runbook's checklists against the rules.
    assert runbook_checklists((out / "RUNBOOK.md").read_text(), load_rules()) == 27


def test_upstream_layout_stays_consistent(cli, kust_repo: Path) -> None:
    assert cli("apply", ".", "--phase", "1", cwd=kust_repo).code == 0
    up = kust_repo / "kustomize-upstream"
    assert (up / "user-values.env").read_bytes().startswith(b"LITEMAAS_VERSION=0.2.0\n")
    for name in ("kustomization.yaml", "kustomization.yaml.template"):
        text = (up / name).read_text()
        assert text.count("newTag: 0.2.0") == 2 and "latest" not in text
    assert "litemaas-backend:0.2.0" in (up / "backend-deployment.yaml.local").read_text()
    # The templates still read the version from the env file.
    assert "${LITEMAAS_VERSION}" in (up / "backend-deployment.yaml.template").read_text()
    result = cli("scan", "kustomize-upstream", "--format", "json", cwd=kust_repo)
    assert result.code == 0
    import json

    (target,) = json.loads(result.out)["targets"]
    assert target["stage"] == "phase-1-done"
    assert not [f for f in target["findings"] if f["code"] == "LU008"]
    # A second apply of the same phase has nothing left to do.
    again = cli("apply", ".", "--phase", "1", cwd=kust_repo)
    assert again.code == 0 and "nothing to do" in again.err


def test_env_edit_is_byte_exact_with_crlf_quotes_and_comments() -> None:
    data = b'# versions\r\nexport LITEMAAS_VERSION="0.1.3"  # pinned\r\nOTHER=x\r\n'
    values = parse_env(data, "user-values.env")
    v = values["LITEMAAS_VERSION"]
    assert (v.value, v.quote, v.line) == ("0.1.3", '"', 2)
    change = Change("user-values.env", 0, (), "0.2.0", span=(v.start, v.end), old=v.value)
    out = apply_text_changes(data, "user-values.env", [change])
    assert out == data.replace(b'"0.1.3"', b'"0.2.0"')
    assert can_hold("0.2.0", "") and not can_hold("a b", "") and not can_hold("$x", '"')


def test_compose_reports_the_default_and_the_variable(cli, kust_repo: Path) -> None:
    import json

    result = cli("scan", "dev-tools", "--format", "json", cwd=kust_repo)
    (target,) = json.loads(result.out)["targets"]
    assert target["kind"] == "compose"
    llm = target["components"]["litellm"]
    assert llm["image"] == "ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable"
    assert "LITELLM_TAG" in llm["note"] and llm["sites"][0]["line"] == 22
    # A .env next to the compose file decides the variable, and is what phase 2 edits.
    (kust_repo / "dev-tools" / ".env").write_text("LITELLM_TAG=main-v1.74.7-stable\n")
    result = cli("scan", "dev-tools", "--format", "json", cwd=kust_repo)
    (target,) = json.loads(result.out)["targets"]
    assert [s["decides"] for s in target["components"]["litellm"]["sites"]] == ["image", "env"]
    assert cli("apply", ".", "--phase", "1", cwd=kust_repo).code == 0
    assert cli("apply", ".", "--phase", "2", cwd=kust_repo).code == 0
    assert (kust_repo / "dev-tools" / ".env").read_text() == "LITELLM_TAG=main-v1.81.0-stable\n"
    compose = (kust_repo / "dev-tools" / "compose.yaml").read_text()
    assert "${LITELLM_TAG:-main-v1.74.7-stable}" in compose  # .env decides; the default stays
