"""Writes that never leave a half-written file: each file goes to a temporary file in
its own folder and is renamed into place; a set of files is written all or nothing,
with SIGINT/SIGTERM held off while the renames happen."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from ..errors import FileError
from .journal import JOURNAL, Entry, digest, drop_journal, write_journal


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Defer SIGINT and SIGTERM until the block is done (delivered right after)."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not on this platform
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def write_files(
    files: Mapping[Path, bytes],
    expected: Mapping[Path, bytes | None] | None = None,
    journal_root: Path | None = None,
    on_complete: Callable[[list[Path]], None] | None = None,
) -> list[Path]:
    """Write every file or none. Files whose content would not change are not touched
    (their mtime stays). Returns the paths written.

    `expected`: the bytes each file had when the caller read it; a file that holds other
    bytes just before the renames (someone edited it meanwhile) stops the write, nothing
    written. `journal_root`: the folder of the journal (output/journal.py) that lets the
    next run finish or undo a run that was killed. `on_complete` is called once every
    file is in place, with SIGINT/SIGTERM still held (a stop right after is then told
    that the write completed)."""
    todo: dict[Path, bytes] = {}
    for path, data in sorted(files.items()):
        if path.is_symlink():
            # Renaming onto a link would replace the link with a file.
            raise FileError(f"{path}: is a symbolic link: not replaced (edit its target)")
        current = _read(path)
        if current == data:
            continue
        todo[path] = data
    if not todo:
        return []
    olds = {path: _read(path) for path in todo}
    if expected is not None:
        _check_unchanged(olds, expected)
    root = journal_root
    entries = [
        Entry(_rel(path, root), secrets.token_hex(6), digest(olds[path]), digest(data))
        for path, data in todo.items()
    ]
    base = root if root is not None else Path("/")
    if root is not None:
        _os_step(root / JOURNAL, "write the apply journal", write_journal, root, "staging",
                 entries)
    made: list[Path] = []
    done: list[tuple[Path, Entry]] = []
    at = next(iter(todo))  # the file being written, named when it fails
    try:
        for (path, data), entry in zip(todo.items(), entries, strict=True):
            at = path
            path.parent.mkdir(parents=True, exist_ok=True)
            mode = path.stat().st_mode & 0o7777 if olds[path] is not None else None
            _write_new(entry.new_tmp(base), data, mode, made)
            old = olds[path]
            if old is not None:  # a backup, for undoing a run killed half-way
                _write_new(entry.old_tmp(base), old, mode, made)
        with signals_held():
            if expected is not None:  # once more, as late as can be
                _check_unchanged({p: _read(p) for p in todo}, expected)
            if root is not None:
                write_journal(root, "renaming", entries)
            for path, entry in zip(todo, entries, strict=True):
                at = path
                os.replace(entry.new_tmp(base), path)
                done.append((path, entry))
            for tmp in made:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            if root is not None:
                drop_journal(root)
            if on_complete is not None:
                on_complete([path for path, _ in done])
    except BaseException as exc:
        # Put back what was already renamed (from the backups), drop the rest.
        for path, entry in reversed(done):
            with contextlib.suppress(OSError):
                if entry.old:
                    os.replace(entry.old_tmp(base), path)
                else:
                    path.unlink()
        for tmp in made:
            with contextlib.suppress(OSError):
                tmp.unlink()
        if root is not None:
            with contextlib.suppress(OSError):
                drop_journal(root)
        if isinstance(exc, OSError):
            where = at
            raise FileError(
                f"{where}: cannot write: {exc.strerror or exc}; nothing was written"
            ) from exc
        raise
    return [path for path, _ in done]


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileError(f"{path}: cannot read: {exc.strerror}") from exc


def _check_unchanged(
    current: Mapping[Path, bytes | None], expected: Mapping[Path, bytes | None]
) -> None:
    for path, data in current.items():
        if path in expected and expected[path] != data:
            raise FileError(
                f"{path}: changed since apply read it: nothing was written (run apply again)"
            )


def _rel(path: Path, root: Path | None) -> str:
    if root is None:
        return path.as_posix().lstrip("/")
    return path.relative_to(root).as_posix()


def _write_new(path: Path, data: bytes, mode: int | None, made: list[Path]) -> None:
    # Recorded in `made` with SIGINT/SIGTERM held: an interruption never leaves a file
    # that the cleanup does not know about (and the journal names it already).
    with signals_held():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        made.append(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if mode is not None:
        os.chmod(path, mode)


def _os_step(path: Path, what: str, fn: Callable[..., None], *args: object) -> None:
    try:
        fn(*args)
    except OSError as exc:
        raise FileError(f"{exc.filename or path}: cannot {what}: {exc.strerror or exc}") from exc
