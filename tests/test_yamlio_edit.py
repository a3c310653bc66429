"""apply_changes: byte-exact in-place edits, insertions, and refusals."""

from __future__ import annotations

import pytest

from litemaas_upgrade.errors import EditError
from litemaas_upgrade.yamlio import ScalarChange, YamlFile, apply_changes


def edit(text: str, *changes: tuple[object, ...], doc: int = 0) -> str:
    out = apply_changes(
        text.encode(),
        "values.yaml",
        [ScalarChange(doc, tuple(path), value) for path, value in changes],  # type: ignore[arg-type]
    )
    return out.decode()


def refused(text: str, path: tuple[str | int, ...], value: str = "v", doc: int = 0) -> EditError:
    with pytest.raises(EditError) as info:
        apply_changes(text.encode(), "values.yaml", [ScalarChange(doc, path, value)])
    return info.value


# --- in-place edits keep style -------------------------------------------------------------

VALUES = """\
# LiteMaaS values
backend:
  image:
    repository: quay.io/rh-aiservices-bu/litemaas-backend   # pinned
    tag: 0.1.9
  single: 'old'
  double: "old"

frontend: {image: {tag: 0.1.9}}
"""


def test_plain_stays_plain_and_only_the_span_changes() -> None:
    out = edit(VALUES, (("backend", "image", "tag"), "v0.2.0"))
    assert out == VALUES.replace("tag: 0.1.9\n", "tag: v0.2.0\n", 1)


@pytest.mark.parametrize(
    "value", ["0.20", "1.0", "true", "yes", "null", "~", "", "a: b", "x #y", "*x", "&a", "@x", "%x"]
)
def test_plain_gets_double_quotes_when_needed(value: str) -> None:
    out = edit(VALUES, (("backend", "image", "tag"), value))
    doc = YamlFile.parse(out.encode(), "v").documents[0]
    assert doc.data["backend"]["image"]["tag"] == value
    node = doc.find(("backend", "image", "tag"))
    assert node is not None and node.style == '"'


def test_tag_0_20_is_quoted() -> None:
    out = edit(VALUES, (("backend", "image", "tag"), "0.20"))
    assert '    tag: "0.20"\n' in out


def test_quoted_styles_are_kept() -> None:
    out = edit(VALUES, (("backend", "single"), "it's"), (("backend", "double"), 'say "hi" \\o/'))
    assert "  single: 'it''s'\n" in out
    assert '  double: "say \\"hi\\" \\\\o/"\n' in out


def test_flow_context_quotes_flow_indicators() -> None:
    out = edit(VALUES, (("frontend", "image", "tag"), "a,b"))
    assert 'frontend: {image: {tag: "a,b"}}' in out
    out = edit(VALUES, (("frontend", "image", "tag"), "0.2.0"))
    assert "frontend: {image: {tag: 0.2.0}}" in out


def test_no_change_returns_same_bytes() -> None:
    data = VALUES.encode()
    same = [ScalarChange(0, ("backend", "single"), "old")]
    assert apply_changes(data, "v", same) is data
    assert apply_changes(data, "v", []) is data


def test_number_to_same_text_still_quotes() -> None:
    # `tag: 0.20` reads as a float; asking for the string "0.20" must quote it
    assert edit("tag: 0.20\n", (("tag",), "0.20")) == 'tag: "0.20"\n'


def test_empty_value_is_filled() -> None:
    assert edit("a:\nb: 1\n", (("a",), "x")) == "a: x\nb: 1\n"
    assert edit("a: ~\n", (("a",), "x")) == "a: x\n"


def test_block_scalar_single_line() -> None:
    assert edit("a: |-\n  old\nb: 1\n", (("a",), "new")) == "a: |-\n  new\nb: 1\n"
    assert edit("a: >\n  old\n", (("a",), "new\n")) == "a: >\n  new\n"
    assert "block scalar" in refused("a: |\n  old\n", ("a",), "new").message
    assert "block scalar" in refused("a: |-\n  one\n  two\n", ("a",), "new").message


def test_crlf_bom_and_utf16_preserved() -> None:
    text = "\ufeffa: 1\r\nimage:\r\n  tag: old\r\n"
    out = apply_changes(text.encode("utf-8"), "v", [ScalarChange(0, ("image", "tag"), "new")])
    assert out == text.replace("old", "new").encode("utf-8")
    out = apply_changes(text.encode("utf-16-le"), "v", [ScalarChange(0, ("image", "tag"), "new")])
    assert out == text.replace("old", "new").encode("utf-16-le")


def test_multi_document_targets_the_right_document() -> None:
    text = "---\ntag: a\n---\ntag: b\n...\n"
    assert edit(text, (("tag",), "c"), doc=1) == "---\ntag: a\n---\ntag: c\n...\n"


def test_anchor_not_referenced_may_be_edited() -> None:
    assert edit("a: &x old\n", (("a",), "new")) == "a: &x new\n"


# --- insertions -----------------------------------------------------------------------------


def test_insert_into_block_mapping_after_last_key() -> None:
    text = "backend:\n  image:\n    repository: r  # c\n\n# next\nfrontend: 1\n"
    out = edit(text, (("backend", "image", "tag"), "0.20"))
    assert out == (
        'backend:\n  image:\n    repository: r  # c\n    tag: "0.20"\n\n# next\nfrontend: 1\n'
    )


