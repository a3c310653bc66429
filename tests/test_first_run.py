"""What a new user meets on a first run: diffs that `git apply` takes from the repository's
top even when a subfolder was planned, a warning at once when a phase leaves frontend and
backend apart, and messages in user terms."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import SAMPLES, git, init_repo


def _nested_repo(tmp_path: Path) -> Path:
    """A git repository whose deployment files are in the subfolder deploy/."""
    top = tmp_path / "top"
    top.mkdir()
    (top / "README.md").write_text("not a deployment file\n")
    shutil.copytree(SAMPLES / "charts", top / "deploy" / "charts")
    shutil.copytree(SAMPLES / "envs", top / "deploy" / "envs")
    return init_repo(top)


def _diff_paths(diff: str) -> list[str]:
    return [line.split()[2][2:] for line in diff.splitlines() if line.startswith("diff --git")]


def test_plan_of_a_subfolder_writes_diffs_from_the_repository_top(cli, tmp_path: Path) -> None:
    top = _nested_repo(tmp_path)
    out = tmp_path / "out"
    assert cli("plan", "deploy", "--out", str(out), cwd=top).code == 0
    phase1 = (out / "phase-1.diff").read_text()
    assert _diff_paths(phase1) and all(p.startswith("deploy/") for p in _diff_paths(phase1))
    assert all(p.startswith("deploy/") for p in _diff_paths((out / "phase-2.diff").read_text()))
    assert "deploy/envs/prod-values.yaml" in _diff_paths(phase1)
    # From the top, as a user (or CI) runs it: phase 1, then phase 2 on top of it.
    git(top, "apply", "--check", str(out / "phase-1.diff"))
    git(top, "apply", str(out / "phase-1.diff"))
    git(top, "apply", "--check", str(out / "phase-2.diff"))
    # The phase folders keep the paths below the planned folder (unchanged).
    assert (out / "phase-1" / "envs" / "prod-values.yaml").is_file()


def test_plan_from_inside_the_subfolder_also_names_paths_from_the_top(
    cli, tmp_path: Path
) -> None:
    top = _nested_repo(tmp_path)
    out = tmp_path / "out"
    assert cli("plan", ".", "--out", str(out), cwd=top / "deploy").code == 0
    git(top, "apply", "--check", str(out / "phase-1.diff"))


def test_plan_outside_git_keeps_paths_from_the_folder(cli, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(SAMPLES / "charts", plain / "charts")
    shutil.copytree(SAMPLES / "envs", plain / "envs")
    if subprocess.run(["git", "rev-parse"], cwd=plain, capture_output=True).returncode == 0:
        return  # tmp_path is inside a git work tree on this machine: nothing to check
    out = tmp_path / "out"
    assert cli("plan", ".", "--out", str(out), cwd=plain).code == 0
    assert "envs/prod-values.yaml" in _diff_paths((out / "phase-1.diff").read_text())


def test_apply_dry_run_of_a_subfolder_applies_from_the_top(cli, tmp_path: Path) -> None:
    top = _nested_repo(tmp_path)
    # secrets shown: the diff applies as it is (hidden, it names the -C that applies it)
    done = cli("apply", "deploy", "--phase", "1", "--dry-run", "--show-secrets", cwd=top)
    assert done.code == 0
    assert all(p.startswith("deploy/") for p in _diff_paths(done.out))
    patch = tmp_path / "dry.diff"
    patch.write_text(done.out)
    git(top, "apply", "--check", str(patch))


def test_plan_warns_at_once_when_the_frontend_is_left_behind(
    cli, sample_repo: Path, tmp_path: Path
) -> None:
    done = cli("plan", ".", "--out", str(tmp_path / "out"), "--frontend-tag", "0.1.3",
               "--to", "0.2.0", cwd=sample_repo)
    assert done.code == 0
    warnings = [line for line in done.err.splitlines() if "LU003" in line]
    # Phase 1 moves the backend and leaves the frontend; phase 2 moves neither of them.
    assert len(warnings) == 1, done.err
    assert warnings[0].startswith(
        "warning LU003: phase 1 leaves frontend at 0.1.3 and backend at 0.2.0"
    )
    assert "--frontend-tag and --backend-tag" in warnings[0]
    # The whole path (the default): a tag option is the last guide's (phase 3), where
    # 0.1.3 would be a downgrade: phase 1 moves the frontend with the backend to 0.2.0,
    # phase 3 leaves it there while the backend goes to 0.4.0.
    done = cli("plan", ".", "--out", str(tmp_path / "whole"), "--frontend-tag", "0.1.3",
               cwd=sample_repo)
    assert done.code == 0
    warnings = [line for line in done.err.splitlines() if "LU003" in line]
    assert len(warnings) == 1, done.err
    assert warnings[0].startswith(
        "warning LU003: phase 3 leaves frontend at 0.2.0 and backend at 0.4.0"
    )


def test_apply_warns_when_the_frontend_is_left_behind(cli, sample_repo: Path) -> None:
    done = cli("apply", ".", "--phase", "1", "--frontend-tag", "0.1.3", "--to", "0.2.0",
               cwd=sample_repo)
    assert done.code == 0
    assert "warning LU003: phase 1 leaves frontend at 0.1.3 and backend at 0.2.0" in done.err


def test_a_tag_option_for_another_phase_is_named_not_dropped(cli, sample_repo: Path) -> None:
    # On the whole path a tag option sets phase 3; applying or showing phase 1 with it
    # says so, rather than leaving the user to think the frontend went to 0.1.3.
    done = cli("apply", ".", "--phase", "1", "--frontend-tag", "0.1.3", "--dry-run",
               cwd=sample_repo)
    assert done.code == 0
    assert done.err.startswith(
        "note: --frontend-tag 0.1.3 sets the frontend of phase 3 (the last phase that moves "
        "it); phase 1 takes it to 0.2.0, as the rules say\n"
    ), done.err
    shown = cli("diff", ".", "--phase", "2", "--litellm-tag", "main-v1.81.0-stable",
                "--backend-tag", "0.4.0", cwd=sample_repo)
    assert shown.code == 0
    notes = [line for line in shown.err.splitlines() if line.startswith("note: --")]
    assert notes == [
        "note: --backend-tag 0.4.0 sets the backend of phase 3 (the last phase that moves "
        "it); phase 2 does not move it",
        "note: --litellm-tag main-v1.81.0-stable sets the litellm of phase 3 (the last "
        "phase that moves it); phase 2 takes it to main-v1.81.0-stable, as the rules say",
    ], shown.err
    # The phase the option sets, or the two-phase path where phase 1 is the frontend's
    # last: no note.
    for args in (("--phase", "3"), ("--phase", "1", "--to", "0.2.0")):
        quiet = cli("diff", ".", *args, "--frontend-tag", "0.2.0", cwd=sample_repo)
        assert quiet.code == 0 and "note: --frontend-tag" not in quiet.err, quiet.err


def test_no_warning_when_frontend_and_backend_move_together(
    cli, sample_repo: Path, tmp_path: Path
) -> None:
    done = cli("plan", ".", "--out", str(tmp_path / "out"), cwd=sample_repo)
    assert done.code == 0
    assert "LU003" not in done.err
    done = cli("apply", ".", "--phase", "1", "--dry-run", cwd=sample_repo)
    assert "LU003" not in done.err


def test_a_bad_tag_is_explained_in_user_terms(cli, sample_repo: Path, tmp_path: Path) -> None:
    for tag in ("bad tag!", "Bad:tag", ".x"):
        done = cli("plan", ".", "--out", str(tmp_path / "out"), "--frontend-tag", tag,
                   cwd=sample_repo)
        assert done.code == 2
        assert f"--frontend-tag {tag!r}: not a valid image tag: a tag is 1 to 128" in done.err
        assert "example.invalid" not in done.err
    assert not (tmp_path / "out").exists()


def test_the_redacted_diff_note_says_what_git_apply_c_does(cli, sample_repo: Path) -> None:
    done = cli("diff", ".", "--phase", "1", cwd=sample_repo)
    assert done.code == 0
    note = next(line for line in done.err.splitlines() if "<redacted>" in line)
    assert "`git apply -C1` applies it: -C1 makes git check only the 1 context line(s)" in note
    assert "--show-secrets" in note


def test_an_unsafe_plan_is_refused_with_its_code(cli, sample_repo: Path, tmp_path: Path) -> None:
    # The v0.2.0 guide's tags (a tag option is the last guide's of the chain).
    bad = ("--backend-tag", "0.1.9", "--frontend-tag", "0.1.9", "--to", "0.2.0")
    for args in (("plan", ".", "--out", str(tmp_path / "out")), ("apply", ".", "--phase", "1")):
        done = cli(*args, *bad, cwd=sample_repo)
        assert done.code == 1
        assert "error LU012: phase 2 is unsafe for envs/prod-values.yaml" in done.err
        assert "refused: nothing was written" in done.err
    assert not (tmp_path / "out").exists()
    assert git(sample_repo, "status", "--porcelain") == ""


def test_diff_of_a_subfolder_applies_from_the_repository_top(cli, tmp_path: Path) -> None:
    top = _nested_repo(tmp_path)
    shown = cli("diff", "deploy", "--phase", "1", "--show-secrets", cwd=top)
    redacted = cli("diff", "deploy", "--phase", "1", cwd=top)
    assert shown.code == 0 and redacted.code == 0
    assert _diff_paths(shown.out) == _diff_paths(redacted.out)
    assert all(p.startswith("deploy/") for p in _diff_paths(shown.out))
    for name, text, args in (("shown", shown.out, []), ("redacted", redacted.out, ["-C1"])):
        patch = tmp_path / f"{name}.diff"
        patch.write_text(text)
        git(top, "apply", "--check", *args, str(patch))
    # The markdown comment's diffs name the same paths.
    md = cli("diff", "deploy", "--phase", "1", "--format", "markdown", cwd=top).out
    assert "diff --git a/deploy/envs/prod-values.yaml b/deploy/envs/prod-values.yaml" in md
