"""Writes that never leave a half-written file: each file goes to a temporary file in
its own folder and is renamed into place; a set of files is written all or nothing,
with SIGINT/SIGTERM held off while the renames happen."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..errors import UpgradeError


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


def _temp_beside(path: Path, data: bytes, mode: int | None, made: list[Path] | None = None) -> Path:
    # Created and recorded in `made` with SIGINT/SIGTERM held: an interruption can never
    # leave a temporary file that the caller's cleanup does not know about.
    with signals_held():
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        if made is not None:
            made.append(Path(tmp))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def write_files(files: Mapping[Path, bytes]) -> list[Path]:
    """Write every file or none. Files whose content would not change are not touched
    (their mtime stays). Returns the paths written."""
    todo = {}
    for path, data in sorted(files.items()):
        if path.is_symlink():
            # Renaming onto a link would replace the link with a file.
            raise UpgradeError(f"{path}: is a symbolic link: not replaced (edit its target)")
        try:
            if path.read_bytes() == data:
                continue
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise UpgradeError(f"{path}: cannot read: {exc.strerror}") from exc
        todo[path] = data
    staged: list[tuple[Path, Path, bytes | None]] = []
    made: list[Path] = []
    try:
        for path, data in todo.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                old: bytes | None = path.read_bytes()
                mode: int | None = path.stat().st_mode & 0o7777
            except FileNotFoundError:
                old, mode = None, None
            staged.append((path, _temp_beside(path, data, mode, made), old))
    except BaseException:
        for tmp in made:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    done: list[tuple[Path, bytes | None]] = []
    with signals_held():
        try:
            for path, tmp, old in staged:
                os.replace(tmp, path)
                done.append((path, old))
        except BaseException:
            # Put back what was already renamed, then drop the rest.
            for path, old in reversed(done):
                if old is None:
                    with contextlib.suppress(OSError):
                        path.unlink()
                else:
                    with contextlib.suppress(OSError):
                        restore = _temp_beside(path, old, path.stat().st_mode & 0o7777)
                        os.replace(restore, path)
            for _, tmp, _ in staged:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            raise
    return [path for path, _ in done]
