"""YamlFile.parse: decoding, exact positions, data conversion and error locations."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from ruamel.yaml import YAML

from litemaas_upgrade.errors import InputError
from litemaas_upgrade.yamlio import Node, YamlFile


def parse(text: str | bytes) -> YamlFile:
    return YamlFile.parse(text.encode() if isinstance(text, str) else text, "values.yaml")


def span(file: YamlFile, node: Node | None) -> str:
    assert node is not None
    return file.text[node.start : node.end]


def error_of(data: str | bytes) -> InputError:
    with pytest.raises(InputError) as info:
        f = parse(data)
        for doc in f.documents:
            doc.data  # noqa: B018 - conversion errors are raised lazily
    return info.value


# --- positions ---------------------------------------------------------------------------

SAMPLE = (
    "# leading comment\t with a tab\n"
    "image:\n"
    "  repository: quay.io/rh-aiservices-bu/litemaas  # trailing\n"
    "  tag: 0.20\n"
    "  quoted: 'it''s'\n"
    '  dq: "a\\"b"\n'
    "list: [1, {k: v}]\n"
    "anchored: &anc !!str  value\n"
    "empty:\n"
    "block: |\n"
    "  line\n"
)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [False, True])
def test_spans_are_exact(newline: str, bom: bool) -> None:
    text = SAMPLE.replace("\n", newline)
    data = ("\ufeff" if bom else "") + text
    f = parse(data)
    assert f.text == text
    assert f.encoding == ("utf-8-sig" if bom else "utf-8")
    assert f.newline == newline
    doc = f.documents[0]
    assert span(f, doc.find(("image", "repository"))) == "quay.io/rh-aiservices-bu/litemaas"
    assert span(f, doc.find(("image", "tag"))) == "0.20"
    assert span(f, doc.find(("image", "quoted"))) == "'it''s'"
    assert span(f, doc.find(("image", "dq"))) == '"a\\"b"'
    assert span(f, doc.find(("list", 1, "k"))) == "v"
    assert span(f, doc.find(("list", 1))) == "{k: v}"
    # properties (&anchor, !tag) are not part of the value's span
    assert span(f, doc.find(("anchored",))) == "value"
    assert span(f, doc.find(("block",))).startswith("|")
    tag = doc.find(("image", "tag"))
    assert tag is not None and (tag.line, tag.col) == (4, 8)
    repo = doc.find(("image", "repository"))
    assert repo is not None and (repo.line, repo.col) == (3, 15)
    empty = doc.find(("empty",))
    assert empty is not None and empty.start == empty.end and empty.python() is None


def test_node_fields() -> None:
    f = parse(SAMPLE)
    doc = f.documents[0]
    tag = doc.find(("image", "tag"))
    assert tag is not None
    assert (tag.kind, tag.tag, tag.value, tag.style) == (
        "scalar",
        "tag:yaml.org,2002:float",
        "0.20",
        None,
    )
    quoted = doc.find(("image", "quoted"))
    assert quoted is not None and quoted.style == "'" and quoted.value == "it's"
    image = doc.find(("image",))
    assert image is not None and image.kind == "mapping" and image.style == "block"
    assert [k.value for k, _ in image.items] == ["repository", "tag", "quoted", "dq"]
    lst = doc.find(("list",))
    assert lst is not None and lst.style == "flow" and len(lst.children) == 2
    anchored = doc.find(("anchored",))
    assert anchored is not None and anchored.anchor == "anc"
    assert anchored.tag == "tag:yaml.org,2002:str"
    assert doc.root is not None and doc.root.get("image") is image


def test_multiple_documents() -> None:
    text = "---\na: 1\n...\n--- # second\nb: [x]\n---\n# empty\n---\nc\n"
    f = parse(text)
    assert [d.index for d in f.documents] == [0, 1, 2, 3]
    assert [d.data for d in f.documents] == [{"a": 1}, {"b": ["x"]}, None, "c"]
    assert f.documents[2].root is None
    b = f.documents[1].find(("b", 0))
    assert b is not None and (b.line, b.col) == (5, 5) and span(f, b) == "x"


@pytest.mark.parametrize("text", ["", "# just a comment\n", "\n\n"])
def test_empty_files_have_one_empty_document(text: str) -> None:
    f = parse(text)
    assert len(f.documents) == 1
    assert f.documents[0].root is None and f.documents[0].data is None


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec: str) -> None:
    f = YamlFile.parse(("\ufeffa: é\r\nb: 2\r\n").encode(codec), "v.yaml")
    assert f.encoding == codec and f.newline == "\r\n"
    assert f.documents[0].data == {"a": "é", "b": 2}
    b = f.documents[0].find(("b",))
    assert b is not None and (b.line, b.col) == (2, 4)


# --- data ----------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """ruamel's round-trip result as plain Python, for comparison."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "<date>"
    return str(value)


SCALARS = (
    "0.20 1.0 1e3 .5 -.inf 017 0o17 0x1F 0b101 1_000 +12 -0 true True FALSE yes no on off "
    "null Null ~ '' 1:20 v1.2.3 0.2.0 quay.io/x:1 =".split()
)


@pytest.mark.filterwarnings("ignore")  # ruamel's loader nags about 1.1 floats like 1e3
@pytest.mark.parametrize("version", ["", "%YAML 1.1\n---\n"])
def test_scalar_data_matches_ruamel_round_trip(version: str) -> None:
    text = version + "".join(f"k{i}: {s}\n" for i, s in enumerate(SCALARS))
    ours = parse(text).documents[0].data
    theirs = plain(YAML(typ="rt").load(text))
    assert ours == theirs
    assert [type(v) for v in ours.values()] == [type(v) for v in theirs.values()]


