"""The few git facts the tool needs, asked of the git command (never with a shell)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .errors import UpgradeError


class GitError(UpgradeError):
    """git is missing, the folder is not a repository, or a revision is unknown."""

    exit_code = 2


class Pending:
    """A git command started in the background: the caller goes on with other work (a
    pre-commit run walks the work tree while git lists the base), and `result()` waits."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.args = args
        try:
            self._proc = subprocess.Popen(
                ["git", *args],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except FileNotFoundError as exc:
            raise GitError("git is not installed (needed for --base)") from exc
        self._out: bytes | None = None
        self._err = b""

    def finish(self) -> tuple[int, bytes, bytes]:
        """(exit code, output, error output), once the command has ended."""
        if self._out is None:
            self._out, self._err = self._proc.communicate()
        return self._proc.returncode, self._out, self._err

    def result(self) -> bytes:
        code, out, err = self.finish()
        if code != 0:
            message = err.decode("utf-8", "replace").strip().splitlines()
            raise GitError(message[-1] if message else f"git {' '.join(self.args)} failed")
        return out


def git(args: list[str], cwd: Path) -> bytes:
    return Pending(args, cwd).result()


_TOPLEVELS: dict[str, Path] = {}


def toplevel(path: Path) -> Path:
    """The top folder of the work tree holding `path` (asked of git once per folder: a
    pre-commit run asks for it from several places, and each git call is a process)."""
    folder = path if path.is_dir() else path.parent
    top = _TOPLEVELS.get(str(folder))
    if top is None:
        out = git(["rev-parse", "--show-toplevel"], folder)
        top = _remember(folder, Path(out.decode().strip()))
    return top


def _remember(folder: Path, top: Path) -> Path:
    _TOPLEVELS[str(folder)] = top
    _TOPLEVELS.setdefault(str(top), top)
    return top


def toplevel_and_commit(path: Path, rev: str) -> tuple[Path, str | None]:
    """toplevel(path), and the commit `rev` names there (None when it names none, as in
    a repository with no commits yet), from one git call."""
    folder = path if path.is_dir() else path.parent
    code, out, _err = Pending(
        ["rev-parse", "--show-toplevel", "--verify", "--quiet", f"{rev}^{{commit}}"], folder
    ).finish()
    lines = out.decode().splitlines()
    if not lines:  # not a repository: the plain call says why
        return toplevel(path), None
    top = _remember(folder, Path(lines[0]))
    return top, lines[1] if code == 0 and len(lines) > 1 else None


def resolve_rev(top: Path, rev: str) -> str:
    """The commit a revision names; a clear error for unknown revisions and shallow clones."""
    try:
        return git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top).decode().strip()
    except GitError:
        shallow = git(["rev-parse", "--is-shallow-repository"], top).decode().strip() == "true"
        hint = " (this is a shallow clone: fetch more history)" if shallow else ""
        raise GitError(f"unknown revision {rev!r}{hint}") from None
