"""Issue 15 §8: errors name the path and what failed (exit 3), messages name the right
engine, and what YAML allows is read.

- an unwritable folder (a real PermissionError, the run as `nobody`), a full disk (a real
  tmpfs) and a file-size limit (RLIMIT_FSIZE: EFBIG) end with exit 3 naming the path,
  never "internal error", and with nothing half-written or left behind;
- a config path outside the repository says so, not "not found";
- a duplicated key names the engine that reads the file;
- `tag:<TAB>"0.1.3"` is read and edited; a CR-only file gets CR-only inserted lines."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES, init_repo, write
from litemaas_upgrade.yamlio import ScalarChange, YamlFile
from litemaas_upgrade.yamlio.edit import apply_changes

TOOL = [sys.executable, "-m", "litemaas_upgrade"]
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def helm_repo_at(folder: Path) -> Path:
    shutil.copytree(SAMPLES / "charts", folder / "charts")
    shutil.copytree(SAMPLES / "envs", folder / "envs")
    return folder


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def run(args: list[str], cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([*TOOL, *args], cwd=cwd, capture_output=True, text=True,
                          check=False, env=env, timeout=300, **kw)  # type: ignore[call-overload]


@pytest.fixture
def world_readable(tmp_path: Path) -> Path:
    """A folder `nobody` can read (pytest's tmp folders are private to their owner)."""
    folder = Path(f"/tmp/i15-errors-{os.getpid()}-{tmp_path.name}")
    folder.mkdir(mode=0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


needs_root = pytest.mark.skipif(not AS_ROOT or not shutil.which("setpriv"),
                                reason="runs the tool as nobody: needs root and setpriv")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def as_nobody(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(sys.path), "HOME": str(cwd)}
    return subprocess.run([*NOBODY, *TOOL, *args], cwd=cwd, capture_output=True, text=True,
                          check=False, env=env, timeout=300)


@needs_root
def test_unwritable_out_is_exit_3_naming_it(world_readable: Path) -> None:
    repo = helm_repo_at(world_readable / "repo")
    locked = world_readable / "locked"
    locked.mkdir(mode=0o555)
    subprocess.run(["chmod", "-R", "a+rX", str(world_readable)], check=True)
    result = as_nobody(["plan", ".", "--out", str(locked / "up")], repo)
    assert result.returncode == 3, result.stderr
    assert f"--out {locked}/up: " in result.stderr
    assert "cannot write: Permission denied; nothing was written" in result.stderr
    assert "internal error" not in result.stderr and list(locked.iterdir()) == []


@needs_root
def test_unwritable_repository_folder_is_exit_3_and_nothing_changes(world_readable: Path) -> None:
    repo = helm_repo_at(world_readable / "repo")
    subprocess.run(["chmod", "-R", "a+rX", str(world_readable)], check=True)
    os.chmod(repo / "envs", 0o555)  # nobody can make a file beside the override files
    os.chmod(repo, 0o777)  # (but can write the journal)
    before = snapshot(repo)
    result = as_nobody(["apply", ".", "--phase", "1"], repo)
    assert result.returncode == 3, result.stderr
    assert "envs/" in result.stderr and "cannot write: Permission denied" in result.stderr
    assert snapshot(repo) == before
    assert not [p for p in repo.rglob(".*") if p.name != ".helmignore"]


@needs_root
def test_unreadable_file_is_exit_3_naming_it(world_readable: Path) -> None:
    repo = helm_repo_at(world_readable / "repo")
    subprocess.run(["chmod", "-R", "a+rX", str(world_readable)], check=True)
    os.chmod(repo / "envs/prod-values.yaml", 0)
    for command in (["scan", "."], ["apply", ".", "--phase", "1"]):
        result = as_nobody(command, repo)
        assert result.returncode == 3, result.stderr
        assert "envs/prod-values.yaml: cannot read: Permission denied" in result.stderr


def test_file_size_limit_is_exit_3_and_nothing_half_written(tmp_path: Path) -> None:
    repo = helm_repo_at(tmp_path / "repo")
    before = snapshot(repo)

    def limit() -> None:  # the journal and the small file fit, the larger one does not
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    result = run(["apply", ".", "--phase", "1"], repo, preexec_fn=limit)
    assert result.returncode == 3, result.stderr
    assert "prod-values.yaml: cannot write: File too large; nothing was written" in result.stderr
    assert snapshot(repo) == before
    assert not [p for p in repo.rglob(".*") if p.name != ".helmignore"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Path:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_is_exit_3_and_nothing_half_written(small_disk: Path) -> None:
    repo = helm_repo_at(small_disk / "repo")
    before = snapshot(repo)
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # fill the disk, then give back a little
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    os.ftruncate(fd, max(os.fstat(fd).st_size - 6000, 0))
    os.close(fd)
    result = run(["apply", ".", "--phase", "1"], repo)
    assert result.returncode == 3, result.stderr
    assert "No space left on device" in result.stderr and "internal error" not in result.stderr
    assert snapshot(repo) == before
    assert not [p for p in repo.rglob(".*") if p.name != ".helmignore"]
    out = run(["plan", ".", "--out", str(small_disk / "up")], repo)
    assert out.returncode == 3, out.stderr
    assert f"--out {small_disk}/up: " in out.stderr and "No space left" in out.stderr
    assert not (small_disk / "up").exists()


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ("helm:\n  - chart: ../elsewhere\n", "../elsewhere"),
        ("helm:\n  - chart: charts/litemaas\n    values: [../x-values.yaml]\n",
         "../x-values.yaml"),
        ("helm:\n  - chart: /etc\n", "/etc"),
        ("kustomize:\n  roots: [../k]\n", "../k"),
    ],
)
def test_config_path_outside_the_repository_says_so(cli, tmp_path: Path, config: str,
                                                     needle: str) -> None:
    repo = helm_repo_at(tmp_path / "repo")
    write(tmp_path / "x-values.yaml", "backend: {}\n")
    write(repo / ".litemaas-upgrade.yaml", config)
    init_repo(repo)
    result = cli("scan", ".", cwd=repo)
    assert result.code == 3, result.err
    assert f"{needle}: outside the repository: never read" in result.err
    assert "not found" not in result.err and "no Chart.yaml" not in result.err


@pytest.mark.parametrize(
    ("name", "engine"),
    [
        ("compose.yaml", "docker compose refuses such a file"),
        ("deploy/docker-compose.yml", "docker compose refuses such a file"),
        ("overlays/prod/kustomization.yaml", "kustomize uses the last one"),
        ("envs/prod-values.yaml", "Helm uses the last one"),
    ],
)
def test_duplicate_key_names_the_engine_of_the_file(name: str, engine: str) -> None:
    text = b"a:\n  tag: one\n  tag: two\n"
    with pytest.raises(Exception, match=f"key 'tag' is duplicated \\({engine}\\)"):
        apply_changes(text, name, [ScalarChange(0, ("a", "tag"), "three")])


def test_duplicate_key_in_a_compose_file_through_apply(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    image = "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3"
    write(repo / "compose.yaml", f"services:\n  backend:\n    image: {image}\n    image: {image}\n")
    init_repo(repo)
    result = cli("apply", ".", "--phase", "1", cwd=repo)
    assert result.code == 3
    assert "docker compose refuses such a file" in result.err
    assert "Helm" not in result.err


def test_a_tab_after_the_colon_is_read_and_kept(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLES / "charts", repo / "charts")
    write(repo / "envs/prod-values.yaml", 'backend:\n  image:\n    tag:\t"0.1.3"\n')
    init_repo(repo)
    scanned = cli("scan", ".", cwd=repo)
    assert "litemaas-backend:0.1.3" in scanned.out and "not YAML" not in scanned.out
    assert cli("apply", ".", "--phase", "1", cwd=repo).code == 0
    assert 'tag:\t"0.2.0"' in (repo / "envs/prod-values.yaml").read_text()


def test_a_tab_in_indentation_is_still_refused() -> None:
    with pytest.raises(Exception, match="cannot start any token"):
        YamlFile.parse(b"a:\n\tb: 1\n", "v.yaml")


def test_cr_only_file_gets_cr_only_lines_and_comments_stay() -> None:
    lines = ["backend:", "  image:", '    tag: "0.1.3"', "litellm:", "  image:",
             "    repository: x  # trailing comment", "# end comment", ""]
    text = "\r".join(lines).encode()
    out = apply_changes(text, "v.yaml", [ScalarChange(0, ("litellm", "image", "tag"), "m")])
    assert b"\n" not in out
    assert out == "\r".join(lines[:6] + ["    tag: m"] + lines[6:]).encode()


def test_a_chart_without_chart_yaml_is_one_targets_error(cli, tmp_path: Path) -> None:
    repo = helm_repo_at(tmp_path / "repo")
    shutil.copy(repo / "charts/litemaas/values.yaml", write(repo / "other/values.yaml", ""))
    write(repo / "other-values.yaml", (repo / "envs/prod-values.yaml").read_text())
    write(repo / ".litemaas-upgrade.yaml",
          "helm:\n  - name: x\n    chart: other\n    values: [other-values.yaml]\n"
          "  - name: y\n    chart: charts/litemaas\n    values: [envs/staging-values.yaml]\n")
    init_repo(repo)
    scanned = cli("scan", ".", cwd=repo)
    assert scanned.code == 1, scanned.err  # a target carries an error; the run goes on
    assert "envs/staging-values.yaml  [helm]  before-upgrade" in scanned.out
    assert ("error LU009 .litemaas-upgrade.yaml:3:12: other: no Chart.yaml there"
            in scanned.out)
    linted = cli("lint", ".", cwd=repo)
    assert linted.code == 1 and "no Chart.yaml there" in linted.out + linted.err
    applied = cli("apply", ".", "--phase", "1", "--dry-run", cwd=repo)
    assert applied.code == 0, applied.err
    assert "diff --git a/envs/staging-values.yaml" in applied.out
    assert "other-values.yaml" not in applied.out  # its images are unknown: not edited
