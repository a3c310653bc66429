"""Hostile repositories, bounded reads (issue 15 §5): only regular files are read, each
within a limit per file, and the run within a limit per run; `--rules` and `--plan` too.
The commands run as real processes with a time limit: a read that blocks fails the test
instead of hanging the suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write

SRC = Path(__file__).resolve().parents[1] / "src"
VALUES = 'backend:\n  image:\n    tag: "0.1.3"\n'


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, module: bool = True
) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    return subprocess.run(
        [sys.executable, *(["-m", "litemaas_upgrade"] if module else []), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=full,
    )


def char_device(path: Path) -> None:
    """/dev/zero's device at `path` (an endless file), or skip where it cannot be made."""
    zero = os.stat("/dev/zero")
    try:
        os.mknod(path, 0o666 | 0o020000, zero.st_rdev)  # S_IFCHR
    except (PermissionError, OSError):
        pytest.skip("cannot make a character device here (not root)")


@pytest.fixture
def repo(sample_repo: Path) -> Path:
    return sample_repo


def test_fifo_named_yaml_does_not_hang_scan(repo: Path) -> None:
    os.mkfifo(repo / "envs" / "fifo-values.yaml")
    os.mkfifo(repo / "kustomize" / "base" / "extra.yaml")
    proc = run("scan", ".", cwd=repo)  # timeout=120: a blocked open fails here
    assert proc.returncode == 0, proc.stderr
    assert "envs/fifo-values.yaml: skipped: a FIFO, not a regular file: not read" in proc.stdout
    assert "kustomize/base/extra.yaml: skipped: a FIFO" in proc.stdout
    # The other targets are read as ever.
    assert "envs/prod-values.yaml  [helm]  before-upgrade" in proc.stdout


PEAK = (
    "import resource, runpy, sys\n"
    "sys.argv = ['litemaas-upgrade', 'scan', '.']\n"
    "try:\n"
    "    runpy.run_module('litemaas_upgrade', run_name='__main__')\n"
    "finally:\n"
    "    print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def scan_peak(repo: Path) -> tuple[subprocess.CompletedProcess, int]:
    """`scan .` in a child that reports its own peak resident size (KiB on Linux)."""
    proc = run("-c", PEAK, cwd=repo, module=False)
    peak = int(proc.stderr.rsplit("peak ", 1)[1].split()[0])
    return proc, peak


def test_char_device_named_values_is_never_read(repo: Path) -> None:
    _, usual = scan_peak(repo)
    char_device(repo / "envs" / "extra-values.yaml")
    proc, peak = scan_peak(repo)
    assert proc.returncode == 0, proc.stderr
    assert "envs/extra-values.yaml: skipped: a character device" in proc.stdout
    # A read of /dev/zero would grow by the limit per file at least (16 MiB), and with no
    # limit without end; the run stays at its usual size.
    assert peak - usual < 8 * 1024, (usual, peak)


def test_char_device_as_rules_or_plan_is_refused(repo: Path) -> None:
    char_device(repo / "rules.yaml")
    proc = run("scan", ".", "--rules", "rules.yaml", cwd=repo)
    assert proc.returncode == 3
    assert "rules.yaml: cannot read rules file: a character device, not a regular file" in (
        proc.stderr
    )
    char_device(repo / "plan.json")
    proc = run("lint", "--plan", "plan.json", cwd=repo)
    assert proc.returncode == 3
    assert "plan.json: cannot read the plan: a character device" in proc.stderr


def test_fifo_as_rules_or_plan_is_refused_at_once(repo: Path) -> None:
    os.mkfifo(repo / "rules.yaml")
    proc = run("rules", "--rules", "rules.yaml", cwd=repo)
    assert proc.returncode == 3
    assert "rules.yaml: cannot read rules file: a FIFO, not a regular file" in proc.stderr
    os.mkfifo(repo / "plan.json")
    proc = run("lint", "--plan", "plan.json", cwd=repo)
    assert proc.returncode == 3
    assert "plan.json: cannot read the plan: a FIFO" in proc.stderr


def test_limit_per_file_covers_rules_and_plan(repo: Path) -> None:
    big = b"# padding\n" * (110 * 1024)  # 1.1 MiB
    (repo / "rules.yaml").write_bytes(big)
    (repo / "plan.json").write_bytes(big)
    limited = {"LITEMAAS_UPGRADE_MAX_FILE_MB": "1"}
    proc = run("rules", "--rules", "rules.yaml", cwd=repo, env=limited)
    assert proc.returncode == 3
    assert "rules.yaml: cannot read rules file: file is larger than the 1 MiB limit" in (
        proc.stderr
    )
    proc = run("lint", "--plan", "plan.json", cwd=repo, env=limited)
    assert proc.returncode == 3
    assert "plan.json: cannot read the plan: file is larger than the 1 MiB limit" in proc.stderr


def test_limit_per_file_in_the_repository_fails_closed(repo: Path) -> None:
    values = repo / "envs" / "prod-values.yaml"
    values.write_bytes(values.read_bytes() + b"# padding\n" * (110 * 1024))
    proc = run("scan", ".", cwd=repo, env={"LITEMAAS_UPGRADE_MAX_FILE_MB": "1"})
    assert proc.returncode == 3, proc.stdout
    assert "envs/prod-values.yaml: file is larger than the 1 MiB limit per file" in proc.stderr
    # Without the lowered limit the same file is read (it is below the default limit).
    assert run("scan", ".", cwd=repo).returncode == 0


def test_limit_per_run(repo: Path) -> None:
    for i in range(3):
        write(repo / f"extra/big-{i}.yaml", "# padding\n" * (60 * 1024))  # 0.6 MiB each
    proc = run("scan", ".", cwd=repo, env={"LITEMAAS_UPGRADE_MAX_RUN_MB": "1"})
    assert proc.returncode == 3
    assert "the limit per run is 1 MiB (LITEMAAS_UPGRADE_MAX_RUN_MB)" in proc.stderr


def test_a_limit_that_is_not_a_number_is_a_usage_error(repo: Path) -> None:
    bad = run("scan", ".", cwd=repo, env={"LITEMAAS_UPGRADE_MAX_FILE_MB": "lots"})
    assert bad.returncode == 2
    assert "LITEMAAS_UPGRADE_MAX_FILE_MB='lots': give a whole number of MiB" in bad.stderr


def test_the_limit_per_run_is_per_run(cli, repo: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """In one process (as the tests run the command line), each run starts from zero."""
    from litemaas_upgrade.bounded import MIB, RUN

    monkeypatch.setenv("LITEMAAS_UPGRADE_MAX_RUN_MB", "2")
    write(repo / "extra/big.yaml", "# padding\n" * (120 * 1024))  # 1.2 MiB
    for _ in range(3):  # 3.6 MiB over three runs: each run alone is within 2 MiB
        assert cli("scan", ".", cwd=repo).code == 0
        assert 1 * MIB < RUN.used < 2 * MIB
