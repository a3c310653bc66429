"""Parsed files by content: the same bytes under the same name are parsed once while
they stay in the cache, whichever view or edit asks (the work tree, a git revision, a
planned phase, the edit that produced the phase's text and its verification).

The cache is bounded by the total size of the texts it holds (a parsed file takes some
20-40 times its text in memory): the least recently used files are dropped first, so
that a file many targets read (a chart's values.yaml, a shared Kustomize base) stays
while the files of one target are dropped once that target is resolved. A dropped file
is parsed again if it is asked for again; the result is the same."""

from __future__ import annotations

from collections import OrderedDict

from .reader import YamlFile

# Text bytes kept parsed: a few MB of node trees. Enough for the files that many targets
# read one after another (a chart's values.yaml, a shared base); a target's own files
# are read together. A larger budget saves some parses (plan re-parses a target's files
# in each phase either way), which cost less than the larger heap: no command got faster
# with it, and the peak grew (the budgets compared: bench/README.md, "Where the memory
# goes").
# A file larger than this is still kept by path in each view (source.RECENT).
DEFAULT_BUDGET = 128 * 1024


class ParseCache:
    """A least-recently-used map (name, bytes) -> YamlFile, bounded by text size."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self.size = 0
        self.parsed = 0  # files parsed (not taken from the cache)
        self._items: OrderedDict[tuple[str, bytes], YamlFile] = OrderedDict()

    def get(self, path: str, data: bytes) -> YamlFile | None:
        key = (path, data)
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, path: str, data: bytes, file: YamlFile) -> None:
        key = (path, data)
        if key in self._items:
            self._items.move_to_end(key)
            return
        weight = len(data)
        if weight > self.budget:
            return  # larger than the whole cache: parsed each time it is asked for
        self._items[key] = file
        self.size += weight
        while self.size > self.budget:
            (_path, old), _file = self._items.popitem(last=False)
            self.size -= len(old)

    def parse(self, data: bytes, path: str) -> YamlFile:
        """YamlFile.parse, from the cache when these bytes were parsed under this name."""
        found = self.get(path, data)
        if found is None:
            found = YamlFile.parse(data, path)
            self.parsed += 1
            self.put(path, data, found)
        return found

    def clear(self) -> None:
        self._items.clear()
        self.size = 0


# One per process: a run of the tool is one process, and every entry is keyed by the
# bytes it was parsed from, so an entry is never stale.
PARSES = ParseCache()


def parse(data: bytes, path: str) -> YamlFile:
    return PARSES.parse(data, path)
