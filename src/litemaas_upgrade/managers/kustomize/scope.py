"""Which Kustomize build roots a set of changed files can reach, without building them.

A build reads kustomization files, and the paths their entries name (resources, bases,
components, patches, ...), joined to the kustomization's folder: files, or folders whose
kustomization it reads in turn; and, next to a file it reads, the envsubst template and
`.env` files of the upstream layout. Everything else it asks about (does this path exist,
is it a folder) is one of those paths too. So a root can only be moved by a change:

- below a kustomization folder it reaches,
- at or below a path that a reached kustomization names,
- next to a file such a path names.

Two levels of cost:

- `may_reach_any` needs no YAML at all: the kustomization files' bytes, split into path
  segments. A path a kustomization names ends with a segment written in it, unless the
  entry only climbs (`..`), and then it lands on a folder above the kustomization. A
  changed file none of whose path segments is written in any kustomization file, that is
  not a kustomization file, not below a kustomization folder and not in a folder above
  one, cannot be reached by any root.
- `RootScope` parses the kustomization files (as `build_roots` does anyway) and follows
  every string of each as a path: the reach of each root, over-approximated.
"""

from __future__ import annotations

import posixpath

from ...errors import InputError
from ...lazypattern import lazy
from ...source import Source
from ..base import norm
from .names import KFILES, is_remote

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

# A kustomization's words: split at blanks and at YAML's and paths' punctuation. As
# bytes.translate then split(), which is what `re.split(rb"[\s'\"\[\]{},/]+")` does
# without trying a match at every byte (a pre-commit run reads every kustomization).
_PUNCTUATION = bytes.maketrans(b"'\"[]{},/", b"        ")
_UNSAFE = lazy(r"[\s'\"\[\]{},\\]")


def _under(path: str, folder: str) -> bool:
    return folder == "" or path == folder or path.startswith(folder + "/")


def ancestors(path: str) -> list[str]:
    """Every folder above `path`, nearest first, down to the root ("")."""
    out = []
    while path:
        path = path.rpartition("/")[0]  # (posixpath.dirname, for a relative path)
        out.append(path)
    return out


def folders_and_ancestors(folders: dict[str, str]) -> frozenset[str]:
    """Kustomization folders and every folder above one: computed once per scan, since
    `may_reach_any` is asked once per candidate file."""
    found = set(folders)
    for folder in folders:
        found.update(ancestors(folder))
    return frozenset(found)


def kustomization_folders(src: Source) -> dict[str, str]:
    out: dict[str, str] = {}
    for rel in sorted(rel for name in KFILES for rel in src.named(name)):  # files() order
        out.setdefault(rel.rpartition("/")[0], rel)
    return out


def written_segments(src: Source, folders: dict[str, str]) -> set[bytes] | None:
    """Every path segment written in a kustomization file; None when one of them holds
    an escape (a path could be spelt in a way this does not decode)."""
    segments: set[bytes] = set()
    for kfile in folders.values():
        raw = src.read(kfile)
        if b"\\" in raw:
            return None
        segments.update(raw.translate(_PUNCTUATION).split())
    return segments


def may_reach_any(
    only: frozenset[str],
    folders: dict[str, str],
    segments: set[bytes] | None,
    above: frozenset[str] | None = None,
) -> bool:
    """False only when no build root can read or probe any file of `only`."""
    if not folders:
        return False
    if segments is None:
        return True
    if above is None:
        above = folders_and_ancestors(folders)
    for changed in only:
        if posixpath.basename(changed) in KFILES:
            return True
        parent = posixpath.dirname(changed)
        # Below a kustomization folder, or in a folder that holds one (at any depth).
        if parent in above or any(a in folders for a in ancestors(changed)):
            return True
        parts = changed.split("/")
        if any(_UNSAFE.search(p) for p in parts):
            return True
        if any(p.encode("utf-8", "surrogateescape") in segments for p in parts):
            return True
    return False


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


class RootScope:
    """The (over-approximated) reach of each build root, from parsed kustomizations."""

    def __init__(self, src: Source, folders: dict[str, str]) -> None:
        self.folders = folders
        self.names: dict[str, set[str]] = {}  # kustomization folder -> paths it names
        for folder, kfile in folders.items():
            try:
                docs = src.yaml(kfile).documents
            except InputError:
                docs = []  # not YAML: its own root's error (build.py)
            paths: set[str] = set()
            for doc in docs:
                for s in _strings(doc.data):
                    if not s or "\n" in s or is_remote(s) or s.startswith("/"):
                        continue
                    rel = norm(folder, s)
                    if rel is not None:
                        paths.add(rel)
            self.names[folder] = paths

    def reach(self, root: str) -> tuple[set[str], set[str]]:
        """(kustomization folders, named paths) a build of `root` may read."""
        seen = {root}
        todo = [root]
        named: set[str] = set()
        while todo:
            here = todo.pop()
            for path in self.names.get(here, ()):
                named.add(path)
                # A named folder is built through its own kustomization, if it has one.
                if path in self.folders and path not in seen:
                    seen.add(path)
                    todo.append(path)
        return seen, named

    def affected(self, root: str, only: frozenset[str] | set[str]) -> bool:
        folders, named = self.reach(root)
        dirs = {posixpath.dirname(p) for p in named}
        for changed in only:
            if any(_under(changed, f) for f in folders):
                return True
            if any(_under(changed, p) for p in named):
                return True
            if posixpath.dirname(changed) in dirs:
                return True
        return False
