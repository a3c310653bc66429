"""A scan's notices (links, skipped files) belong to no target: `scan` shows them after
the targets (text) or as `notices` (JSON), `lint` reports them (pre-commit: only for the
files it was given), and no target's findings carry them."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import git, write

OUTSIDE = "envs/outside-values.yaml"
MESSAGE = f"{OUTSIDE} is a link that points outside the repository (or nowhere): not followed"


def link_outside(repo: Path, tmp_path: Path) -> None:
    secret = write(tmp_path / "elsewhere" / "values.yaml", "backend:\n  image:\n    tag: 6.6.6\n")
    os.symlink(secret, repo / OUTSIDE)


def test_scan_text_and_json(cli, helm_repo: Path, tmp_path: Path) -> None:
    link_outside(helm_repo, tmp_path)
    text = cli("scan", ".", cwd=helm_repo)
    assert text.code == 0
    body, _, tail = text.out.partition("\nnotices:\n")
    assert tail == f"  warning LU009 {OUTSIDE}: {MESSAGE}\n"
    assert "LU009" not in body and "6.6.6" not in text.out
    assert body.count("[helm]") == 2  # the two override files still form their releases
    out = json.loads(cli("scan", ".", "--format", "json", cwd=helm_repo).out)
    assert [(n["code"], n["file"], n["message"], n["target"]) for n in out["notices"]] == [
        ("LU009", OUTSIDE, MESSAGE, "")
    ]
    assert all(f["code"] != "LU009" for t in out["targets"] for f in t["findings"])


def test_scan_without_notices_has_no_notices_key(cli, helm_repo: Path) -> None:
    result = cli("scan", ".", "--format", "json", cwd=helm_repo)
    assert set(json.loads(result.out)) == {"targets"}
    assert "notices:" not in cli("scan", ".", cwd=helm_repo).out


def test_notices_without_targets_are_still_shown(cli, tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    (repo / "envs").mkdir(parents=True)
    link_outside(repo, tmp_path)
    result = cli("scan", ".", cwd=repo)
    assert result.out == (
        f"no LiteMaaS targets found\n\nnotices:\n  warning LU009 {OUTSIDE}: {MESSAGE}\n"
    )


def test_lint_reports_notices_for_the_paths_it_is_given(
    cli, helm_repo: Path, tmp_path: Path
) -> None:
    link_outside(helm_repo, tmp_path)
    git(helm_repo, "add", "-A")
    git(helm_repo, "commit", "-q", "-m", "a link")
    whole = cli("lint", ".", "--format", "json", cwd=helm_repo)
    assert [f["message"] for f in json.loads(whole.out)["findings"] if f["code"] == "LU009"] == [
        MESSAGE
    ]
    # Pre-commit, another file changed: the link is not this commit's business.
    values = helm_repo / "envs" / "prod-values.yaml"
    values.write_text(values.read_text() + "\n")
    other = cli("lint", "envs/prod-values.yaml", "--format", "json", cwd=helm_repo)
    assert all(f["code"] != "LU009" for f in json.loads(other.out)["findings"])
    folder = cli("lint", "envs", "--format", "json", cwd=helm_repo)
    assert MESSAGE in [f["message"] for f in json.loads(folder.out)["findings"]]
    charts = cli("lint", "charts", "--format", "json", cwd=helm_repo)
    assert all(f["code"] != "LU009" for f in json.loads(charts.out)["findings"])
