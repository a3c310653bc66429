"""Hostile repositories, the output marker (issue 15 §2 and §6): the marker `plan --out`
writes protects its output, and never hides input. A planted marker (empty, or with a
plan.json whose digest it records, in a folder git tracks) leaves the folder scanned and
the gate on; what is skipped is listed by lint; `--force` deletes only an earlier plan's
output, inside or outside the repository."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from conftest import git, write
from litemaas_upgrade.outmarker import OUTPUT_MARKER, not_plan_output

OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"
VALUES = "charts/litemaas/values.yaml"
# A compose file that runs LiteLLM 1.81 with the 0.1.3 backend: LU001 wherever it is read.
LITELLM_FIRST = (
    "services:\n"
    f"  litellm:\n    image: ghcr.io/berriai/litellm-non_root:{NEW_LLM}\n"
    "  backend:\n    image: quay.io/rh-aiservices-bu/litemaas-backend:0.1.3\n"
    "  frontend:\n    image: quay.io/rh-aiservices-bu/litemaas-frontend:0.1.3\n"
)


def bump_litellm(repo: Path) -> None:
    path = repo / VALUES
    text = path.read_text()
    assert f'tag: "{OLD_LLM}"' in text
    path.write_text(text.replace(f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"'))


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def plant_output(folder: Path, extra: dict[str, str]) -> None:
    """What a pull request can commit: a marker recording its own plan.json's digest."""
    plan = b'{"tool": "litemaas-upgrade 0.1.0"}\n'
    write(folder / "plan.json", plan.decode())
    digest = hashlib.sha256(plan).hexdigest()
    write(folder / OUTPUT_MARKER, f"written by litemaas-upgrade plan; not scanned\n"
          f"plan.json sha256 {digest}\n")
    for rel, text in extra.items():
        write(folder / rel, text)


def test_an_empty_marker_committed_into_a_folder_does_not_hide_it(cli, helm_repo: Path) -> None:
    bump_litellm(helm_repo)
    (helm_repo / "charts" / OUTPUT_MARKER).write_bytes(b"")
    (helm_repo / "envs" / OUTPUT_MARKER).write_bytes(b"")
    (helm_repo / "charts/litemaas" / OUTPUT_MARKER).write_bytes(b"")
    commit(helm_repo, "LiteLLM first, and markers to hide it")
    result = cli("lint", ".", "--base", "HEAD~1", cwd=helm_repo)
    assert result.code == 1, result.out + result.err
    assert f"{VALUES}:50:10: error LU001 constraint-broken [envs/prod-values.yaml]" in result.out
    # The same change, before it is committed (as the pre-commit hook sees it).
    git(helm_repo, "reset", "-q", "--soft", "HEAD~1")
    assert cli("lint", ".", "--base", "HEAD", cwd=helm_repo).code == 1
    staged = cli("lint", VALUES, f"envs/{OUTPUT_MARKER}", cwd=helm_repo)
    assert staged.code == 1 and "LU001" in staged.out
    scan = json.loads(cli("scan", ".", "--format", "json", cwd=helm_repo).out)
    assert {t["path"] for t in scan["targets"]} >= {
        "envs/prod-values.yaml",
        "envs/staging-values.yaml",
    }


def test_a_planted_output_folder_with_a_matching_digest_is_scanned(cli, helm_repo: Path) -> None:
    """Marker, plan.json and its digest can all be committed: a folder git tracks is
    never skipped."""
    plant_output(helm_repo / "upgrade", {"phase-1/compose.yaml": LITELLM_FIRST})
    assert not_plan_output(helm_repo / "upgrade") is None  # looks like an output...
    commit(helm_repo, "planted output folder")
    result = cli("lint", ".", "--base", "HEAD~1", cwd=helm_repo)
    assert result.code == 1, result.out + result.err
    assert "upgrade/phase-1/compose.yaml" in result.out and "LU001" in result.out
    assert "not scanned" not in result.out


def test_an_output_folder_holding_other_files_is_scanned(cli, helm_repo: Path) -> None:
    plant_output(helm_repo / "upgrade", {"compose.yaml": LITELLM_FIRST})  # untracked
    assert not_plan_output(helm_repo / "upgrade") == "it holds compose.yaml, which no plan writes"
    result = cli("lint", ".", cwd=helm_repo)
    assert result.code == 1 and "upgrade/compose.yaml" in result.out


