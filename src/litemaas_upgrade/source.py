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

from .bounded import RUN, file_limit, read_regular, too_large
from .errors import InputError, UsageError
from .gitutil import GitError, Pending, resolve_rev, toplevel
from .outmarker import OUTPUT_MARKER
from .yamlio import YamlFile
from .yamlio.cache import PARSES

# Folders that never hold deployment files. (`plan --out` marks its output folder with
# OUTPUT_MARKER so that a later scan does not mistake phase files for the repository's:
# outmarker.py says when that mark is believed.)
SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__"})
# How many parsed files each view keeps by path (see Source.yaml): a few, as the cache by
# content keeps what many targets read. `plan` has up to three views at once; more files
# per view held more node trees, and parsed no less often nor ran faster (the sizes
# compared: bench/README.md, "Where the memory goes").
RECENT = 32


def shown(path: str | Path) -> str:
    """A path as the user sees it: relative to the current directory."""
    return os.path.relpath(path)


def below_root(root: Path, path: str, what: str) -> str:
    """A path the user named (`--values FILE`) relative to the (resolved) root the run
    reads; a usage error when it is not below the root."""
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{what} {path}: not below {shown(root)}") from None


class Source(abc.ABC):
    """Files below one root, by POSIX path relative to it."""

    label = ""

    def __init__(self, root: Path) -> None:
        self.root = root
        # The files this view parsed most recently, by path (not read again while here);
        # beyond them, the process-wide cache by content (yamlio.cache) may still hold one.
        self._yaml: OrderedDict[str, YamlFile] = OrderedDict()
        prefix = shown(root)
        self._prefix = "" if prefix == "." else PurePosixPath(Path(prefix).as_posix()).as_posix()
        self.outside: list[str] = []  # links that point outside the root: reported, not read
        # Links to files or folders inside the root: read at their real path only, so
        # that a file is never two targets and never replaced by a write through a link.
        self.links: list[str] = []
        # Files a manager passed over with a notice (e.g. Go-template text that is not YAML).
        self.skipped: dict[str, str] = {}
        # Files parsed as other text than their bytes: a chart's template that holds a
        # GitOps object, parsed with its `{{ }}` replaced (managers/gitops/templated.py).
        self.as_yaml: dict[str, bytes] = {}
        self.parsed = 0  # YAML files this view parsed (not taken from a cache)
        # A revision whose files, except `changed`, have the same bytes as this view's
        # (lint's base: see GitTree.mirror); content searches are answered from it.
        self.same_as: tuple[Source, frozenset[str]] | None = None

    @abc.abstractmethod
    def files(self) -> list[str]:
        """Every file below the root, sorted, as POSIX paths relative to it."""

    @abc.abstractmethod
    def read(self, rel: str) -> bytes:
        """A file's bytes; InputError when it cannot be read."""

    def containing(self, markers: tuple[bytes, ...], suffixes: tuple[str, ...]) -> list[str]:
        """Files ending in one of `suffixes` whose bytes hold one of `markers` (a cheap
        filter before parsing), in `files()` order; searched once per view."""
        found = self.__dict__.setdefault("_found", {})
        key = (markers, suffixes)
        if key not in found:
            found[key] = self._search(markers, suffixes)
        return list(found[key])

    def _search(self, markers: tuple[bytes, ...], suffixes: tuple[str, ...]) -> list[str]:
        if self.same_as is None:
            return self._combine(set(), frozenset(), markers, suffixes)
        other, same = self.same_as
        return self._combine(set(other.containing(markers, suffixes)), same, markers, suffixes)

    def _combine(
        self,
        hits: set[str],
        same: frozenset[str],
        markers: tuple[bytes, ...],
        suffixes: tuple[str, ...],
    ) -> list[str]:
        """The files of `same` (the same bytes as another view's) from `hits` (what was
        found there), and every other file read and searched here."""
        out = []
        for rel in self.files():
            if not rel.endswith(suffixes):
                continue
            if rel in same:
                if rel in hits:
                    out.append(rel)
            elif self._holds(rel, markers):
                out.append(rel)
        return out

    def _holds(self, rel: str, markers: tuple[bytes, ...]) -> bool:
        try:
            raw = self.read(rel)
        except InputError:
            return False
        return any(m in raw for m in markers)

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

    def in_folder(self, folder: str) -> list[str]:
        """Files directly in this folder ("" for the root), in `files()` order; indexed once."""
        index = getattr(self, "_by_folder", None)
        if index is None:
            index = {}
            for rel in self.files():
                index.setdefault(rel.rpartition("/")[0], []).append(rel)
            self._by_folder = index
        return index.get(folder, [])

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
                d = f.rpartition("/")[0]  # (posixpath.dirname, for a relative path)
                while d and d not in dirs:
                    dirs.add(d)
                    d = d.rpartition("/")[0]
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
        # (The cache by content also serves lint's other view of the same root: a file
        # unchanged since the base is parsed once for both.)
        text = self.as_yaml.get(rel)
        cached = self._parse(self.read(rel) if text is None else text, rel)
        self._yaml[rel] = cached
        if len(self._yaml) > RECENT:
            self._yaml.popitem(last=False)
        return cached

    def yaml_or_skip(self, rel: str) -> YamlFile | None:
        """The parsed file, or None when it cannot be read as YAML (a Go template, a
        binary file): it is then skipped with a notice (the scan's notices)."""
        try:
            found = self.yaml(rel)
            for doc in found.documents:
                doc.data  # noqa: B018 (built now: a `{{ }}` key fails here, not in a caller)
            return found
        except InputError as exc:
            from .sniff import not_yaml

            try:
                data = self.read(rel)
            except InputError:
                data = b""
            self.skipped.setdefault(rel, not_yaml(data, exc))
            return None

    def forget(self) -> None:
        """Drop the parsed files this view keeps (a file asked for again is taken from
        the cache by content, or parsed again)."""
        self._yaml.clear()

    def _parse(self, data: bytes, rel: str) -> YamlFile:
        before = PARSES.parsed
        found = PARSES.parse(data, self.display(rel))
        self.parsed += PARSES.parsed - before  # this view's count of real parses
        return found

    def display(self, rel: str) -> str:
        """The path as the user sees it: relative to the current directory."""
        if not self._prefix:
            return rel or "."
        return os.path.normpath(f"{self._prefix}/{rel}") if rel else self._prefix


