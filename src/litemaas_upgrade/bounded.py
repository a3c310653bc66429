"""Bounded reads of files the tool is given: regular files only, each up to a size
limit, and the whole run up to another.

A repository is attacker-controlled input in CI: a FIFO named `values.yaml` would block
a plain `open` forever, and `/dev/zero` linked in as `extra-values.yaml` would be read
until memory runs out. So a file is opened with O_NONBLOCK (opening a FIFO then returns
at once), checked with fstat before a byte is read, and read up to its limit only.

The limits are the command-line user's, never the repository's: they come from the
environment of the run (LITEMAAS_UPGRADE_MAX_FILE_MB, LITEMAAS_UPGRADE_MAX_RUN_MB) and no
repository file can change them (docs/security.md)."""

from __future__ import annotations

import os
import stat

from .errors import InputError, UsageError

MIB = 1024 * 1024
# Above the YAML reader's own limit (yamlio.text.MAX_BYTES, 5 MiB), so that a large file
# is still read and then skipped with a notice as not YAML, as before; past this one it
# is not read at all (exit 3: what cannot be read fails closed).
DEFAULT_FILE_MB = 16
DEFAULT_RUN_MB = 1024


def env_number(name: str, default: int, unit: str) -> int:
    """A whole number of the run's environment (a limit the user sets), or the default;
    UsageError when it is not one, or not 1 or more."""
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = 0
    if value <= 0:
        raise UsageError(f"{name}={raw!r}: give a whole number of {unit}, 1 or more")
    return value


def file_limit() -> int:
    return RUN.limit("LITEMAAS_UPGRADE_MAX_FILE_MB", DEFAULT_FILE_MB)


class Budget:
    """What the run has read so far, against the limit per run. A file is counted once
    per path, however many views read it."""

    def __init__(self) -> None:
        self.used = 0
        # Hashes of what was counted (ints, not the keys: 40,000 files at 10,000 targets).
        self._counted: set[int] = set()
        self._limits: dict[str, int] = {}  # read once per run: a lookup per file costs

    def reset(self) -> None:
        self.used = 0
        self._counted = set()
        self._limits = {}

    def limit(self, name: str, default_mb: int) -> int:
        """The limit `name` sets, in bytes (MiB in the environment)."""
        found = self._limits.get(name)
        if found is None:
            found = self._limits[name] = env_number(name, default_mb, "MiB") * MIB
        return found

    def charge(self, key: str, size: int, shown: str) -> None:
        mark = hash(key)
        if mark in self._counted:
            return
        limit = self.limit("LITEMAAS_UPGRADE_MAX_RUN_MB", DEFAULT_RUN_MB)
        if self.used + size > limit:
            raise InputError(
                shown,
                f"not read: the run has read {self.used // MIB} MiB, and the limit per run is "
                f"{limit // MIB} MiB (LITEMAAS_UPGRADE_MAX_RUN_MB)",
            )
        self.used += size
        self._counted.add(mark)


RUN = Budget()


def too_large(limit: int) -> str:
    return (
        f"file is larger than the {limit // MIB} MiB limit per file "
        "(LITEMAAS_UPGRADE_MAX_FILE_MB): not read"
    )


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_regular(path: str, shown: str, what: str = "", follow: bool = True) -> bytes:
    """The bytes of the regular file at `path`; InputError (about `shown`) when it is
    not one, is larger than the limit per file, or would take the run past its limit.
    `follow=False`: a symbolic link is refused, not followed (O_NOFOLLOW)."""
    prefix = f"cannot read {what}: " if what else ""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(shown, f"{prefix or 'cannot read: '}{exc.strerror}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = kind_of(info.st_mode)
            raise InputError(shown, f"{prefix}{kind}, not a regular file: not read")
        limit = file_limit()
        if info.st_size > limit:
            raise InputError(shown, prefix + too_large(limit))
        RUN.charge(f"{info.st_dev}:{info.st_ino}", info.st_size, shown)
        # One read for a file that stays its size (a system call fewer per file); a file
        # that grows while it is read is read on, and caught at the limit.
        data = os.read(fd, info.st_size + 1)
        if len(data) > info.st_size:
            chunks = [data]
            left = limit + 1 - len(data)
            while left > 0:
                chunk = os.read(fd, min(left, MIB))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            data = b"".join(chunks)
        if len(data) > limit:
            raise InputError(shown, prefix + too_large(limit))
        return data
    except OSError as exc:
        raise InputError(shown, f"{prefix or 'cannot read: '}{exc.strerror}") from exc
    finally:
        os.close(fd)
