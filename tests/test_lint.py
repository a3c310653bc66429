"""`lint` on real git repositories (the Helm part of sample-charts): states, transitions
against a base revision, implicit moves, fresh installs, renames, suppressions, and what
happens without a usable base."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from conftest import SAMPLES, git, write

OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"
VALUES = "charts/litemaas/values.yaml"
CHART = "charts/litemaas/Chart.yaml"
LLM_TAG_AT = f"{VALUES}:50:10"  # `tag: "main-v1.74.7-stable"` under litellm.image


def edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new))


def bump_litellm_in_chart(repo: Path) -> None:
    edit(repo, VALUES, f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"')


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def findings(result) -> list[dict]:  # type: ignore[no-untyped-def]
    return json.loads(result.out)["findings"]


def codes_by_target(result) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for f in findings(result):
        out.setdefault(f["target"], []).append(f["code"])
    return out


# -- state ------------------------------------------------------------------------------


def test_clean_repository_passes(cli, helm_repo: Path) -> None:
    result = cli("lint", ".", cwd=helm_repo)
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("ok: 0 errors, 0 warnings in 2 targets; state only")


def test_litellm_first_is_an_invalid_state_with_file_line_and_fix(cli, helm_repo: Path) -> None:
    bump_litellm_in_chart(helm_repo)
    result = cli("lint", ".", cwd=helm_repo)
    assert result.code == 1
    # Both releases follow the chart's LiteLLM tag: both are refused, at the line that moved.
    lines = result.out.splitlines()
    assert f"{LLM_TAG_AT}: error LU001 constraint-broken [envs/prod-values.yaml]" in lines
    assert f"{LLM_TAG_AT}: error LU001 constraint-broken [envs/staging-values.yaml]" in lines
    assert "litellm is at main-v1.81.0-stable (1.81.0), at or past 1.81.0, while backend " in (
        result.out
    )
    assert "is at 0.1.3, before 0.2.0: LiteLLM 1.81.0 changed the /key/info" in result.out
    assert "commit phase 1 (backend, frontend to 0.2.0" in result.out
    assert "litemaas-upgrade plan" in result.out
    assert "2 errors, 0 warnings in 2 targets" in result.out


def test_rollback_of_the_backend_below_the_boundary_is_refused(cli, helm_repo: Path) -> None:
    assert cli("apply", ".", "--phase", "1", cwd=helm_repo).code == 0
    commit(helm_repo, "phase 1")
    assert cli("apply", ".", "--phase", "2", cwd=helm_repo).code == 0
    commit(helm_repo, "phase 2")
    edit(helm_repo, "envs/staging-values.yaml", 'tag: "0.2.0"', 'tag: "0.1.3"')
    result = cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=helm_repo)
    assert result.code == 1
    [f] = findings(result)
    assert (f["code"], f["target"], f["file"]) == ("LU001", "envs/staging-values.yaml", f["file"])
    assert "rolls backend back to 0.1.3: revert litellm first" in f["fix"]
    # Reverting LiteLLM alone is always safe.
    git(helm_repo, "checkout", "-q", "--", ".")
    edit(helm_repo, "envs/staging-values.yaml", NEW_LLM, OLD_LLM)
    assert cli("lint", ".", "--base", "HEAD", cwd=helm_repo).code == 0


def test_unquoted_tag_is_an_error_at_its_position(cli, helm_repo: Path) -> None:
    edit(helm_repo, "envs/staging-values.yaml", 'tag: "0.1.3"', "tag: 0.20")
    result = cli("lint", ".", "--format", "json", cwd=helm_repo)
    assert result.code == 1
    unquoted = [f for f in findings(result) if f["code"] == "LU006"]
    assert [(f["file"], f["line"], f["col"]) for f in unquoted] == [
        ("envs/staging-values.yaml", 11, 10)
    ]
    assert "'0.2'" in unquoted[0]["message"] and 'tag: "0.20"' in unquoted[0]["fix"]


def test_frontend_behind_backend_warns_and_fail_on_warn_fails(cli, helm_repo: Path) -> None:
    edit(helm_repo, "envs/staging-values.yaml", 'tag: "0.1.3"', 'tag: "0.2.0"')
    result = cli("lint", ".", "--format", "json", cwd=helm_repo)
    assert result.code == 0
    [f] = findings(result)
    assert f["code"] == "LU003" and f["severity"] == "warning"
    assert f["message"] == ("frontend is at 0.1.3 but backend at 0.2.0: they are released together")
    assert (f["file"], f["line"]) == (CHART, 7)  # the appVersion the frontend falls back to
    assert cli("lint", ".", "--fail-on-warn", cwd=helm_repo).code == 1


def test_floating_litellm_tag_warns_how_to_pin(cli, helm_repo: Path) -> None:
    edit(helm_repo, VALUES, f'tag: "{OLD_LLM}"', 'tag: "main-latest"')
    result = cli("lint", ".", "--format", "json", cwd=helm_repo)
    assert result.code == 0
    floating = [f for f in findings(result) if f["code"] == "LU004"]
    assert {f["target"] for f in floating} == {"envs/prod-values.yaml", "envs/staging-values.yaml"}
    assert all(f["file"] == VALUES and f["line"] == 50 for f in floating)
    assert all("pin the versioned tag 'main-latest' stands for today" in f["fix"] for f in floating)
    assert all("floating tag 'main-latest' says no version" in f["message"] for f in floating)


# -- transitions --------------------------------------------------------------------------


def test_phase_1_then_phase_2_each_pass_against_the_previous_commit(cli, helm_repo: Path) -> None:
    assert cli("apply", ".", "--phase", "1", cwd=helm_repo).code == 0
    result = cli("lint", ".", "--base", "HEAD", cwd=helm_repo)
    assert result.code == 0, result.out
    assert "changes checked against HEAD (" in result.out
    commit(helm_repo, "phase 1")
    assert cli("apply", ".", "--phase", "2", cwd=helm_repo).code == 0
    assert cli("lint", ".", "--base", "HEAD", cwd=helm_repo).code == 0
    # The same end state, judged against the commit before phase 1: one change, two phases.
    both = cli("lint", ".", "--base", "HEAD~1", "--format", "json", cwd=helm_repo)
    assert both.code == 1
    assert codes_by_target(both) == {
        "envs/prod-values.yaml": ["LU002"],
        "envs/staging-values.yaml": ["LU002"],
    }


def test_both_at_once_is_refused_even_though_the_state_is_valid(cli, helm_repo: Path) -> None:
    assert cli("apply", ".", "--phase", "1", cwd=helm_repo).code == 0
    assert cli("apply", ".", "--phase", "2", cwd=helm_repo).code == 0
    assert cli("lint", ".", cwd=helm_repo).code == 0  # the state alone is fine
    result = cli("lint", ".", "--base", "HEAD", cwd=helm_repo)
    assert result.code == 1
    head = git(helm_repo, "rev-parse", "HEAD")[:12]
    assert "envs/prod-values.yaml:36:10: error LU002 not-two-phases" in result.out
    assert (
        "litellm moves main-v1.74.7-stable (1.74.7) -> main-v1.81.0-stable (1.81.0), past "
        "1.81.0, in the same change as backend 0.1.3 -> 0.2.0; "
        f"at HEAD ({head}) backend is before 0.2.0, so the two phases would be deployed at once"
    ) in result.out
    assert "split the change: commit phase 1" in result.out


def test_vendored_chart_update_moves_every_release_that_does_not_pin(cli, helm_repo: Path) -> None:
    """New appVersion and new LiteLLM default in one chart update: only the chart files
    change, yet prod (which pins nothing) moves both components at once, and staging
    (which pins the backend at 0.1.3) ends up in the forbidden state."""
    bump_litellm_in_chart(helm_repo)
    edit(helm_repo, CHART, 'appVersion: "0.1.3"', 'appVersion: "0.2.0"')
    result = cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=helm_repo)
    assert result.code == 1
    assert codes_by_target(result) == {
        "envs/prod-values.yaml": ["LU002"],
        "envs/staging-values.yaml": ["LU003", "LU001"],  # by position: Chart.yaml first
    }
    prod = next(f for f in findings(result) if f["code"] == "LU002")
    assert (prod["file"], prod["line"], prod["col"]) == (VALUES, 50, 10)


def test_phase_1_survives_a_later_chart_update(cli, helm_repo: Path) -> None:
    """After phase 1 pins LiteLLM, updating the vendored chart moves nothing past the
    boundary: the implicit move is seen, and it is harmless."""
    assert cli("apply", ".", "--phase", "1", cwd=helm_repo).code == 0
    commit(helm_repo, "phase 1")
    bump_litellm_in_chart(helm_repo)
    edit(helm_repo, CHART, 'appVersion: "0.1.3"', 'appVersion: "0.2.0"')
    assert cli("lint", ".", "--base", "HEAD", cwd=helm_repo).code == 0


def test_fresh_install_gets_only_the_state_check(cli, helm_repo: Path) -> None:
    write(
        helm_repo / "envs/new-values.yaml",
        'backend:\n  image:\n    tag: "0.2.0"\nfrontend:\n  image:\n    tag: "0.2.0"\n'
        f'litellm:\n  image:\n    tag: "{NEW_LLM}"\n',
    )
    result = cli("lint", ".", "--base", "HEAD", cwd=helm_repo)
    assert result.code == 0, result.out
    assert "in 3 targets" in result.out
    write(helm_repo / "envs/new-values.yaml", f'litellm:\n  image:\n    tag: "{NEW_LLM}"\n')
    bad = cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=helm_repo)
    assert codes_by_target(bad) == {"envs/new-values.yaml": ["LU001"]}


def test_renamed_values_file_is_matched_to_its_base(cli, helm_repo: Path) -> None:
    git(helm_repo, "mv", "envs/prod-values.yaml", "envs/production-values.yaml")
    assert cli("apply", ".", "--phase", "1", cwd=helm_repo).code == 0
    assert cli("apply", ".", "--phase", "2", cwd=helm_repo).code == 0
    result = cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=helm_repo)
    assert codes_by_target(result) == {
        "envs/production-values.yaml": ["LU002"],
        "envs/staging-values.yaml": ["LU002"],
    }


def test_removed_and_deleted_files_are_no_trouble(cli, helm_repo: Path) -> None:
    (helm_repo / "envs/staging-values.yaml").unlink()
    result = cli("lint", ".", "--base", "HEAD", cwd=helm_repo)
    assert result.code == 0, result.err
    assert "in 1 target;" in result.out
    shutil.rmtree(helm_repo / "envs")
    result = cli("lint", ".", "--base", "HEAD", cwd=helm_repo)
    assert result.code == 0, result.err
    assert "in 1 target;" in result.out  # the chart alone is now the release


def test_repository_change_is_noted(cli, helm_repo: Path) -> None:
    edit(
        helm_repo,
        "envs/prod-values.yaml",
        "registry.example.com/mirror/litellm-non_root",
        "quay.io/rh-aiservices-bu/litellm-non-root",
    )
    result = cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=helm_repo)
    # The fork's repository with upstream's tag (main-v1.74.7-stable) is also an image no
    # release ships: LU015 (the v0.4.0 rule set's move names the fork's tags); and the
    # fork is the v0.4.0 guide's, reached with the backend at 0.1.3: LU016.
    assert result.code == 1
    skip, mixed, f = findings(result)
    assert (f["code"], f["severity"], f["file"], f["line"]) == (
        "LU007",
        "warning",
        "envs/prod-values.yaml",
        31,
    )
    assert (
        "registry.example.com/mirror/litellm-non_root -> quay.io/rh-aiservices-bu/"
        in (f["message"])
    )
    assert (mixed["code"], mixed["severity"], mixed["line"]) == ("LU015", "error", 31)
    assert "litellm-non-root:main-v1.74.7-stable mixes two releases" in mixed["message"]
    assert skip["code"] == "LU016" and "which is litemaas-0.4.0, from backend 0.1.3" in (
        skip["message"]
    )


# -- files as pre-commit passes them -------------------------------------------------------


def test_files_select_the_targets_that_read_them_and_default_to_head(cli, helm_repo: Path) -> None:
    assert cli("apply", ".", "--phase", "1", cwd=helm_repo).code == 0
    assert cli("apply", ".", "--phase", "2", cwd=helm_repo).code == 0
    only_prod = cli("lint", "envs/prod-values.yaml", "--format", "json", cwd=helm_repo)
    assert only_prod.code == 1
    assert codes_by_target(only_prod) == {"envs/prod-values.yaml": ["LU002"]}
    assert json.loads(only_prod.out)["base"].startswith("HEAD (")
    # The chart's values file is read by both releases.
    both = cli("lint", VALUES, "--format", "json", cwd=helm_repo)
    assert set(codes_by_target(both)) == {"envs/prod-values.yaml", "envs/staging-values.yaml"}
    # From a sub-folder: the root is the git top level.
    sub = cli("lint", "prod-values.yaml", "--format", "json", cwd=helm_repo / "envs")
    assert [f["file"] for f in findings(sub)] == ["../envs/prod-values.yaml"]


# -- no usable base ---------------------------------------------------------------------


def test_no_git_lints_the_state_alone_with_a_clear_message(cli, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(SAMPLES / "charts", plain / "charts")
    shutil.copytree(SAMPLES / "envs", plain / "envs")
    result = cli("lint", ".", "--base", "HEAD", cwd=plain)
    # An explicit --base that cannot be read fails (CI must not pass without the check),
    # and the state is still linted.
    assert result.code == 1
    assert "cannot read the base HEAD" in result.err and "checking the state alone" in result.err
    assert "LU009" in result.out and "transitions are not checked" in result.out
    bump_litellm_in_chart(plain)
    assert cli("lint", ".", "--base", "HEAD", cwd=plain).code == 1  # the state still counts


def test_unknown_revision_and_shallow_clone(cli, helm_repo: Path, tmp_path: Path) -> None:
    result = cli("lint", ".", "--base", "no-such-rev", cwd=helm_repo)
    assert result.code == 1 and "error LU009" in result.out
    assert "unknown revision 'no-such-rev'" in result.err
    git(helm_repo, "commit", "-q", "--allow-empty", "-m", "second")
    git(helm_repo, "commit", "-q", "--allow-empty", "-m", "third")
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{helm_repo}", str(shallow)],
        check=True,
        capture_output=True,
    )
    result = cli("lint", ".", "--base", "HEAD~1", cwd=shallow)
    assert result.code == 1
    assert "shallow clone" in result.err


def test_first_commit_of_a_repository_is_a_fresh_install(cli, tmp_path: Path) -> None:
    repo = tmp_path / "new"
    shutil.copytree(SAMPLES / "charts", repo / "charts")
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    bump_litellm_in_chart(repo)
    result = cli("lint", VALUES, cwd=repo)
    assert result.code == 1  # the chart alone deploys the forbidden state
    assert "no commits yet" in result.err
    assert "LU001" in result.out


# -- suppression ----------------------------------------------------------------------------


def test_suppression_needs_a_reason_and_is_counted(cli, helm_repo: Path) -> None:
    edit(helm_repo, "envs/staging-values.yaml", 'tag: "0.1.3"', 'tag: "0.2.0"')
    # The warning lands on Chart.yaml's appVersion line (the frontend falls back to it).
    edit(
        helm_repo,
        CHART,
        'appVersion: "0.1.3"',
        '# litemaas-upgrade: ignore LU003\nappVersion: "0.1.3"',
    )
    result = cli("lint", ".", "--format", "json", cwd=helm_repo)
    assert sorted(f["code"] for f in findings(result)) == ["LU003", "LU011"]
    bad = next(f for f in findings(result) if f["code"] == "LU011")
    assert (bad["file"], bad["line"], bad["col"]) == (CHART, 7, 1)
    assert "gives no reason" in bad["message"]

    edit(
        helm_repo,
        CHART,
        "ignore LU003\n",
        "ignore LU003 - staging tries the 0.2.0 backend first\n",
    )
    result = cli("lint", ".", cwd=helm_repo)
    assert result.code == 0
    assert "0 errors, 0 warnings, 1 suppressed in 2 targets" in result.out
    assert "LU003" not in result.out
    shown = cli("lint", ".", "--show-suppressed", cwd=helm_repo)
    assert "suppressed: staging tries the 0.2.0 backend first" in shown.out
    data = json.loads(cli("lint", ".", "--format", "json", cwd=helm_repo).out)
    assert data["summary"]["suppressed"] == 1
    assert data["suppressed"][0]["reason"] == "staging tries the 0.2.0 backend first"


def test_suppression_on_the_line_itself_and_for_several_codes(cli, helm_repo: Path) -> None:
    edit(
        helm_repo,
        VALUES,
        f'tag: "{OLD_LLM}"',
        f'tag: "{NEW_LLM}"  # litemaas-upgrade: ignore LU001, LU004 lab cluster, no users',
    )
    result = cli("lint", ".", cwd=helm_repo)
    assert result.code == 0, result.out
    assert "2 suppressed" in result.out
    edit(helm_repo, VALUES, "ignore LU001, LU004", "ignore LU042")
    result = cli("lint", ".", "--format", "json", cwd=helm_repo)
    assert result.code == 1
    assert sorted(f["code"] for f in findings(result)) == ["LU001", "LU001", "LU011"]
    assert any("unknown code(s) LU042" in f["message"] for f in findings(result))


# -- usage ---------------------------------------------------------------------------------


def test_explain_every_code(cli) -> None:
    for n in range(1, 13):
        code = f"LU{n:03d}"
        result = cli("lint", "--explain", code.lower())
        assert result.code == 0
        assert result.out.startswith(f"{code} ")
        assert "Fix" in result.out or "fix" in result.out
    result = cli("lint", "--explain", "LU999")
    assert result.code == 2 and "unknown finding code" in result.err


def test_usage_errors(cli, helm_repo: Path) -> None:
    assert cli("lint", "nowhere", cwd=helm_repo).code == 2
    result = cli("lint", "--plan", "x.json", "--base", "HEAD", cwd=helm_repo)
    assert result.code == 2 and "cannot be used together" in result.err


def test_unreadable_yaml_is_an_error_at_its_position(cli, helm_repo: Path) -> None:
    # Its release's error (LU009, exit 1): the other targets are still linted.
    write(helm_repo / "envs/prod-values.yaml", "backend:\n  image: [unclosed\n")
    result = cli("lint", ".", cwd=helm_repo)
    assert result.code == 1
    assert "envs/prod-values.yaml:3:1: error LU009 unresolved" in result.out, result.out


def test_output_is_deterministic(cli, helm_repo: Path) -> None:
    bump_litellm_in_chart(helm_repo)
    first = cli("lint", ".", "--base", "HEAD", "--format", "sarif", cwd=helm_repo).out
    assert first == cli("lint", ".", "--base", "HEAD", "--format", "sarif", cwd=helm_repo).out
