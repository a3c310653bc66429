"""Issue 15 §6: `apply` never loses an edit and never leaves a partial write.

- 50 SIGKILLs at random moments of the write leave each file wholly old or wholly new;
  the next run finishes or undoes the interrupted one and leaves nothing behind.
- A file edited while apply runs is not written over: nothing is written.
- A journal that an apply did not write (planted by a pull request) is refused.
- SIGTERM during the renames: the write completes, and "terminated" says so.
- Several PATHs: only the files of the targets below them are edited."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SAMPLES, write
from litemaas_upgrade.output import atomic
from litemaas_upgrade.output.journal import JOURNAL

ENVS = 24
VALUES = (
    "# environment {i}\n"
    "backend:\n"
    "  image:\n"
    '    tag: "0.1.3"\n'
    "litellm:\n"
    "  image:\n"
    "    tag: main-v1.74.7-stable\n"
)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def leftovers(root: Path) -> list[str]:
    """Temporary files, backups and journals: every name apply makes starts with a dot."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(".*")
                  if p.name != ".helmignore")


def start(repo: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "litemaas_upgrade", "apply", ".", "--phase", "1"],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def envs_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes], float]:
    """A repository of ENVS override files, its phase-1 state, and how long the write
    part of an uninterrupted run takes (journal made -> process gone)."""
    repo = tmp_path_factory.mktemp("kill") / "repo"
    shutil.copytree(SAMPLES / "charts", repo / "charts")
    for i in range(ENVS):
        write(repo / f"envs/env{i:03}-values.yaml", VALUES.format(i=i))
    done = repo.parent / "done"
    shutil.copytree(repo, done)
    proc = start(done)
    seen = None
    while proc.poll() is None:
        if seen is None and (done / JOURNAL).exists():
            seen = time.monotonic()
        time.sleep(0.0005)
    window = time.monotonic() - seen if seen is not None else 0.05
    assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
    assert leftovers(done) == []
    return repo, snapshot(done), window


def test_fifty_sigkills_leave_whole_files_and_the_next_run_finishes(
    cli, envs_repo: tuple[Path, dict[str, bytes], float], tmp_path: Path
) -> None:
    source, phase1, window = envs_repo
    original = snapshot(source)
    rng = random.Random(15)
    cut = 0
    for n in range(50):
        repo = tmp_path / f"r{n}"
        shutil.copytree(source, repo)
        proc = start(repo)
        while proc.poll() is None and not (repo / JOURNAL).exists():
            time.sleep(0.0002)
        time.sleep(rng.uniform(0, window * 1.2))
        proc.kill()
        proc.communicate(timeout=60)
        after = snapshot(repo)
        for rel, data in original.items():
            assert after[rel] in (data, phase1[rel]), (n, rel)  # wholly old or wholly new
        interrupted = bool(leftovers(repo))
        cut += interrupted
        result = cli("apply", ".", "--phase", "1", cwd=repo)
        assert result.code == 0, (n, result.err)
        if interrupted:
            assert "an earlier apply was stopped half-way: " in result.err, (n, result.err)
        assert snapshot(repo) == phase1, n
        assert leftovers(repo) == [], n
        shutil.rmtree(repo)
    assert cut >= 10, f"only {cut} of 50 kills landed during a write: the test saw little"


