"""`lazy` patterns behave as the compiled pattern they stand for, and compile only on use."""

from __future__ import annotations

import re

import pytest

from litemaas_upgrade.lazypattern import LazyPattern, lazy


def test_not_compiled_until_used(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[object] = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda *a: compiled.append(a) or real(*a))
    pattern = lazy(r"(?P<word>[a-z]+)-(\d+)", re.I)
    assert compiled == [] and isinstance(pattern, LazyPattern)
    assert pattern.fullmatch("Ab-12")["word"] == "Ab"
    assert compiled == [(r"(?P<word>[a-z]+)-(\d+)", re.I)]
    # Later uses are the compiled pattern's own methods: nothing compiles again.
    assert [m.group(2) for m in pattern.finditer("a-1 b-2")] == ["1", "2"]
    assert pattern.sub("x", "a-1 b") == "x b" and pattern.split("a-1 b") == ["", "a", "1", " b"]
    assert (pattern.pattern, pattern.flags & re.I, pattern.groups) == (
        r"(?P<word>[a-z]+)-(\d+)", re.I, 2
    )
    assert len(compiled) == 1


def test_bytes_patterns() -> None:
    pattern = lazy(rb"(?m)^([a-z]+):")
    assert pattern.findall(b"a: 1\nbc: 2\n") == [b"a", b"bc"]
    assert pattern.search(b"no colon") is None


def test_a_bad_pattern_fails_on_first_use() -> None:
    pattern = lazy(r"(unclosed")
    with pytest.raises(re.error):
        pattern.match("x")
