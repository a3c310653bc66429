"""Read-only views of a deployment repository's files: the work tree, a git revision,
or another view with some files replaced (a planned phase). A YAML file that several
targets use is parsed once per run while they use it: parsed files are kept in bounded
caches (the most recent files by path, and by content across views: yamlio.cache), so
that a run's memory does not grow with every file it has read."""

from __future__ import annotations

import abc
import os
import posixpath
import subprocess
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from .errors import InputError
from .gitutil import GitError, git, resolve_rev, toplevel
from .yamlio import YamlFile
from .yamlio.cache import PARSES

# Folders that never hold deployment files, and the marker `plan --out` leaves in its
# output folder so that a later scan does not mistake phase files for the repository's.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__"})
OUTPUT_MARKER = ".litemaas-upgrade-output"
# How many parsed files each view keeps by path (see Source.yaml).
RECENT = 512


class Source(abc.ABC):
    """Files below one root, by POSIX path relative to it."""

    label = ""

    def __init__(self, root: Path) -> None:
        self.root = root
        # The files this view parsed most recently, by path (not read again while here);
        # beyond them, the process-wide cache by content (yamlio.cache) may still hold one.
        self._yaml: OrderedDict[str, YamlFile] = OrderedDict()
        prefix = os.path.relpath(root, Path.cwd())
        self._prefix = "" if prefix == "." else PurePosixPath(Path(prefix).as_posix()).as_posix()
        self.outside: list[str] = []  # links that point outside the root: reported, not read
        # Links to files or folders inside the root: read at their real path only, so
        # that a file is never two targets and never replaced by a write through a link.
        self.links: list[str] = []
        # Files a manager passed over with a notice (e.g. Go-template text that is not YAML).
        self.skipped: dict[str, str] = {}
        self.parsed = 0  # YAML files this view parsed (not taken from a cache)
        # Parses shared with other views of the same root (lint's base and work tree):
        # a file with the same bytes at the same path is parsed once for both.
        self.shared: dict[tuple[str, bytes], YamlFile] | None = None

    @abc.abstractmethod
    def files(self) -> list[str]:
        """Every file below the root, sorted, as POSIX paths relative to it."""

    @abc.abstractmethod
    def read(self, rel: str) -> bytes:
        """A file's bytes; InputError when it cannot be read."""

    def containing(self, markers: tuple[bytes, ...], suffixes: tuple[str, ...]) -> list[str]:
        """Files ending in one of `suffixes` whose bytes hold one of `markers` (a cheap
        filter before parsing), in `files()` order."""
        out = []
        for rel in self.files():
            if not rel.endswith(suffixes):
                continue
            try:
                raw = self.read(rel)
            except InputError:
                continue
            if any(m in raw for m in markers):
                out.append(rel)
        return out

    def exists(self, rel: str) -> bool:
        return rel in self._file_set()

    def named(self, name: str) -> list[str]:
        """Files with this base name (`Chart.yaml`), in `files()` order; indexed once."""
        index = getattr(self, "_by_name", None)
        if index is None:
            index = {}
            for rel in self.files():
                index.setdefault(rel.rsplit("/", 1)[-1], []).append(rel)
            self._by_name = index
        return index.get(name, [])

    def is_dir(self, rel: str) -> bool:
        rel = rel.rstrip("/")
        if rel in ("", "."):
            return True
        return rel in self._dir_set()

    def _dir_set(self) -> frozenset[str]:
        # Every folder that holds a file, once: is_dir is asked for each resource of
        # each build root, and a scan of the file list each time grew with N².
        cached = getattr(self, "_dirs", None)
        if cached is None:
            dirs: set[str] = set()
            for f in self.files():
                d = posixpath.dirname(f)
                while d and d not in dirs:
                    dirs.add(d)
                    d = posixpath.dirname(d)
            cached = frozenset(dirs)
            self._dirs = cached
        return cached

    def _file_set(self) -> frozenset[str]:
        cached = getattr(self, "_set", None)
        if cached is None:
            cached = frozenset(self.files())
            self._set = cached
        return cached

    def yaml(self, rel: str) -> YamlFile:
        cached = self._yaml.get(rel)
        if cached is not None:
            self._yaml.move_to_end(rel)
            return cached
        data = self.read(rel)
        if self.shared is not None:
            key = (rel, data)
            cached = self.shared.get(key)
            if cached is None:
                cached = self._parse(data, rel)
                self.shared[key] = cached
        else:
            cached = self._parse(data, rel)
        self._yaml[rel] = cached
        if len(self._yaml) > RECENT:
            self._yaml.popitem(last=False)
        return cached

    def forget(self) -> None:
        """Drop the parsed files this view keeps (a file asked for again is taken from
        the cache by content, or parsed again)."""
        self._yaml.clear()

    def _parse(self, data: bytes, rel: str) -> YamlFile:
        shown = self.display(rel)
        found = PARSES.get(shown, data)
        if found is None:
            found = YamlFile.parse(data, shown)
            self.parsed += 1
            PARSES.put(shown, data, found)
        return found

    def display(self, rel: str) -> str:
        """The path as the user sees it: relative to the current directory."""
        if not self._prefix:
            return rel or "."
        return os.path.normpath(f"{self._prefix}/{rel}") if rel else self._prefix


