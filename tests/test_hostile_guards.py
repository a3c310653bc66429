"""Guards behind the hostile-input corpus: time and memory budgets, all-or-nothing writes,
git sources that cannot be read, and no network, shell or unsafe YAML loading."""

from __future__ import annotations

import os
import re
import socket
import stat
import time
import tracemalloc
from pathlib import Path

import pytest

from conftest import git, init_repo, write
from litemaas_upgrade.errors import InputError, UpgradeError
from litemaas_upgrade.gitutil import GitError
from litemaas_upgrade.output.atomic import write_files
from litemaas_upgrade.source import GitTree, WorkTree
from litemaas_upgrade.yamlio import YamlFile

SRC = Path(__file__).resolve().parents[1] / "src" / "litemaas_upgrade"


def bomb(levels: int) -> bytes:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return ("\n".join(lines) + "\n").encode()


HOSTILE_INPUTS = {
    "alias-bomb": bomb(10),
    "deep-flow": b"k: " + b"[" * 200_000 + b"]" * 200_000 + b"\n",
    "deep-flow-lines": b"[\n" * 50_000 + b"]\n" * 50_000,
    "deep-block-map": "".join("  " * i + f"k{i}:\n" for i in range(1000)).encode(),
    "deep-block-seq": b"- " * 100_000 + b"x\n",
}


def load(data: bytes) -> None:
    for doc in YamlFile.parse(data, "values.yaml").documents:
        doc.data  # noqa: B018 - conversion is lazy; alias expansion happens here


@pytest.mark.parametrize("name", sorted(HOSTILE_INPUTS))
def test_hostile_yaml_fails_fast_and_small(name: str) -> None:
    data = HOSTILE_INPUTS[name]
    # CPU time, not wall time: other tests may share the machine.
    started = time.process_time()
    with pytest.raises(InputError) as info:
        load(data)
    elapsed = time.process_time() - started
    assert re.match(r"values\.yaml:\d+:\d+: ", str(info.value)), str(info.value)
    assert "nesting deeper" in str(info.value) or "alias expansions" in str(info.value)
    assert elapsed < 1.0, elapsed
    tracemalloc.start()
    try:
        with pytest.raises(InputError):
            load(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024, peak


# --- writes: all or nothing ---------------------------------------------------------------


def test_write_keeps_mode_and_skips_unchanged_files(tmp_path: Path) -> None:
    script = write(tmp_path / "a.yaml", "a: 1\n")
    script.chmod(0o751)
    same = write(tmp_path / "b.yaml", "b: 1\n")
    os.utime(same, (1_000_000, 1_000_000))
    written = write_files({script: b"a: 2\n", same: b"b: 1\n"})
    assert written == [script]
    assert stat.S_IMODE(script.stat().st_mode) == 0o751 and script.read_bytes() == b"a: 2\n"
    assert same.stat().st_mtime == 1_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]


def test_write_failing_half_way_restores_what_was_written(tmp_path: Path, monkeypatch) -> None:
    first = write(tmp_path / "a.yaml", "a: 1\n")
    new = tmp_path / "b-new.yaml"
    last = write(tmp_path / "c.yaml", "c: 1\n")
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        # Fault injection: the disk fills up when the third file is renamed into place.
        if Path(dst) == last:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(UpgradeError, match=r"c\.yaml: cannot write: No space left"):
        write_files({first: b"a: 2\n", new: b"b: 1\n", last: b"c: 2\n"})
    assert first.read_bytes() == b"a: 1\n" and last.read_bytes() == b"c: 1\n"
    assert not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "c.yaml"]


def test_write_refuses_to_replace_a_symlink(tmp_path: Path) -> None:
    real = write(tmp_path / "real.yaml", "a: 1\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real.name)
    with pytest.raises(UpgradeError, match="is a symbolic link: not replaced"):
        write_files({real: b"a: 2\n", link: b"a: 2\n"})
    assert link.is_symlink() and real.read_bytes() == b"a: 1\n"


def test_write_with_an_unwritable_folder_writes_nothing(tmp_path: Path) -> None:
    first = write(tmp_path / "a.yaml", "a: 1\n")
    write(tmp_path / "file", "x")
    with pytest.raises(UpgradeError, match="cannot read: Not a directory"):
        write_files({first: b"a: 2\n", tmp_path / "file/inside.yaml": b"b: 1\n"})
    assert first.read_bytes() == b"a: 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "file"]


# --- reading: never out of the root --------------------------------------------------------


def test_worktree_never_reads_through_links(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "in.yaml", "a: 1\n")
    write(tmp_path / "secret.yaml", "password: hunter2\n")
    (root / "out.yaml").symlink_to(tmp_path / "secret.yaml")
    (root / "dir").symlink_to(tmp_path, target_is_directory=True)
    (root / "same.yaml").symlink_to("in.yaml")
    (root / "dangling.yaml").symlink_to("nowhere.yaml")
    tree = WorkTree(root)
    assert tree.files() == ["in.yaml"]
    assert sorted(tree.outside) == ["dangling.yaml", "dir/", "out.yaml"]
    assert tree.links == ["same.yaml"]
    with pytest.raises(InputError, match="points outside the repository: not read"):
        tree.read("out.yaml")
    with pytest.raises(InputError, match="points outside the repository: not read"):
        tree.read("dir/secret.yaml")
    with pytest.raises(InputError, match="points outside the repository: not read"):
        tree.read("../secret.yaml")


# --- git: clear errors ---------------------------------------------------------------------


def test_gittree_errors(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError, match="not a git repository"):
        GitTree(plain, "HEAD")
    repo = tmp_path / "repo"
    write(repo / "envs/prod-values.yaml", "a: 1\n")
    init_repo(repo)
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        GitTree(repo, "nope")
    git(repo, "rm", "-q", "envs/prod-values.yaml")
    git(repo, "commit", "-qm", "deleted")
    tree = GitTree(repo, "HEAD~1")
    try:
        assert tree.files() == ["envs/prod-values.yaml"]
        assert tree.read("envs/prod-values.yaml") == b"a: 1\n"
        with pytest.raises(InputError, match="not in HEAD"):
            GitTree(repo, "HEAD").read("envs/prod-values.yaml")
    finally:
        tree.close()


# --- no network, no shell, no unsafe loading ------------------------------------------------


def test_commands_make_no_network_call(cli, sample_repo: Path, monkeypatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for args in (
        ["scan", "."],
        ["plan", ".", "--out", "up"],
        ["apply", ".", "--phase", "1"],
        ["diff", ".", "--phase", "1"],
        ["lint", "."],
    ):
        result = cli(*args, cwd=sample_repo)
        assert result.code in (0, 1), (args, result.err)


def test_source_has_no_shell_eval_or_unsafe_yaml() -> None:
    banned = re.compile(
        r"shell\s*=\s*True|os\.system\(|os\.popen\(|\beval\(|\bexec\(|typ\s*=\s*[\"']unsafe"
        r"|yaml\.load\(|Loader\s*=|os\.path\.expandvars|string\.Template"
    )
    hits = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if banned.search(line)
    ]
    # The one exec: a record class's __init__, compiled from the field names of a class
    # in this package (identifiers, checked), never from input (records.py, as
    # dataclasses does).
    allowed = [h for h in hits if h.startswith("records.py:") and "exec(source, scope)" in h]
    assert len(allowed) <= 1
    assert [h for h in hits if h not in allowed] == []
