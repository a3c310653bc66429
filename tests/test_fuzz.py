"""Fuzzing the two readers of untrusted text: YamlFile.parse (and the lazy conversion and
the editor behind it) may only raise InputError; ImageRef.parse only ImageRefError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litemaas_upgrade.errors import InputError
from litemaas_upgrade.imageref import ImageRef, ImageRefError
from litemaas_upgrade.yamlio import ScalarChange, YamlFile, apply_changes

FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that YAML gives meaning to, so that random text reaches deep into the parser.
YAML_BITS = [
    "a",
    "tag",
    "image",
    ":",
    ": ",
    "- ",
    "-",
    "? ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&x ",
    "*x",
    "&y ",
    "*y",
    "<<: ",
    "!!str ",
    "!!int ",
    "!t ",
    "'",
    '"',
    "|",
    ">",
    "|-",
    ">+",
    "#",
    " #c",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "  ",
    "---",
    "...",
    "%YAML 1.1\n",
    "%TAG ! x\n",
    "0.2.0",
    "1e3",
    "0o17",
    "~",
    "null",
    "yes",
    "{{ .Values.x }}",
    "\ufeff",
    "\x00",
    "\x85",
    "\u2028",
    "é",
    "\\",
    "\\x",
    "@",
    "`",
    "%",
]
yaml_text = st.lists(st.sampled_from(YAML_BITS), max_size=40).map("".join)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1"]
paths = st.lists(
    st.one_of(st.sampled_from(["a", "tag", "image", "x", "<<"]), st.integers(0, 2)),
    min_size=1,
    max_size=3,
).map(tuple)


def parse_fully(data: bytes) -> YamlFile:
    f = YamlFile.parse(data, "fuzz.yaml")
    for doc in f.documents:
        doc.data  # noqa: B018 - conversion is lazy
        doc.duplicates  # noqa: B018
    return f


@FUZZ
@given(st.binary(max_size=300))
def test_yaml_reader_bytes(data: bytes) -> None:
    try:
        parse_fully(data)
    except InputError as exc:
        assert exc.file == "fuzz.yaml" and exc.message


@FUZZ
@given(yaml_text, st.sampled_from(ENCODINGS))
def test_yaml_reader_text(text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    try:
        parse_fully(data)
    except InputError as exc:
        assert exc.message


@FUZZ
@given(yaml_text, paths, st.sampled_from(["0.2.0", "", "a: b", "x\ny", "'", "0.20", "~"]))
def test_yaml_editor(text: str, path: tuple, value: str) -> None:
    """An edit of any file either applies (and reads back) or is refused with InputError."""
    data = text.encode("utf-8", "surrogatepass")
    try:
        out = apply_changes(data, "fuzz.yaml", [ScalarChange(0, path, value)])
    except InputError:
        return
    node = YamlFile.parse(out, "fuzz.yaml").documents[0].find(path)
    assert node is not None and node.python() == value


IMAGE_BITS = [
    "quay.io",
    "/",
    ":",
    "@",
    "sha256:",
    "a" * 64,
    "0" * 64,
    "rh-aiservices-bu",
    "litellm",
    "-",
    "_",
    "__",
    ".",
    "..",
    "localhost",
    ":5000",
    "main-v1.81.0-stable",
    "A",
    "é",
    " ",
    "[::1]",
    "\n",
    "0.2.0",
    "docker.io",
    "library",
]


@FUZZ
@given(
    st.one_of(st.text(max_size=80), st.lists(st.sampled_from(IMAGE_BITS), max_size=12).map("".join))
)
def test_image_ref_parse(text: str) -> None:
    try:
        ref = ImageRef.parse(text)
    except ImageRefError:
        return
    # What parses prints back to something that parses to the same reference.
    assert ImageRef.parse(str(ref)) == ref