class WorkTree(Source):
    label = "work tree"

    def __init__(self, root: Path, only: list[str] | None = None) -> None:
        """`only`: files named on the command line (compose files): the view holds them,
        and the `.env` beside each when there is one, instead of every file below root."""
        super().__init__(root.resolve())
        self._files: list[str] | None = None
        self._only = only
        self.keep_bytes = False  # remember what was read (lint's base reads it too)
        self._bytes: dict[str, bytes] = {}

    def files(self) -> list[str]:
        if self._files is None:
            self._files = sorted(self._walk() if self._only is None else self._named_files())
        return self._files

    def _named_files(self) -> list[str]:
        assert self._only is not None
        out = set(self._only)
        for rel in self._only:
            env = posixpath.join(posixpath.dirname(rel), ".env")
            if os.path.isfile(self.root / env) and not os.path.islink(self.root / env):
                out.add(env)
        return list(out)

    def _walk(self) -> list[str]:
        # os.scandir with string paths: the entries' types come with the listing, so a
        # large repository costs no system call per file.
        found: list[str] = []
        top = str(self.root)
        todo = [""]  # folders relative to the root, visited depth first in name order
        while todo:
            folder = todo.pop()
            try:
                with os.scandir(f"{top}/{folder}" if folder else top) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                continue  # unreadable folder: skipped, as os.walk does
            if folder and any(e.name == OUTPUT_MARKER for e in entries):
                from .outmarker import skipped_output

                if skipped_output(self.root / folder):
                    # An earlier plan's output (not a planted marker): never the
                    # repository's files, and listed as skipped (lint's notices).
                    self.skipped[folder + "/"] = (
                        "the output of an earlier `plan --out` (its marker and plan.json "
                        "digest match, and git tracks none of it): not scanned"
                    )
                    continue
            prefix = f"{folder}/" if folder else ""
            below = []
            for entry in entries:
                rel = prefix + entry.name
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if entry.name in SKIP_DIRS:
                        continue
                    if entry.is_symlink():
                        self._note_link(self.root / rel, "/")
                        continue
                    below.append(rel)
                elif entry.is_symlink():
                    self._note_link(self.root / rel, "")
                elif entry.is_file(follow_symlinks=False):
                    found.append(rel)
                else:
                    self._note_special(rel)
            todo.extend(reversed(below))
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

    def _note_special(self, rel: str) -> None:
        # A FIFO would block a read forever and a device would never end: never opened.
        from .bounded import kind_of

        try:
            mode = os.lstat(self.root / rel).st_mode
        except OSError:
            mode = 0
        self.skipped[rel] = f"{kind_of(mode)}, not a regular file: not read"

    def read(self, rel: str) -> bytes:
        kept = self._bytes.get(rel)
        if kept is not None:
            return kept
        data = self._read(rel)
        if self.keep_bytes:
            self._bytes[rel] = data
        return data

    def _read(self, rel: str) -> bytes:
        # A file the walk listed is no link and lies below no linked folder: only other
        # paths need the (system-call heavy) resolve.
        if rel not in self._file_set() and not self._inside(self.root / rel):
            raise InputError(self.display(rel), "points outside the repository: not read")
        # Regular files only, within the limits per file and per run (bounded.py).
        return read_regular(f"{self.root}/{rel}", self.display(rel))


