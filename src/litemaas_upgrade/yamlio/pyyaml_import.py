"""Importing PyYAML for its libyaml parser, without its slowest line.

`import yaml` compiles `yaml.reader.Reader.NON_PRINTABLE`, a negated class over all of
Unicode, at import: about 50 million instructions, an eighth of a whole pre-commit run
(bench/README.md, "Start-up"). That pattern serves PyYAML's pure-Python reader only;
libyaml checks printable characters itself, and this tool never uses the Python reader.
So before the import, `re`'s cache is given the same character class written the other
way round (the few code points that are not printable), which compiles in a fraction of
the time and matches exactly the same code points (tests/test_pyyaml_import.py checks
both, over every code point, and that PyYAML still writes this pattern)."""

from __future__ import annotations

import re
import sys

# PyYAML's pattern, as yaml/reader.py writes it (the key re's cache is looked up by).
NON_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
# The same set of code points, listed directly.
NOT_PRINTABLE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"


def seed_reader_pattern() -> None:
    """Put the cheap equivalent in re's cache under PyYAML's pattern, if yaml is not
    loaded yet and this Python's re keeps its cache as a dict keyed this way (3.11-3.13);
    otherwise do nothing (PyYAML then compiles its own, as usual)."""
    cache = getattr(re, "_cache", None)
    if "yaml" in sys.modules or not isinstance(cache, dict):
        return
    cache.setdefault((str, NON_PRINTABLE, 0), re.compile(NOT_PRINTABLE))
