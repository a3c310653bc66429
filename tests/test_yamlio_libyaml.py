"""libyaml's event parser gives the same documents as ruamel's parser, byte for byte.

YamlFile.parse reads events from libyaml (PyYAML's C parser) when it is installed and
re-parses with ruamel on any error; these tests compare the two event sources on every
YAML file of the repository and on inputs chosen for their marks, tags and versions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from litemaas_upgrade.errors import InputError
from litemaas_upgrade.yamlio import Node, YamlFile, reader

ROOT = Path(__file__).resolve().parents[1]


def _node(node: Node | None) -> Any:
    if node is None:
        return None
    base = (
        node.kind,
        node.tag,
        node.value,
        node.style,
        node.start,
        node.end,
        node.anchor,
        node.is_alias,
        node.explicit_tag,
        node.line,
        node.col,
    )
    if node.is_alias:
        assert node.target is not None
        return (*base, node.target.start)
    return (
        *base,
        tuple((_node(k), _node(v)) for k, v in node.items),
        tuple(_node(c) for c in node.children),
    )


def _read(data: bytes, libyaml: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        if not libyaml:
            m.setattr(reader, "_libyaml", False)
        try:
            f = YamlFile.parse(data, "values.yaml")
        except Exception as exc:  # noqa: BLE001 - any failure must be the same failure
            return ("error", type(exc).__name__, str(exc))
        out: list[Any] = [f.text, f.encoding, f.newline]
        for doc in f.documents:
            version = doc.root._ctx.version if doc.root is not None else None
            dups = [(p, k.start) for p, k in doc.duplicates]
            out.append((doc.index, doc.start, doc.end, version, _node(doc.root), dups))
            try:
                out.append(repr(doc.data))
            except InputError as exc:
                out.append(("data error", str(exc)))
        return out


def _same(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _read(data, True, monkeypatch) == _read(data, False, monkeypatch)


def test_libyaml_is_used() -> None:
    import yaml

    assert yaml.__with_libyaml__
    assert int(yaml.__version__.split(".")[0]) >= 6
    assert reader._load_libyaml()


def test_libyaml_off_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "_libyaml", None)
    monkeypatch.setenv("LITEMAAS_UPGRADE_LIBYAML", "0")
    assert reader._load_libyaml() is False
    assert YamlFile.parse(b"a: 1\n", "v.yaml").documents[0].data == {"a": 1}


_FILES = sorted(
    p
    for pattern in ("*.yaml", "*.yml")
    for p in ROOT.rglob(pattern)
    if not {".git", ".venv", "node_modules"} & set(p.parts)
)


def test_repository_files_parse_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(_FILES) > 20
    for path in _FILES:
        data = path.read_bytes()
        assert _read(data, True, monkeypatch) == _read(data, False, monkeypatch), path


CASES = [
    "a: é€😀 x\nb: |\n  ü\n  z\nc: [1, 'ö', \"ß\\u00e9\"]\n",
    "a: 1\r\nb:\r\n  - x\r\n  - 'y'\r\nc: >\r\n  f\r\n  g\r\n\r\n  h\r\n",
    "\ufeffa: 1\n",
    "\ufeff\ufeffa: 1\n",
    "a: 1\n\ufeffb: 2\n",
    "%YAML 1.1\n---\nk: yes\no: 0755\ns: 1:20\n...\n---\nk: yes\n",
    "k: yes\n---\nk: on\n...\n%YAML 1.1\n---\nk: on\n--- \nk: on\n",
    "%YAML 1.2\n---\nk: yes\n",
    "%YAML 1.3\n---\nk: yes\n",
    "%YAML 2.0\n---\nk: yes\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!foo 1\nb: !!str 2\nc: !local 3\nd: !<verbatim> 4\n",
    "a: ! 12\nb: ! '12'\nc: !!int '7'\nd: !!binary aGk=\n",
    "base: &b {x: 1, y: [2, 3]}\nother:\n  <<: *b\n  z: &s str\nlist: [*b, *s]\n",
    "a: &x\nb: *x\nc: &y !!str\nd:\n- \n-\n- &z\n- !!null\n",
    "? complex key\n: value\n? [a, b]\n: {c: d}\n",
    "k: |+\n  keep\n\n\nj: |-\n  strip\n\nf: >2\n    indented\n  less\n",
    "",
    "# only a comment\n",
    "---\n",
    "--- # c\n...\n--- &a\n...\n",
    "- a\n- b: c\n  d: e\n- - nested\n  - seq\n",
    "a: 'multi\n  line'\nb: \"esc\\\n  aped\\t\"\nc: plain\n  continued\n",
    "dup: 1\ndup: 2\nm: {x: 1, x: 2}\n",
    "a: b: c\n",
    "a: [1, 2\n",
    "a: *nope\n",
    "a: &r [*r]\n",
    "a:\n\tb: 1\n",
    "a: \x07\n",
    "- &a x\n- &a y\n- *a\n",
    "key: 'unterminated\n",
    "{a: 1, b: [c, {d: e}], f: }\n",
    "a: 1\n...\nb: 2\n",
    "a: .inf\nb: -.Inf\nc: .nan\nd: 0x1F\ne: 0o17\nf: 1_000\ng: 2001-12-14\nh: ~\ni: Null\n",
    "%YAML 1.1\n---\na: 0x1F\nb: 1_000\nc: 0b101\nd: 190:20:30.15\ne: y\nf: NO\n",
    "\u2028a: 1\u2029b: 2\x85c: 3\n",
    "a: 1 # comment\n# between\nb: 2\n",
    "a: {b:c, d: e:f}\nb: [x:y]\nc: {? k}\n",
    "b: ['q':r]\n",
    "b: ['q': r, {'s':t}, \"u\":\n  v, [w]: x, &a y: z, ? k : l]\n",
    "b: [{x: y}:z]\n",
    "b: {'q':r, 'x':[1], y: 'z':w}\n",
    "a: '\t'\nb: |\n  \ttab\n# \ttab\n",
    'a: "\\/ \\N \\_ \\L \\P \\e"\n',
    "a:\tb\nc: d\t\n",
    "&a-b.c x: 1\n",
    "a: !e!x 1\n",
    "a: !<tag:x> 1\nb: !foo%21 2\n",
    'k: "\u00e9 \\u263A \\U0001F600"\n',
    "[" * 300 + "]" * 300 + "\n",
    "a:\n" + "".join("  " * i + "- \n" for i in range(1, 5)),
]


@pytest.mark.parametrize("text", CASES)
def test_inputs_parse_the_same(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(text.encode(), monkeypatch)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_parses_the_same(codec: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bom = "\ufeff".encode(codec)
    _same(bom + "a: é\r\nb: [1, 'ü']\r\n".encode(codec), monkeypatch)