class WorkTree(Source):
    label = "work tree"

    def __init__(self, root: Path) -> None:
        super().__init__(root.resolve())
        self._files: list[str] | None = None

    def files(self) -> list[str]:
        if self._files is None:
            self._files = sorted(self._walk())
        return self._files

    def _walk(self) -> list[str]:
        found: list[str] = []
        root = self.root
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            if OUTPUT_MARKER in filenames and here != root:
                dirnames[:] = []
                continue
            keep = []
            for d in sorted(dirnames):
                if d in SKIP_DIRS:
                    continue
                if (here / d).is_symlink():
                    self._note_link(here / d, "/")
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in filenames:
                full = here / name
                rel = full.relative_to(root).as_posix()
                if full.is_symlink():
                    self._note_link(full, "")
                    continue
                found.append(rel)
        return found

    def _inside(self, path: Path, strict: bool = False) -> bool:
        try:
            path.resolve(strict=strict).relative_to(self.root)
            return True
        except (ValueError, OSError, RuntimeError):  # outside, missing, or a link loop
            return False

    def _note_link(self, path: Path, suffix: str) -> None:
        # A link is never followed: inside the root its target is read where it is,
        # outside it would be read from where we must not go.
        rel = path.relative_to(self.root).as_posix() + suffix
        (self.links if self._inside(path, strict=True) else self.outside).append(rel)

    def read(self, rel: str) -> bytes:
        full = self.root / rel
        # A file the walk listed is no link and lies below no linked folder: only other
        # paths need the (system-call heavy) resolve.
        if rel not in self._file_set() and not self._inside(full):
            raise InputError(self.display(rel), "points outside the repository: not read")
        try:
            return full.read_bytes()
        except OSError as exc:
            raise InputError(self.display(rel), f"cannot read: {exc.strerror}") from exc


class GitTree(Source):
    """The files below `root` as they were at a git revision, read without a checkout."""

    def __init__(self, root: Path, rev: str) -> None:
        root = root.resolve()
        super().__init__(root)
        self.top = toplevel(root)
        self.rev = rev
        self.commit = resolve_rev(self.top, rev)
        self.label = f"{rev} ({self.commit[:12]})"
        prefix = root.relative_to(self.top).as_posix()
        self._sub = "" if prefix == "." else prefix + "/"
        self._blobs: dict[str, str] = {}
        out = git(["ls-tree", "-r", "-z", "--full-tree", self.commit], self.top)
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, _, path = entry.partition(b"\t")
            mode, kind, sha = meta.decode().split()
            name = path.decode("utf-8", "surrogateescape")
            if kind != "blob" or not name.startswith(self._sub) or mode == "120000":
                continue
            rel = name[len(self._sub) :]
            if any(part in SKIP_DIRS for part in rel.split("/")[:-1]):
                continue
            self._blobs[rel] = sha
        self._cat: subprocess.Popen[bytes] | None = None

    def files(self) -> list[str]:
        return sorted(self._blobs)

    def containing(self, markers: tuple[bytes, ...], suffixes: tuple[str, ...]) -> list[str]:
        # One `git grep` instead of reading every blob through cat-file.
        args = ["grep", "-l", "-z", "-F", "--no-color"]
        for marker in markers:
            args += ["-e", marker.decode("utf-8")]
        args += [self.commit, "--", *(f"*{s}" for s in suffixes)]
        try:
            out = git(args, self.top)
        except GitError:
            out = b""  # git grep exits 1 when nothing matches
        hits = set()
        for entry in out.split(b"\0"):
            name = entry.decode("utf-8", "surrogateescape").split(":", 1)[-1]
            if name.startswith(self._sub) and name[len(self._sub) :] in self._blobs:
                hits.add(name[len(self._sub) :])
        return [rel for rel in self.files() if rel in hits]

    def read(self, rel: str) -> bytes:
        sha = self._blobs.get(rel)
        if sha is None:
            raise InputError(self.display(rel), f"not in {self.label}")
        if self._cat is None:
            self._cat = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.top,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        assert self._cat.stdin is not None and self._cat.stdout is not None
        self._cat.stdin.write(sha.encode() + b"\n")
        self._cat.stdin.flush()
        header = self._cat.stdout.readline().split()
        size = int(header[2])
        data = self._cat.stdout.read(size)
        self._cat.stdout.read(1)  # the newline after each object
        return data

    def close(self) -> None:
        if self._cat is not None:
            assert self._cat.stdin is not None
            self._cat.stdin.close()
            self._cat.wait()
            self._cat = None


class Overlay(Source):
    """Another view with some files' contents replaced: the repository after a phase."""

    def __init__(self, base: Source, changed: Mapping[str, bytes]) -> None:
        super().__init__(base.root)
        self.base = base
        self.changed = dict(changed)
        self.label = base.label
        self._prefix = base._prefix
        self.outside = base.outside
        self.links = base.links
        self.skipped = base.skipped

    def files(self) -> list[str]:
        return sorted(set(self.base.files()) | set(self.changed))

    def read(self, rel: str) -> bytes:
        if rel in self.changed:
            return self.changed[rel]
        return self.base.read(rel)

    def yaml(self, rel: str) -> YamlFile:
        if rel in self.changed:
            return super().yaml(rel)
        return self.base.yaml(rel)
