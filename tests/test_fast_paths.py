"""Where a pre-commit run uses str/bytes methods instead of a pattern (bench/README.md,
"Start-up"), they must agree with the pattern on every input: line bookkeeping splits at
the breaks ruamel counts (\\r\\n, \\n, \\r, NEL, LS, PS), a kustomization's words split
at blanks and punctuation, compose file names."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from litemaas_upgrade.lint.suppress import parse
from litemaas_upgrade.managers.compose.manager import is_compose_name
from litemaas_upgrade.managers.kustomize.scope import _PUNCTUATION
from litemaas_upgrade.yamlio.text import _BREAK, LineIndex, split_lines

# Text built from the characters that matter: breaks, plain letters, one non-ASCII letter.
texts = st.lists(st.sampled_from(["a", "b", " ", "\n", "\r", "\r\n", "\x85", "\u2028", "\u2029",
                                  "é", "#"])).map("".join)


@given(texts)
def test_line_starts_and_lines_agree_with_the_pattern(text: str) -> None:
    assert LineIndex(text).starts == [0] + [m.end() for m in _BREAK.finditer(text)]
    assert split_lines(text) == _BREAK.split(text)


def test_offsets_map_to_lines_and_columns() -> None:
    for text in ("a: 1\nb: 2\n", "a: 1\r\nb: 2\r\n", "a: é\u2028b: 2"):
        index = LineIndex(text)
        assert index.locate(0) == (1, 1)
        assert index.locate(text.index("b")) == (2, 1)
        assert index.line_start(text.index("2")) == text.index("b")


def test_directives_on_any_line_break() -> None:
    for brk in ("\n", "\r\n", "\r", "\u2028"):
        text = f"a: 1{brk}# litemaas-upgrade: ignore LU003 pinned on purpose{brk}b: 2{brk}"
        lines, found = parse(text, "f.yaml")
        assert [(d.line, d.codes, d.reason) for d in found] == [
            (2, ("LU003",), "pinned on purpose")
        ]
        assert lines[2] == "b: 2"


@given(st.binary())
def test_kustomization_words_split_as_the_pattern_does(raw: bytes) -> None:
    pattern = re.compile(rb"[\s'\"\[\]{},/]+")
    assert set(raw.translate(_PUNCTUATION).split()) == set(pattern.split(raw)) - {b""}


@given(st.lists(st.sampled_from(["docker-", "compose", "Compose", ".", "prod", "yaml", "yml",
                                 "/", "x"])).map("".join))
def test_compose_names(rel: str) -> None:
    name = rel.rsplit("/", 1)[-1].lower()
    expected = re.fullmatch(r"(?:docker-)?compose(?:\.[^/]+)?\.ya?ml", name) is not None
    assert is_compose_name(rel) == expected
