"""The journal of an `apply`: what it is about to rename, so that a run that was killed
half-way (SIGKILL, a power cut) is finished or undone by the next one.

`apply` writes the journal before it makes any temporary file, and rewrites it (state
`renaming`) once every new file and every backup of an old one is on disk, just before the
first rename. So the journal always names every temporary file that may exist:
- `staging`: no file of the repository was replaced yet. Recovery removes the temporary
  files: the apply is rolled back (nothing happened).
- `renaming`: recovery completes the renames that did not happen. If a file was changed
  by someone since (it is neither the old nor the new bytes), it is not written over:
  the files already renamed are put back from their backups instead (rolled back), and
  the changed file is left as it is.
Either way the temporary files and the journal are removed. A journal that does not look
like one `apply` writes (paths outside the folder, other file names) is refused, never
acted on: it may have come with a pull request."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import posixpath
import re
from pathlib import Path

from ..errors import InputError
from ..records import record

JOURNAL = ".litemaas-upgrade-apply.json"
_TAG = re.compile(r"[0-9a-f]{12}")
_SHA = re.compile(r"[0-9a-f]{64}")


def digest(data: bytes | None) -> str:
    return "" if data is None else hashlib.sha256(data).hexdigest()


@record
class Entry:
    rel: str  # the file, relative to the journal's folder (posix)
    tag: str  # names its temporary files: .NAME.TAG.tmp (new bytes), .NAME.TAG.old (old)
    old: str  # sha256 of the bytes it had ("" when it did not exist)
    new: str  # sha256 of the bytes apply writes

    def path(self, root: Path) -> Path:
        return root / self.rel

    def new_tmp(self, root: Path) -> Path:
        p = self.path(root)
        return p.parent / f".{p.name}.{self.tag}.tmp"

    def old_tmp(self, root: Path) -> Path:
        p = self.path(root)
        return p.parent / f".{p.name}.{self.tag}.old"


def write_journal(root: Path, state: str, entries: list[Entry]) -> None:
    """Replace the journal atomically (a new file renamed over it) and make it durable."""
    data = {
        "litemaas-upgrade-apply": 1,
        "state": state,
        "files": [{"path": e.rel, "tag": e.tag, "old": e.old, "new": e.new} for e in entries],
    }
    tmp = root / (JOURNAL + ".new")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, root / JOURNAL)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    sync_folder(root)


def drop_journal(root: Path) -> None:
    for name in (JOURNAL, JOURNAL + ".new"):
        with contextlib.suppress(FileNotFoundError):
            (root / name).unlink()
    sync_folder(root)


def sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def pending(root: Path) -> bool:
    return (root / JOURNAL).exists() or (root / (JOURNAL + ".new")).exists()


def read_journal(root: Path) -> tuple[str, list[Entry]]:
    """The journal's state and entries, checked: every path inside `root`, no link."""
    where = JOURNAL
    try:
        data = json.loads((root / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "staging", []  # killed while writing the first journal: nothing was made
    except (OSError, ValueError) as exc:
        raise InputError(where, f"not a journal of litemaas-upgrade apply: {exc}") from exc
    bad = InputError(where, "not a journal of litemaas-upgrade apply: not acted on; look at "
                     "it and remove it")
    if not isinstance(data, dict) or data.get("litemaas-upgrade-apply") != 1:
        raise bad
    state, files = data.get("state"), data.get("files")
    if state not in ("staging", "renaming") or not isinstance(files, list):
        raise bad
    entries = []
    for item in files:
        if not isinstance(item, dict):
            raise bad
        rel, tag, old, new = (item.get(k) for k in ("path", "tag", "old", "new"))
        if not (isinstance(rel, str) and isinstance(tag, str) and isinstance(old, str)
                and isinstance(new, str)):
            raise bad
        norm = posixpath.normpath(rel)
        if (norm != rel or rel.startswith(("/", "../")) or rel in (".", "..")
                or not _TAG.fullmatch(tag) or not _SHA.fullmatch(new)
                or (old and not _SHA.fullmatch(old))):
            raise bad
        entry = Entry(rel, tag, old, new)
        if _through_link(root, rel):
            raise InputError(where, f"{rel}: a symbolic link on the way: not acted on")
        entries.append(entry)
    return state, entries


def _through_link(root: Path, rel: str) -> bool:
    p = root
    for part in rel.split("/"):
        p = p / part
        if p.is_symlink():
            return True
    return False


def _current(path: Path) -> str | None:
    """sha256 of the file's bytes; None when it is not there."""
    try:
        return digest(path.read_bytes())
    except FileNotFoundError:
        return None


def recover(root: Path) -> tuple[str, list[str], list[str]]:
    """Finish or undo an interrupted apply. Returns what was done (`completed`,
    `rolled back`), the files it wrote, and the files it left because someone changed
    them since."""
    state, entries = read_journal(root)
    written: list[str] = []
    left: list[str] = []
    outcome = "rolled back"
    if state == "renaming":
        conflicts = [e for e in entries if e.new_tmp(root).exists()
                     and (_current(e.path(root)) or "") != e.old]
        if not conflicts:
            for e in entries:
                if e.new_tmp(root).exists():
                    os.replace(e.new_tmp(root), e.path(root))
                    written.append(e.rel)
            outcome = "completed"
        else:
            left = [e.rel for e in conflicts]
            for e in entries:
                if e.new_tmp(root).exists() or _current(e.path(root)) != e.new:
                    continue  # not renamed yet, or changed since: left as it is
                if e.old and e.old_tmp(root).exists():
                    os.replace(e.old_tmp(root), e.path(root))
                elif not e.old:
                    e.path(root).unlink()
                else:
                    left.append(e.rel)  # (its backup is gone: nothing to put back)
                    continue
                written.append(e.rel)
    for e in entries:
        for tmp in (e.new_tmp(root), e.old_tmp(root)):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    drop_journal(root)
    return outcome, written, left