def test_a_marker_whose_digest_does_not_match_is_not_believed(cli, helm_repo: Path) -> None:
    plant_output(helm_repo / "upgrade", {"phase-1/compose.yaml": LITELLM_FIRST})
    (helm_repo / "upgrade/plan.json").write_text("{}\n")
    assert not_plan_output(helm_repo / "upgrade") == (
        "its plan.json is not the one its marker records"
    )
    assert cli("lint", ".", cwd=helm_repo).code == 1


def test_a_real_plan_output_is_skipped_and_listed_by_lint(cli, helm_repo: Path) -> None:
    assert cli("plan", ".", "--out", "upgrade", cwd=helm_repo).code == 0
    marker = (helm_repo / "upgrade" / OUTPUT_MARKER).read_bytes()
    plan = (helm_repo / "upgrade/plan.json").read_bytes()
    assert f"plan.json sha256 {hashlib.sha256(plan).hexdigest()}\n".encode() in marker
    assert not_plan_output(helm_repo / "upgrade") is None
    scan = json.loads(cli("scan", ".", "--format", "json", cwd=helm_repo).out)
    assert all(not t["path"].startswith("upgrade/") for t in scan["targets"])
    result = cli("lint", ".", cwd=helm_repo)
    assert result.code == 0, result.out
    assert "upgrade/: info LU009 unresolved\n  skipped: the output of an earlier `plan --out`" in (
        result.out
    )
    # Committed, the same folder is the repository's: scanned (its phase-2 files hold
    # the new LiteLLM with the new backend, so nothing is refused, but they are read).
    commit(helm_repo, "plan output committed")
    scan = json.loads(cli("scan", ".", "--format", "json", cwd=helm_repo).out)
    assert any(t["path"].startswith("upgrade/phase-") for t in scan["targets"])


def test_force_replaces_only_an_earlier_plans_output(cli, helm_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # A marker (with a valid digest, even) beside files no plan writes: refused.
    plant_output(out, {"notes/keep.txt": "mine\n"})
    forced = cli("plan", ".", "--out", str(out), "--force", cwd=helm_repo)
    assert forced.code == 2, forced.err
    assert "it holds notes, which no plan writes" in forced.err
    assert (out / "notes/keep.txt").read_text() == "mine\n"
    # An empty marker in a folder of someone's files: refused.
    other = tmp_path / "home"
    write(other / "precious.txt", "mine\n")
    (other / OUTPUT_MARKER).write_bytes(b"")
    forced = cli("plan", ".", "--out", str(other), "--force", cwd=helm_repo)
    assert forced.code == 2 and "it holds precious.txt, which no plan writes" in forced.err
    assert (other / "precious.txt").read_text() == "mine\n"
    # An empty marker beside a plan.json (say, an older tool's output): refused too.
    (other / "precious.txt").unlink()
    write(other / "plan.json", "{}\n")
    forced = cli("plan", ".", "--out", str(other), "--force", cwd=helm_repo)
    assert forced.code == 2 and "its marker records no plan.json digest" in forced.err
    assert (other / "plan.json").read_text() == "{}\n"
    # An earlier plan's output: replaced.
    fresh = tmp_path / "fresh"
    assert cli("plan", ".", "--out", str(fresh), cwd=helm_repo).code == 0
    (fresh / "RUNBOOK.md").write_text("edited\n")
    assert cli("plan", ".", "--out", str(fresh), "--force", cwd=helm_repo).code == 0
    assert (fresh / "RUNBOOK.md").read_text() != "edited\n"
    assert not_plan_output(fresh) is None


def test_force_inside_the_repository_refuses_a_planted_marker(cli, helm_repo: Path) -> None:
    (helm_repo / "envs" / OUTPUT_MARKER).write_bytes(b"")
    before = sorted(p.name for p in (helm_repo / "envs").iterdir())
    forced = cli("plan", ".", "--out", "envs", "--force", cwd=helm_repo)
    assert forced.code == 2, forced.err
    assert "holds repository files (envs/prod-values.yaml and 1 more; its marker is not " in (
        forced.err
    )
    assert "believed: it holds prod-values.yaml, which no plan writes)" in forced.err
    assert sorted(p.name for p in (helm_repo / "envs").iterdir()) == before
