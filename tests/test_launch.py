"""`lint FILE...` (what pre-commit runs) skips click; it must answer exactly as the command
line does. `lint -- FILE...` is the same command through click: compared on the same
repositories, for every way a pre-commit run can end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import git
from litemaas_upgrade.launch import files_only_lint

OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"
VALUES = "charts/litemaas/values.yaml"
PROD = "envs/prod-values.yaml"


def both_ways(cli, repo: Path, *files: str):  # type: ignore[no-untyped-def]
    fast = cli("lint", *files, cwd=repo)
    through_click = cli("lint", "--", *files, cwd=repo)
    assert (fast.code, fast.out, fast.err) == (
        through_click.code,
        through_click.out,
        through_click.err,
    )
    return fast


def test_which_command_lines_skip_click() -> None:
    assert files_only_lint(["lint", "a.yaml"])
    assert files_only_lint(["lint", "a.yaml", "envs/b.yaml", ".env"])
    assert not files_only_lint(["lint"])  # no file: the whole folder, through click
    assert not files_only_lint(["lint", "--", "a.yaml"])
    assert not files_only_lint(["lint", "a.yaml", "--format", "json"])
    assert not files_only_lint(["lint", "-h"])
    assert not files_only_lint(["scan", "a.yaml"])
    assert not files_only_lint([])


def test_unchanged_file_passes_both_ways(cli, helm_repo: Path) -> None:
    result = both_ways(cli, helm_repo, PROD)
    assert result.code == 0
    assert result.out.startswith("ok: 0 errors, 0 warnings in 1 target; changes checked")


def test_litellm_first_is_refused_both_ways(cli, helm_repo: Path) -> None:
    path = helm_repo / VALUES
    path.write_text(path.read_text().replace(f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"'))
    result = both_ways(cli, helm_repo, VALUES, PROD)
    assert result.code == 1
    assert "error LU001 constraint-broken" in result.out


def test_unreadable_file_is_an_error_at_its_position_both_ways(cli, helm_repo: Path) -> None:
    # An override file that does not parse is its release's error (LU009), not exit 3.
    (helm_repo / PROD).write_text("backend:\n  image: [unclosed\n")
    result = both_ways(cli, helm_repo, PROD)
    assert result.code == 1
    assert result.out.startswith(f"{PROD}:3:1: error LU009 unresolved\n"), result.out
    assert "while parsing a flow sequence" in result.out


def test_missing_file_is_a_usage_error_both_ways(cli, helm_repo: Path) -> None:
    result = both_ways(cli, helm_repo, "envs/no-such-values.yaml")
    assert result.code == 2
    assert "no-such-values.yaml" in result.err


def test_outside_git_both_ways(cli, tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  backend:\n    image: quay.io/rh-aiservices-bu/litemaas-backend:0.1.3\n"
    )
    result = both_ways(cli, tmp_path, "compose.yaml")
    assert result.code == 0
    assert "cannot read the base HEAD" in result.err
    assert "warning LU009 unresolved" in result.out


def test_first_commit_both_ways(cli, helm_repo: Path) -> None:
    fresh = helm_repo.parent / "fresh"
    fresh.mkdir()
    git(fresh, "init", "-q", "-b", "main")
    (fresh / "compose.yaml").write_text(
        "services:\n  litellm:\n    image: ghcr.io/berriai/litellm:main-v1.81.0-stable\n"
    )
    result = both_ways(cli, fresh, "compose.yaml")
    assert result.code == 0, result.out + result.err  # a fresh install at 1.81: no backend
    assert "in 1 target" in result.out


PROBE = """
import sys
class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == "litemaas_upgrade.lint.resolve":
            raise KeyboardInterrupt
sys.meta_path.insert(0, Interrupt())
sys.argv = ["litemaas-upgrade", "lint", "envs/prod-values.yaml"]
from litemaas_upgrade.launch import main
main()
"""


def test_interrupt_on_the_path_without_click_is_not_a_traceback(helm_repo: Path) -> None:
    # Made to land for sure, by an import hook, once the run has begun.
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=helm_repo, capture_output=True, check=False
    )
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == b"interrupted\n"


def test_the_program_ends_with_all_its_output_and_its_exit_code(cli, helm_repo: Path) -> None:
    # The console script ends a pre-commit run without the interpreter's teardown: what
    # it printed must all be there, and the exit code too (here: findings, exit 1).
    path = helm_repo / VALUES
    path.write_text(path.read_text().replace(f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"'))
    in_process = cli("lint", VALUES, PROD, cwd=helm_repo)
    proc = subprocess.run(
        [sys.executable, "-c", "from litemaas_upgrade.launch import main; main()"]
        + ["lint", VALUES, PROD],
        cwd=helm_repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert in_process.code == 1
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        in_process.code,
        in_process.out,
        in_process.err,
    )