def test_insert_two_keys_into_one_new_mapping() -> None:
    out = edit(
        "global: {}\nother: 1\n",
        (("backend", "image", "tag"), "0.2.0"),
        (("backend", "image", "repository"), "quay.io/x"),
    )
    assert out == (
        'global: {}\nother: 1\nbackend:\n  image:\n    tag: "0.2.0"\n    repository: quay.io/x\n'
    )


def test_insert_uses_file_indent_step() -> None:
    text = "a:\n    b:\n        c: 1\n"
    assert edit(text, (("a", "x", "k"), "z")) == text + "    x:\n        k: z\n"
    assert edit(text, (("new", "k"), "v")) == text + "new:\n    k: v\n"


def test_insert_into_flow_mappings() -> None:
    assert edit("a: {x: 1}\n", (("a", "w"), "2")) == 'a: {x: 1, w: "2"}\n'
    assert edit("a: {}\n", (("a", "b", "c"), "d")) == "a: {b: {c: d}}\n"
    assert edit("a: {x: 1,}\n", (("a", "w"), "q")) == "a: {x: 1, w: q,}\n"


def test_insert_under_empty_value() -> None:
    out = edit("backend:  # fill me\nx: 1\n", (("backend", "image", "tag"), "v1"))
    assert out == "backend:  # fill me\n  image:\n    tag: v1\nx: 1\n"


def test_insert_into_sequence_item_mapping() -> None:
    text = "- name: a\n  image: x\n- name: b\n"
    assert edit(text, ((1, "image"), "img")) == text + "  image: img\n"


def test_insert_after_block_scalar() -> None:
    text = "a:\n  s: |\n    x\n\nb: 1\n"
    assert edit(text, (("a", "t"), "v")) == "a:\n  s: |\n    x\n\n  t: v\nb: 1\n"


@pytest.mark.parametrize("text", ["", "# only a comment\n", "# no newline", "---\n", "--- # c\n"])
def test_insert_into_empty_documents(text: str) -> None:
    out = edit(text, (("backend", "tag"), "v"))
    assert out.startswith(text)
    assert YamlFile.parse(out.encode(), "v").documents[0].data == {"backend": {"tag": "v"}}


def test_insert_into_empty_middle_document() -> None:
    text = "a: 1\n---\n# empty\n---\nb: 2\n"
    assert edit(text, (("x",), "y"), doc=1) == 'a: 1\n---\n# empty\nx: "y"\n---\nb: 2\n'


def test_insert_with_crlf() -> None:
    out = edit("a:\r\n  b: 1\r\n", (("a", "c", "d"), "e"))
    assert out == "a:\r\n  b: 1\r\n  c:\r\n    d: e\r\n"


def test_insert_without_final_newline() -> None:
    assert edit("a: 1", (("b",), "x")) == "a: 1\nb: x"


def test_new_keys_are_quoted_when_needed() -> None:
    assert edit("a: 1\n", (("true",), "x")) == 'a: 1\n"true": x\n'


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "where", "words"),
    [
        ("a: &x 1\nb: *x\n", ("a",), (1, 7), "alias at 2:4"),
        ("a: &x 1\nb: *x\n", ("b",), (2, 4), "alias *x"),
        ("a: &x {t: 1}\nb: *x\n", ("a", "t"), (1, 7), "anchored node &x"),
        ("a: &x {t: 1}\nb: *x\n", ("b", "t"), (2, 4), "alias *x"),
        ("a: &x {t: 1}\nb: *x\n", ("a", "new"), (1, 7), "anchored"),
        ("base: &b {t: 1}\nc:\n  <<: *b\n", ("c", "t"), (1, 14), "merge key"),
        ("a: 1\nb: 2\na: 3\n", ("a",), (3, 1), "duplicated"),
        ('backend: "x"\n', ("backend", "image", "tag"), (1, 10), "in the way"),
        ("a: [1]\n", ("a", 3), (1, 4), "index 3 does not exist"),
        ("a: [1]\n", ("a", "k"), (1, 4), "list is in the way"),
        ("a: {b: 1}\n", ("a",), (1, 4), "not a scalar"),
        ("a: !!int 1\n", ("a",), (1, 10), "explicit tag"),
        ("a: []\n", ("a", 0, "x"), (1, 4), "does not exist"),
        ("a: {}\n", ("a", "b", 0), (1, 4), "list index 0"),
    ],
)
def test_refusals_are_located(
    text: str, path: tuple[str | int, ...], where: tuple[int, int], words: str
) -> None:
    err = refused(text, path)
    assert (err.line, err.col) == where
    assert words in err.message
    assert str(err).startswith(f"values.yaml:{where[0]}:{where[1]}: ")


def test_refuses_missing_document_and_conflicts() -> None:
    assert "document 2 does not exist" in refused("a: 1\n", ("a",), doc=2).message
    with pytest.raises(EditError, match="conflicting"):
        apply_changes(b"a: 1\n", "v", [ScalarChange(0, ("a",), "x"), ScalarChange(0, ("a",), "y")])
    with pytest.raises(EditError, match="both a value and contain"):
        apply_changes(
            b"a: 1\n", "v", [ScalarChange(0, ("b",), "x"), ScalarChange(0, ("b", "c"), "y")]
        )


def test_invalid_input_is_an_input_error_not_edit() -> None:
    from litemaas_upgrade.errors import InputError

    with pytest.raises(InputError):
        apply_changes(b"a: [\n", "v", [ScalarChange(0, ("a",), "x")])


def test_fill_last_empty_value_and_insert_at_same_offset() -> None:
    out = edit("---\na:", (("a",), "x"), (("b", "c"), "d"))
    assert out == "---\na: x\nb:\n  c: d"