def test_dates_stay_strings() -> None:
    assert parse("d: 2024-01-31\n").documents[0].data == {"d": "2024-01-31"}


def test_nan() -> None:
    value = parse("n: .nan\n").documents[0].data["n"]
    assert value != value


def test_merge_keys_and_aliases() -> None:
    text = (
        "base: &base {a: 1, b: 2}\n"
        "other: &other {b: 3, c: 4}\n"
        "one:\n  <<: *base\n  b: 9\n"
        "many:\n  <<: [*base, *other]\n  d: 5\n"
        "alias: *base\n"
    )
    doc = parse(text).documents[0]
    assert doc.data["one"] == {"a": 1, "b": 9}
    assert doc.data["many"] == {"a": 1, "b": 2, "c": 4, "d": 5}
    assert doc.data["alias"] == {"a": 1, "b": 2}
    via_merge = doc.find(("one", "a"))
    assert via_merge is not None and via_merge.value == "1"
    own = doc.find(("one", "b"))
    assert own is not None and own.value == "9"
    alias = doc.find(("alias",))
    assert alias is not None and alias.is_alias and alias.anchor == "base"
    assert alias.kind == "mapping" and alias.python() == {"a": 1, "b": 2}
    aliased_child = doc.find(("alias", "b"))
    assert aliased_child is not None and aliased_child.value == "2"


def test_merge_matches_ruamel() -> None:
    text = "b: &b {x: 1, y: 2}\nm:\n  y: 0\n  <<: *b\n  z: 3\n"
    assert parse(text).documents[0].data == plain(YAML(typ="rt").load(text))


def test_duplicate_keys_last_wins() -> None:
    doc = parse("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n").documents[0]
    assert doc.data == {"a": 3, "b": {"c": 2}}
    assert [(p, (n.line, n.col)) for p, n in doc.duplicates] == [
        (("b", "c"), (4, 3)),
        (("a",), (5, 1)),
    ]
    assert doc.root is not None
    a = doc.root.get("a")
    assert a is not None and a.value == "3"


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        ("a:\n\tb: 1\n", (2, 1), "'\\t'"),
        ('a: "abc\nb: 1\n', (3, 1), "quoted scalar (started at 1:4)"),
        ("a: 'abc\n", (2, 1), "quoted scalar"),
        ("a: [1, 2\nb: 3\n", (2, 2), "flow sequence (started at 1:4)"),
        ("a: {x: 1\n", (2, 1), "flow mapping"),
        ("a: b: c\n", (1, 5), "mapping values are not allowed"),
        ("a:\n    b: 1\n  c: 2\n", (3, 3), "block mapping"),
        ("a: 1\n b: 2\n", (2, 3), "mapping values are not allowed"),
        ("a: *nope\n", (1, 4), "undefined alias *nope"),
        ("a: &x [1, *x]\n", (1, 11), "recursive"),
        ("a: !e!x 1\n", (1, 4), "undefined tag handle"),
        ("a: !!int nope\n", (1, 10), "not a valid int"),
        ("? [a]\n: 1\n", (1, 3), "complex"),
        (b"a: 1\r\nb: x\xff\n", (2, 5), "invalid utf-8"),
        (b"a: 1\nb: x\x01\n", (2, 5), "0x1 is not allowed"),
    ],
)
def test_errors_are_located(data: str | bytes, where: tuple[int, int], words: str) -> None:
    err = error_of(data)
    assert (err.line, err.col) == where
    assert words in err.message
    assert str(err).startswith(f"values.yaml:{where[0]}:{where[1]}: ")


def test_binary_and_size_limits() -> None:
    assert "binary file" in error_of(b"a: \x00\x01").message
    assert "5 MiB" in error_of(b"a: " + b"x" * (5 * 1024 * 1024)).message
    assert "UTF-32" in error_of("\ufeffa: 1".encode("utf-32-le")).message


def test_alias_bomb_fails_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghijkl":
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
        prev = name
    started = time.monotonic()
    err = error_of("\n".join(lines) + "\n")
    assert time.monotonic() - started < 1.0
    assert "too many alias expansions" in err.message
    assert err.line > 1


@pytest.mark.parametrize(
    "data",
    ["[" * 10_000, "- " * 10_000, "{a: " * 3_000, "".join("  " * i + "k:\n" for i in range(600))],
)
def test_deep_nesting_is_an_input_error(data: str) -> None:
    err = error_of(data)
    assert "nesting deeper than" in err.message and err.line >= 1


def test_moderate_nesting_is_fine() -> None:
    doc = parse("[" * 100 + "]" * 100).documents[0]
    depth, value = 0, doc.data
    while value:
        value, depth = value[0], depth + 1
    assert depth == 99


def test_folded_scalars_read_as_yaml_says() -> None:
    """The round-trip scanner marks folds with BEL characters; values must not carry them."""
    from ruamel.yaml import YAML

    text = "a: >-\n  one\n  two\n\n  three\nb: >\n  p\n  q\nc: |\n  x\n  y\n"
    doc = YamlFile.parse(text.encode(), "f.yaml").documents[0]
    assert doc.data == YAML(typ="safe").load(text)
    assert "\a" not in doc.find(("a",)).value  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        b"a: 1\n%YAML 9.9\n---\nb: 2\n",  # found by the property test: a crash in ruamel's resolver
        b"%YAML 1.3\n---\na: 1\n",
    ],
)
def test_unsupported_yaml_versions_are_input_errors(text: bytes) -> None:
    with pytest.raises(InputError):
        YamlFile.parse(text, "v.yaml")