class GitTree(Source):
    """The files below `root` as they were at a git revision, read without a checkout."""

    def __init__(self, root: Path, rev: str, commit: str | None = None) -> None:
        """`commit`: what `rev` names, when the caller has asked git already."""
        root = root.resolve()
        super().__init__(root)
        self.top = toplevel(root)
        self.rev = rev
        self.commit = commit or resolve_rev(self.top, rev)
        self.label = f"{rev} ({self.commit[:12]})"
        prefix = root.relative_to(self.top).as_posix()
        self._sub = "" if prefix == "." else prefix + "/"
        # Listed in the background: the caller walks the work tree meanwhile.
        self._listing: Pending | None = Pending(
            ["ls-tree", "-r", "-z", "--full-tree", self.commit], self.top
        )
        self._blob_shas: dict[str, str] = {}
        self._sorted: list[str] | None = None
        self._searches: dict[tuple[tuple[bytes, ...], tuple[str, ...]], Pending] = {}
        self._in_work_tree: set[tuple[tuple[bytes, ...], tuple[str, ...]]] = set()
        self._cat: subprocess.Popen[bytes] | None = None
        self._mirror: Source | None = None
        self._mirrored: frozenset[str] = frozenset()

    @property
    def _blobs(self) -> dict[str, str]:
        """Path -> blob id of every file at the revision."""
        if self._listing is not None:
            out, self._listing = self._listing.result(), None
            sub, cut = self._sub, len(self._sub)
            for entry in out.split(b"\0"):
                # `<mode> <type> <object>\t<path>`: blobs only, links (120000) not.
                meta, _, path = entry.partition(b"\t")
                fields = meta.split(b" ")
                if len(fields) != 3 or fields[1] != b"blob" or fields[0] == b"120000":
                    continue
                name = path.decode("utf-8", "surrogateescape")
                if not name.startswith(sub):
                    continue
                rel = name[cut:]
                if "/" in rel and not SKIP_DIRS.isdisjoint(rel.split("/")[:-1]):
                    continue
                self._blob_shas[rel] = fields[2].decode()
        return self._blob_shas

    def files(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self._blobs)
        return self._sorted

    def search_ahead(self, markers: tuple[bytes, ...], suffixes: tuple[str, ...]) -> None:
        """Start the `containing` search now, in the background, for a revision that will
        be mirrored: in the work tree's tracked files, which git reads from disk (cheaper
        than inflating every blob of the revision). It answers for the files `mirror`
        finds unchanged; the others are read and searched here."""
        if (markers, suffixes) not in self._searches:
            self._searches[(markers, suffixes)] = self._grep(markers, suffixes, work_tree=True)
            self._in_work_tree.add((markers, suffixes))

    def mirror(self, work: WorkTree, changed: set[str]) -> None:
        """Read the files that are the same in the work tree `work` (all but `changed`,
        from `git diff`) from disk rather than through `git cat-file`, and let `work`
        answer content searches for them from the search started ahead (or this
        revision's `git grep`). A pre-commit run reads a few files that changed and many
        that did not."""
        same = frozenset(rel for rel in self._blobs if rel not in changed and work.exists(rel))
        self._mirror, self._mirrored = work, same
        work.same_as = (self, same)
        # Both views now read these files from disk, and a scan of each reads the same
        # ones (kustomizations, chart files): keep their bytes for the second.
        work.keep_bytes = True

    def _grep(
        self, markers: tuple[bytes, ...], suffixes: tuple[str, ...], work_tree: bool = False
    ) -> Pending:
        # One `git grep` instead of reading every blob through cat-file.
        args = ["grep", "-l", "-z", "-F", "--no-color"]
        for marker in markers:
            args += ["-e", marker.decode("utf-8")]
        if not work_tree:
            args.append(self.commit)
        args += ["--", *(f"*{s}" for s in suffixes)]
        return Pending(args, self.top)

    def _search(self, markers: tuple[bytes, ...], suffixes: tuple[str, ...]) -> list[str]:
        key = (markers, suffixes)
        pending = self._searches.pop(key, None)
        in_work_tree = key in self._in_work_tree and self._mirror is not None
        if pending is not None and key in self._in_work_tree and not in_work_tree:
            pending.finish()  # started for a mirror that did not come (git diff failed)
            pending = None
        if pending is None:
            pending = self._grep(markers, suffixes)
        try:
            out = pending.result()
        except GitError:
            out = b""  # git grep exits 1 when nothing matches
        # Each hit is `<commit>:<path>`, or the path alone in the work tree.
        prefix = "" if in_work_tree else f"{self.commit}:"
        hits = set()
        for entry in out.split(b"\0"):
            name = entry.decode("utf-8", "surrogateescape")[len(prefix) :]
            if name.startswith(self._sub):
                hits.add(name[len(self._sub) :])
        if not in_work_tree:
            return [rel for rel in self.files() if rel in hits]
        return self._combine(hits, self._mirrored, markers, suffixes)

    def read(self, rel: str) -> bytes:
        sha = self._blobs.get(rel)
        if sha is None:
            raise InputError(self.display(rel), f"not in {self.label}")
        if rel in self._mirrored and self._mirror is not None:
            return self._mirror.read(rel)
        if self._cat is None:
            self.prepare_reads()
        assert self._cat is not None
        assert self._cat.stdin is not None and self._cat.stdout is not None
        self._cat.stdin.write(sha.encode() + b"\n")
        self._cat.stdin.flush()
        header = self._cat.stdout.readline().split()
        size = int(header[2])
        limit = file_limit()
        if size > limit:
            # Read past, never kept: the limit per file holds for a revision's files too.
            left = size + 1  # and the newline after it
            while left > 0:
                chunk = self._cat.stdout.read(min(left, 1 << 20))
                if not chunk:
                    break
                left -= len(chunk)
            raise InputError(self.display(rel), too_large(limit))
        data = self._cat.stdout.read(size)
        self._cat.stdout.read(1)  # the newline after each object
        RUN.charge(f"blob:{sha}", size, self.display(rel))  # (the stream stays in step)
        return data

    def prepare_reads(self) -> None:
        """Start the `git cat-file` that reads blobs now (its start-up then overlaps other
        work; lint's pre-commit mode knows it will read the changed files)."""
        if self._cat is None:
            self._cat = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.top,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )

    def close(self) -> None:
        for pending in [*self._searches.values(), *([self._listing] if self._listing else [])]:
            try:
                pending.result()  # reaped, whatever it found
            except GitError:
                pass
        self._searches.clear()
        self._listing = None
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

    @property
    def _same_files(self) -> bool:
        """Only existing files are replaced (what a phase does): the base's listing and
        its indexes serve this view too, rather than copies of them per view."""
        same = self.__dict__.get("_same")
        if same is None:
            base = self.base._file_set()
            same = self.__dict__["_same"] = all(rel in base for rel in self.changed)
        return same

    def files(self) -> list[str]:
        if self._same_files:
            return self.base.files()
        return sorted(set(self.base.files()) | set(self.changed))

    def _file_set(self) -> frozenset[str]:
        return self.base._file_set() if self._same_files else super()._file_set()

    def _dir_set(self) -> frozenset[str]:
        return self.base._dir_set() if self._same_files else super()._dir_set()

    def named(self, name: str) -> list[str]:
        return self.base.named(name) if self._same_files else super().named(name)

    def in_folder(self, folder: str) -> list[str]:
        return self.base.in_folder(folder) if self._same_files else super().in_folder(folder)

    def read(self, rel: str) -> bytes:
        if rel in self.changed:
            return self.changed[rel]
        return self.base.read(rel)

    def yaml(self, rel: str) -> YamlFile:
        if rel in self.changed:
            return super().yaml(rel)
        return self.base.yaml(rel)
