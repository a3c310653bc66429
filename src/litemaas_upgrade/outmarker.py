"""The marker `plan --out` leaves in its output folder, and what makes a folder an
earlier plan's output: what a scan skips (its phase files are not the repository's) and
what `plan --out DIR --force` may replace.

A marker alone proves nothing: any pull request can commit an empty file by that name,
and a skip it could switch on would hide the folder's deployment files from lint (the
gate). So a folder counts as a plan's output only when all of these hold:
- the marker records the SHA-256 of the folder's `plan.json`, and that is its digest;
- the folder holds nothing but what a plan writes (the marker, plan.json, RUNBOOK.md,
  phase-N.diff, phase-N/);
- for the scan's skip, also: no file below it is tracked by git. What a pull request
  brings is tracked, so a planted output folder is always scanned.
A hasher is loaded only when a marker is met or written (start-up of the pre-commit hook)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

from .bounded import read_regular
from .errors import InputError
from .lazypattern import lazy

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

OUTPUT_MARKER = ".litemaas-upgrade-output"
_HEAD = b"written by litemaas-upgrade plan; not scanned\n"
_DIGEST = lazy(rb"^plan\.json sha256 ([0-9a-f]{64})$", re.M)
_WRITTEN = lazy(r"(\.litemaas-upgrade-output|plan\.json|RUNBOOK\.md|phase-\d+(\.diff)?)")


def marker_text(digest: str | None) -> bytes:
    """The marker's bytes; `digest`: the SHA-256 of the plan.json beside it (None while it
    is being written: a folder with such a marker is not yet an output)."""
    if digest is None:
        return _HEAD
    return _HEAD + b"plan.json sha256 " + digest.encode() + b"\n"


def file_digest(path: Path) -> str:
    """The SHA-256 of a regular file (not a link), read a MiB at a time: plan.json grows
    with the repository (some 145 MB at 10,000 targets), and neither a run's memory nor
    the limit per file must stand in the way of checking it. InputError when it is not
    a regular file or cannot be read."""
    digest = _sha256()
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(path.name, f"cannot read: {exc.strerror}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(path.name, "not a regular file")
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
        return digest.hexdigest()
    except OSError as exc:
        raise InputError(path.name, f"cannot read: {exc.strerror}") from exc
    finally:
        os.close(fd)


def _sha256() -> Any:
    """A SHA-256 hasher. CPython's own (`_sha256`; `_sha2` from 3.12) where there is one:
    hashlib's OpenSSL adds some 4 MB to a run's memory, at the end of `plan` where its
    peak is (bench/README.md)."""
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found,no-redef]
        except ImportError:
            from hashlib import sha256  # type: ignore[assignment]
    return sha256()


def not_plan_output(folder: Path) -> str | None:
    """Why `folder` is not an earlier plan's output (None when it is one)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        return f"cannot list it: {exc.strerror}"
    if OUTPUT_MARKER not in names:
        return f"it has no {OUTPUT_MARKER} marker"
    others = [n for n in names if not _WRITTEN.fullmatch(n)]
    if others:
        return f"it holds {others[0]}, which no plan writes"
    try:
        marker = read_regular(str(folder / OUTPUT_MARKER), OUTPUT_MARKER, follow=False)
        digest = file_digest(folder / "plan.json")
    except InputError as exc:
        return f"{exc.file}: {exc.message}"
    found = _DIGEST.search(marker)
    if found is None:
        return "its marker records no plan.json digest"
    if digest != found.group(1).decode():
        return "its plan.json is not the one its marker records"
    return None


def tracked_below(folder: Path) -> bool:
    """Whether git tracks a file below `folder` (False outside a git work tree)."""
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--", "."],
            cwd=folder,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return True  # cannot tell: not skipped (fail closed)
    if proc.returncode != 0:
        return b"not a git repository" not in proc.stderr
    return bool(proc.stdout)


def skipped_output(folder: Path) -> bool:
    """Whether a scan skips `folder` (which holds a marker): an earlier plan's output
    that git does not track."""
    return not_plan_output(folder) is None and not tracked_below(folder)
