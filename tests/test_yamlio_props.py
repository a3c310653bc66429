"""Property tests: generated YAML files, one scalar edit, nothing else may change."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from litemaas_upgrade.errors import EditError
from litemaas_upgrade.yamlio import Node, ScalarChange, YamlFile, apply_changes

KEYS = ["a", "b", "image", "tag", "repository", "name", "x1", "k_2", "port", "enabled"]
PLAIN = ["abc", "0.20", "1", "true", "null", "~", "v1.2", "hello world", "x-y", "quay.io/x:1"]
FLOW_PLAIN = [p for p in PLAIN if ":" not in p]
TEXTS = ["", "it's", 'say "hi"', "back\\slash", "é ü", "# not a comment", "a: b", "1.0"]
NEW_VALUES = [
    *("0.20 1.0 true yes null ~ a:b x#y *x &a it's - -- --- ... ? | > @at %p `b` !t <<".split()),
    *("= 0o17 0x1F 1_000 2024-01-01 quay.io/x:1.2 v0.2.0 {} [x] , #c".split()),
    "",
    "a: b",
    "x #y",
    'say "hi"',
    "back\\slash",
    "  lead",
    "trail ",
    "multi\nline",
    "tab\tx",
    "é ü",
]
# Keys holding anchors/aliases/merges: edits elsewhere must not disturb them.
SHARED = {"anch", "ref", "merged"}


def single(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def double(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def scalars(draw: st.DrawFn, flow: bool) -> str:
    style = draw(st.sampled_from(["plain", "single", "double"]))
    if style == "plain":
        return draw(st.sampled_from(FLOW_PLAIN if flow else PLAIN))
    text = draw(st.sampled_from(TEXTS))
    return single(text) if style == "single" else double(text)


@st.composite
def flows(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=3))
        return "{" + ", ".join(f"{k}: {draw(scalars(True))}" for k in keys) + "}"
    items = draw(st.lists(scalars(True), max_size=3))
    return "[" + ", ".join(items) + "]"


@st.composite
def block_mapping(draw: st.DrawFn, indent: int, step: int, depth: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key in draw(st.lists(st.sampled_from(KEYS), unique=True, min_size=1, max_size=4)):
        extra = draw(st.sampled_from(["", "", "blank", "comment", "deep-comment"]))
        if extra == "blank":
            lines.append("")
        elif extra == "comment":
            lines.append(f"{pad}# about {key}")
        elif extra == "deep-comment":
            lines.append("#\tcomment with a tab")
        kind = draw(st.sampled_from(["scalar", "scalar", "flow", "map", "seq", "block", "empty"]))
        if kind == "map" and depth < 3:
            lines.append(f"{pad}{key}:")
            lines.extend(draw(block_mapping(indent + step, step, depth + 1)))
        elif kind == "seq":
            lines.append(f"{pad}{key}:")
            dash = draw(st.sampled_from([pad, " " * (indent + step)]))
            lines.extend(f"{dash}- {s}" for s in draw(st.lists(scalars(False), min_size=1)))
        elif kind == "block":
            lines.append(f"{pad}{key}: |-")
            lines.append(f"{' ' * (indent + step)}{draw(st.sampled_from(['line', 'a: b']))}")
        elif kind == "flow":
            lines.append(f"{pad}{key}: {draw(flows())}")
        elif kind == "empty":
            lines.append(f"{pad}{key}:")
        else:
            trailing = draw(st.sampled_from(["", "  # trailing", " #"]))
            lines.append(f"{pad}{key}: {draw(scalars(False))}{trailing}")
    return lines


@st.composite
def yaml_files(draw: st.DrawFn) -> tuple[bytes, str]:
    step = draw(st.sampled_from([2, 4]))
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["---", "--- # values"])))
    if draw(st.booleans()):
        lines.append("# header comment")
    if draw(st.integers(0, 9)):  # sometimes a comments-only (empty) document
        if draw(st.booleans()):
            lines += ["anch: &an {p: 1, q: [1, 2]}", "ref: *an", "merged:", "  <<: *an", "  own: 1"]
        lines.extend(draw(block_mapping(0, step, 0)))
    if draw(st.booleans()):
        lines += ["---", "other: doc"]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.integers(0, 5)) else "")
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode("utf-8"), newline


def scalar_paths(node: Node | None, path: tuple[str | int, ...] = ()) -> list[Any]:
    """(path, node) of every scalar value, and (path, None) of every mapping."""
    if node is None:
        return [((), None)]
    if node.kind == "scalar":
        return [(path, node)]
    out: list[Any] = []
    if node.kind == "mapping":
        out.append((path, None))
        for key, value in node.items:
            if not (path == () and key.value in SHARED):
                out.extend(scalar_paths(value, (*path, key.value)))
    else:
        for i, child in enumerate(node.children):
            out.extend(scalar_paths(child, (*path, i)))
    return out


def set_path(data: Any, path: tuple[str | int, ...], value: str) -> Any:
    if not path:
        return value
    part = path[0]
    if isinstance(data, list) and isinstance(part, int):
        data[part] = set_path(data[part], path[1:], value)
        return data
    data = {} if data is None else data
    data[part] = set_path(data.get(part), path[1:], value)
    return data


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(file=yaml_files(), data=st.data())
def test_one_edit_changes_only_its_target(file: tuple[bytes, str], data: st.DataObject) -> None:
    raw, newline = file
    old = YamlFile.parse(raw, "gen.yaml")
    doc = old.documents[0]
    target_path, target = data.draw(st.sampled_from(scalar_paths(doc.root)))
    if target is None:  # a mapping (or empty document): add one or two new levels
        extra = data.draw(
            st.lists(st.sampled_from(["new", "image", "tag2"]), min_size=1, max_size=2)
        )
        target_path = (*target_path, *extra)
        existing = doc.find(target_path[: len(target_path) - len(extra) + 1])
        if existing is not None:
            return  # the first new key happened to exist already
    value = data.draw(st.one_of(st.sampled_from(NEW_VALUES), st.text(max_size=8)))

    try:
        out = apply_changes(raw, "gen.yaml", [ScalarChange(0, target_path, value)])
    except EditError:
        # the only refusal expected here: a one-line block scalar given an incompatible value
        assert target is not None and target.style == "|"
        event("refused: block scalar")
        return
    event("in place" if target is not None else "insertion")
    event(f"style {target.style if target is not None else 'new'}")

    new = YamlFile.parse(out, "gen.yaml")
    assert new.encoding == old.encoding
    found = new.documents[0].find(target_path)
    assert found is not None and found.python() == value
    assert new.documents[0].data == set_path(copy.deepcopy(doc.data), target_path, value)
    assert [d.data for d in new.documents[1:]] == [d.data for d in old.documents[1:]]

    before, after = old.text, new.text
    if target is not None:
        # in place: everything before and after the scalar's span is untouched
        assert after.startswith(before[: target.start])
        assert after.endswith(before[target.end :])
    else:
        # insertion: the old text is the new text with one contiguous block added
        head = 0
        while head < len(before) and head < len(after) and before[head] == after[head]:
            head += 1
        assert after.endswith(before[head:])
    if old.encoding == "utf-8-sig":
        assert out.startswith(b"\xef\xbb\xbf")
    if newline == "\r\n" and "\n" in before:
        assert after.count("\n") == after.count("\r\n")
    else:
        assert after.count("\r") == before.count("\r")


def all_nodes(node: Node | None) -> list[Node]:
    if node is None:
        return []
    out = [node]
    if not node.is_alias:
        for key, value in node.items:
            out += [key, *all_nodes(value)]
        for child in node.children:
            out += all_nodes(child)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=yaml_files())
def test_spans_match_the_source(file: tuple[bytes, str]) -> None:
    raw, _ = file
    f = YamlFile.parse(raw, "gen.yaml")
    for doc in f.documents:
        for node in all_nodes(doc.root):
            src = f.text[node.start : node.end]
            if node.is_alias:
                assert src == f"*{node.anchor}"
            elif node.kind == "scalar" and node.style in ("'", '"'):
                assert src[0] == src[-1] == node.style
            elif node.kind == "scalar" and node.style is None and "\n" not in src:
                assert src == node.value
            elif node.style == "flow":
                assert src[0] + src[-1] in ("{}", "[]")
            line_start = f.text.rfind("\n", 0, node.start) + 1
            assert (node.line, node.col) == (f.text.count("\n", 0, node.start) + 1,
                                             node.start - line_start + 1)  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=yaml_files(), data=st.data())
def test_several_edits_at_once(file: tuple[bytes, str], data: st.DataObject) -> None:
    raw, _ = file
    doc = YamlFile.parse(raw, "gen.yaml").documents[0]
    plain_scalars = [(p, n) for p, n in scalar_paths(doc.root) if n is not None and n.style != "|"]
    picked = []
    if plain_scalars:
        picked = data.draw(st.lists(st.sampled_from(plain_scalars), unique_by=lambda x: x[0]))
    changes = [ScalarChange(0, p, data.draw(st.sampled_from(NEW_VALUES[:-4]))) for p, _ in picked]
    changes.append(ScalarChange(0, ("brand", "new"), "0.20"))
    changes.append(ScalarChange(0, ("brand", "other"), "x"))
    out = YamlFile.parse(apply_changes(raw, "gen.yaml", changes), "gen.yaml")
    expected = copy.deepcopy(doc.data)
    for change in changes:
        expected = set_path(expected, change.path, change.value)
    assert out.documents[0].data == expected
