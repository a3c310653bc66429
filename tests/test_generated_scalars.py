"""Strings in the files the tool writes whole (phase overlays, values files) read back as
the same string under YAML 1.1 (how Helm and kustomize read) and YAML 1.2."""

from __future__ import annotations

import io

import pytest
import yaml
from ruamel.yaml import YAML

from litemaas_upgrade.yamlio.scalars import generated

VALUES = [
    "quay.io/rh-aiservices-bu/litemaas-backend",
    "sha256:" + "ab" * 32,
    "../../../kustomize/overlays/prod",
    "/abs/path",
    "0.2.0",
    "0755",
    "1e3",
    "yes",
    "null",
    "~",
    "-leading-dash",
    ":colon",
    "@at",
    "a b",
    'say "hi" \\ bye',
    "tab\there",
    "line\nbreak",
    "main-v1.81.0-stable",
]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("quoted", [False, True])
def test_reads_back_as_the_same_string(value: str, quoted: bool) -> None:
    text = f"key: {generated(value, quoted)}\n"
    assert yaml.safe_load(text) == {"key": value}
    assert YAML(typ="safe", pure=True).load(io.StringIO(text)) == {"key": value}


def test_plain_only_for_simple_words() -> None:
    assert generated("quay.io/org/image") == "quay.io/org/image"
    assert generated("sha256:abc") == "sha256:abc"
    assert generated("../base") == '"../base"'  # starts with a dot
    assert generated("0755") == '"0755"'  # an integer (octal) in YAML 1.1
    assert generated("true") == '"true"'
    assert generated("main-v1.81.0-stable", quoted=True) == '"main-v1.81.0-stable"'
