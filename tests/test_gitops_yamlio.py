"""yamlio.embedded: scalar edits inside a YAML document held in a block string, and
appended list entries, byte-exact everywhere else."""

from __future__ import annotations

import pytest

from litemaas_upgrade.errors import EditError
from litemaas_upgrade.yamlio import ScalarChange, YamlFile
from litemaas_upgrade.yamlio.embedded import (
    EmbeddedChange,
    SequenceAppend,
    apply_edits,
    embedded_document,
)

APP = """\
# keep me
spec:
  helm:
    values: |
      # inner comment
      litellm:
        image:
          tag: main-v1.74.7-stable   # trailing

      backend:
        replicas: 2
    parameters:
      - name: backend.image.tag
        value: "0.1.3"
  other: x
"""
AT = ("spec", "helm", "values")


def inner(*changes: tuple[tuple[str, ...], str]) -> EmbeddedChange:
    return EmbeddedChange(0, AT, tuple(ScalarChange(0, p, v) for p, v in changes))


def test_edit_inside_the_values_string_touches_only_that_line() -> None:
    out = apply_edits(
        APP.encode(), "app.yaml", [inner((("litellm", "image", "tag"), "main-v1.81.0-stable"))]
    )
    assert out.decode() == APP.replace("tag: main-v1.74.7-stable", "tag: main-v1.81.0-stable")


def test_insert_inside_the_values_string_is_indented_like_the_block() -> None:
    out = apply_edits(APP.encode(), "app.yaml", [inner((("backend", "image", "tag"), "0.2.0"))])
    assert out.decode() == APP.replace(
        "        replicas: 2\n", '        replicas: 2\n        image:\n          tag: "0.2.0"\n'
    )
    doc = YamlFile.parse(out, "app.yaml").documents[0]
    assert (
        'backend:\n  replicas: 2\n  image:\n    tag: "0.2.0"\n'
        in doc.data["spec"]["helm"]["values"]
    )


def test_crlf_file_and_strip_chomping_stay_as_they_are() -> None:
    text = "a:\r\n  values: |-\r\n    litellm:\r\n      image:\r\n        tag: old\r\nb: 1\r\n"
    out = apply_edits(
        text.encode(),
        "crlf.yaml",
        [
            EmbeddedChange(
                0,
                ("a", "values"),
                (
                    ScalarChange(0, ("litellm", "image", "tag"), "new"),
                    ScalarChange(0, ("litellm", "image", "pullPolicy"), "Always"),
                ),
            )
        ],
    )
    assert out.decode() == (
        "a:\r\n  values: |-\r\n    litellm:\r\n      image:\r\n        tag: new\r\n"
        "        pullPolicy: Always\r\nb: 1\r\n"
    )
    assert YamlFile.parse(out, "x").documents[0].data["a"]["values"].endswith("pullPolicy: Always")


def test_append_a_parameter_entry_in_the_list_style_of_the_file() -> None:
    out = apply_edits(
        APP.encode(),
        "app.yaml",
        [
            SequenceAppend(
                0,
                ("spec", "helm", "parameters"),
                (("name", "litellm.image.tag"), ("value", "main-v1.74.7-stable")),
            ),
            ScalarChange(0, ("spec", "helm", "parameters", 0, "value"), "0.2.0"),
        ],
    )
    assert out.decode() == APP.replace(
        '        value: "0.1.3"\n',
        '        value: "0.2.0"\n'
        "      - name: litellm.image.tag\n        value: main-v1.74.7-stable\n",
    )


def test_folded_string_is_refused_with_its_place() -> None:
    text = "values: >\n  litellm:\n    image: {tag: a}\n"
    with pytest.raises(EditError) as exc:
        apply_edits(
            text.encode(),
            "f.yaml",
            [EmbeddedChange(0, ("values",), (ScalarChange(0, ("litellm", "image", "tag"), "b"),))],
        )
    assert exc.value.line == 1 and "literal block scalar" in exc.value.message


def test_positions_inside_the_string_map_to_the_outer_file() -> None:
    yf = YamlFile.parse(APP.encode(), "app.yaml")
    emb = embedded_document(yf, yf.documents[0], AT)
    assert emb is not None
    node = emb.inner.documents[0].find(("litellm", "image", "tag"))
    assert node is not None
    line, col = emb.where(node)
    assert APP.splitlines()[line - 1][col - 1 :].startswith("main-v1.74.7-stable")