def test_an_edit_made_while_apply_runs_is_not_written_over(
    cli, envs_repo: tuple[Path, dict[str, bytes], float], tmp_path: Path, monkeypatch
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(envs_repo[0], repo)
    victim = repo / "envs/env007-values.yaml"
    real = atomic._write_new

    def someone_edits(path: Path, data: bytes, mode: int | None, made: list[Path]) -> None:
        # A real edit, by another program, after apply read the files and planned.
        if not victim.read_text().endswith("# mine\n"):
            victim.write_text(victim.read_text() + "# mine\n")
        real(path, data, mode, made)

    monkeypatch.setattr(atomic, "_write_new", someone_edits)
    before = snapshot(repo)
    result = cli("apply", ".", "--phase", "1", cwd=repo)
    assert result.code == 3, result.err
    assert "env007-values.yaml: changed since apply read it: nothing was written" in result.err
    after = snapshot(repo)
    assert after["envs/env007-values.yaml"].endswith(b"# mine\n")  # the edit is kept
    assert {k: v for k, v in after.items() if k != "envs/env007-values.yaml"} == {
        k: v for k, v in before.items() if k != "envs/env007-values.yaml"}
    assert leftovers(repo) == []


def test_a_planted_journal_is_refused(cli, envs_repo, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(envs_repo[0], repo)
    outside = write(tmp_path / "outside.yaml", "keep: me\n")
    (repo / JOURNAL).write_text(json.dumps({
        "litemaas-upgrade-apply": 1, "state": "renaming",
        "files": [{"path": "../outside.yaml", "tag": "0123456789ab", "old": "", "new": "0" * 64}],
    }))
    before = snapshot(repo)
    result = cli("apply", ".", "--phase", "1", cwd=repo)
    assert result.code == 3, result.err
    assert f"{JOURNAL}: not a journal of litemaas-upgrade apply" in result.err
    assert snapshot(repo) == before and outside.read_text() == "keep: me\n"
    dry = cli("apply", ".", "--phase", "1", "--dry-run", cwd=repo)
    assert dry.code == 1 and "stopped half-way" in dry.err


def test_a_file_changed_after_a_kill_is_kept_and_the_rest_rolled_back(
    cli, envs_repo, tmp_path: Path
) -> None:
    """A journal left in `renaming` by a kill, then someone edits a file whose rename had
    not happened: finishing would overwrite it, so the renames that happened are undone."""
    from litemaas_upgrade.output.journal import Entry, digest, write_journal

    repo = tmp_path / "repo"
    shutil.copytree(envs_repo[0], repo)
    original = snapshot(repo)
    phase1 = envs_repo[1]
    a, b = "envs/env000-values.yaml", "envs/env001-values.yaml"
    entries = [Entry(rel, f"{i:012x}", digest(original[rel]), digest(phase1[rel]))
               for i, rel in enumerate((a, b))]
    write_journal(repo, "renaming", entries)
    for e in entries:  # as a kill after the first rename leaves them
        e.old_tmp(repo).write_bytes(original[e.rel])
    (repo / a).write_bytes(phase1[a])
    entries[1].new_tmp(repo).write_bytes(phase1[b])
    (repo / b).write_bytes(original[b] + b"# edited after the kill\n")
    result = cli("apply", ".", "--phase", "1", "--backend-tag", "0.2.0", cwd=repo)
    assert "stopped half-way: rolled back" in result.err, result.err
    assert f"left as it is (changed since): {b}" in result.err
    assert (repo / b).read_bytes().endswith(b"# edited after the kill\n")
    assert leftovers(repo) == []


def test_sigterm_during_the_renames_says_the_write_completed(
    envs_repo, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(envs_repo[0], repo)
    # SIGTERM sent by the process itself at its first rename: held until all are done.
    probe = (
        "import os, signal, sys\n"
        "import litemaas_upgrade.output.atomic as a\n"
        "real = os.replace\n"
        "def replace(s, d):\n"
        "    if str(d).endswith('-values.yaml'):\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "    real(s, d)\n"
        "a.os.replace = replace\n"
        "sys.argv = ['litemaas-upgrade', 'apply', '.', '--phase', '1']\n"
        "from litemaas_upgrade.cli import main\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True,
                          text=True, check=False, timeout=120)
    assert proc.returncode == 143, proc.stderr
    assert f"terminated after the write completed: phase 1, {ENVS} file(s) edited" in proc.stderr
    assert snapshot(repo) == {k: v for k, v in envs_repo[1].items()}
    assert leftovers(repo) == []


def test_several_paths_edit_only_their_targets(cli, sample_repo: Path) -> None:
    paths = ["kustomize/overlays/prod", "dev-tools/compose.yaml"]
    scanned = json.loads(cli("scan", *paths, "--format", "json", cwd=sample_repo).out)
    site_files = {s["file"] for t in scanned["targets"] for c in t["components"].values()
                  for s in c["sites"]}
    listed = {t["path"] for t in scanned["targets"]}
    assert listed == {"kustomize/overlays/prod", "dev-tools/compose.yaml"}
    result = cli("apply", *paths, "--phase", "1", cwd=sample_repo)
    assert result.code == 0, result.err
    edited = {line.removeprefix("edited ") for line in result.err.splitlines()
              if line.startswith("edited ")}
    assert edited and edited <= site_files, (edited, site_files)
    assert any(e.startswith("kustomize/") for e in edited)  # (the overlay edits its base)
    assert "dev-tools/compose.yaml" in edited
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=sample_repo,
                             capture_output=True, text=True, check=True).stdout
    assert {line[3:] for line in changed.splitlines()} == edited
    subprocess.run(["git", "checkout", "-q", "."], cwd=sample_repo, check=True)
    everything = cli("apply", ".", "--phase", "1", "--dry-run", cwd=sample_repo).out
    assert everything.count("diff --git") > len(edited) + 10  # the common folder has more
