"""yamlio.implicit gives every plain scalar the tag ruamel.yaml's VersionedResolver gives
it, under YAML 1.1 and 1.2; reading through libyaml therefore needs no ruamel import, and
ruamel still parses (and words every error of) what libyaml does not read."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from conftest import ROOT, git
from litemaas_upgrade.errors import InputError
from litemaas_upgrade.yamlio import YamlFile, implicit, reader, scalars

VERSIONS = ((1, 1), (1, 2))
RUAMEL = {v: VersionedResolver(version=v) for v in VERSIONS}


def ruamel_tag(value: str, version: tuple[int, int]) -> str:
    return str(RUAMEL[version].resolve(ScalarNode, value, (True, False)))


def same_as_ruamel(value: str) -> None:
    for version in VERSIONS:
        assert implicit.plain_tag(value, version) == ruamel_tag(value, version), (value, version)


# --- generated strings --------------------------------------------------------------------

WORDS = [
    "yes", "no", "on", "off", "y", "n", "null", "true", "false", "~", "inf", "nan",
    ".inf", ".nan", "<<", "=", "0x", "0o", "0b", "1_000", "2001-12-14", "21:59:43",
]  # fmt: skip


def _cased(word_and_mask: tuple[str, int]) -> str:
    """The word with the letters whose bit is set in the mask in upper case (the resolver
    knows three casings of each word: this makes the others too)."""
    word, mask = word_and_mask
    return "".join(c.upper() if mask >> i & 1 else c for i, c in enumerate(word))


PIECES = st.one_of(
    st.sampled_from(list("0123456789+-._:eExXoObBaAfFTtZz <=~!&*") + ["\t", "\n", "12", "00"]),
    st.tuples(st.sampled_from(WORDS), st.sampled_from([0, 1, 0x7FF]) | st.integers(0, 0x7FF)).map(
        _cased
    ),
)
TRICKY = st.lists(PIECES, max_size=10).map("".join)
# Strings that match one of the number or timestamp rules, then changed at one place: the
# edges of each rule (a sign more, an exponent less, a trailing newline, ...).
NEAR = st.sampled_from(sorted(implicit._SOURCES.values())).flatmap(
    lambda source: st.from_regex(re.compile(source), fullmatch=True)
)
EDITED = st.tuples(NEAR, st.integers(0, 40), PIECES, st.booleans()).map(
    lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + t[3] :]
)
# Each example is a batch of strings: thousands of strings in all, at a fraction of the
# cost of one example each.
MANY = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@MANY
@given(st.lists(TRICKY, min_size=1, max_size=12))
def test_tricky_strings_resolve_as_ruamel_resolves_them(values: list[str]) -> None:
    for value in values:
        same_as_ruamel(value)


@MANY
@given(st.lists(st.one_of(NEAR, EDITED, NEAR.map(lambda s: s + "\n")), min_size=1, max_size=8))
def test_numbers_and_their_neighbours_resolve_as_ruamel_resolves_them(values: list[str]) -> None:
    for value in values:
        same_as_ruamel(value)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=12))
def test_any_text_resolves_as_ruamel_resolves_it(value: str) -> None:
    same_as_ruamel(value)


def test_seeded_random_strings_resolve_as_ruamel_resolves_them() -> None:
    """The same alphabet, drawn by a seeded generator: many more strings than the property
    tests can afford to make (and always the same ones)."""
    rng = random.Random(20261127)
    letters = list("0123456789+-._:eExXoObBaAfFnNTtZz <=~") + ["\t", "\n"]
    words = [w.upper() if rng.random() < 0.3 else w for w in WORDS] + WORDS
    for _ in range(50_000):
        value = "".join(
            rng.choice(words) if rng.random() < 0.25 else rng.choice(letters)
            for _ in range(rng.randint(0, 9))
        )
        same_as_ruamel(value)


# --- a table of the edges -----------------------------------------------------------------

NULL, BOOL, INT, FLOAT = implicit.NULL, implicit.BOOL, implicit.INT, implicit.FLOAT
STR, TS, MERGE, VALUE, YAML = (
    implicit.STR,
    implicit.TIMESTAMP,
    implicit.MERGE,
    implicit.VALUE,
    implicit.YAML,
)

# (plain scalar, tag under YAML 1.2, tag under YAML 1.1), from the specs' tag rules.
TABLE = [
    ("", NULL, NULL),
    ("~", NULL, NULL),
    ("null", NULL, NULL),
    ("Null", NULL, NULL),
    ("NULL", NULL, NULL),
    ("nULL", STR, STR),
    ("true", BOOL, BOOL),
    ("True", BOOL, BOOL),
    ("TRUE", BOOL, BOOL),
    ("tRUE", STR, STR),
    ("False", BOOL, BOOL),
    ("yes", STR, BOOL),
    ("Yes", STR, BOOL),
    ("YES", STR, BOOL),
    ("yEs", STR, STR),
    ("y", STR, BOOL),
    ("N", STR, BOOL),
    ("no", STR, BOOL),
    ("on", STR, BOOL),
    ("OFF", STR, BOOL),
    ("oN", STR, STR),
    ("<<", MERGE, MERGE),
    ("<", STR, STR),
    ("<<<", STR, STR),
    ("=", VALUE, VALUE),
    ("==", STR, STR),
    ("!", YAML, YAML),
    ("*", YAML, YAML),
    ("0", INT, INT),
    ("-0", INT, INT),
    ("+12", INT, INT),
    ("007", INT, INT),
    ("08", INT, STR),  # 1.1: a leading 0 means octal
    ("09.5", FLOAT, FLOAT),
    ("0o17", INT, STR),
    ("0O17", STR, STR),
    ("0x1F", INT, INT),
    ("0X1F", STR, STR),
    ("0x", STR, STR),
    ("0b101", INT, INT),
    ("0b102", STR, STR),
    ("1_000", INT, INT),
    ("_1", STR, STR),  # `_` does not start a number
    ("+_", INT, INT),
    ("0_", INT, INT),
    ("1__", INT, INT),
    ("1e3", FLOAT, FLOAT),
    ("1E-3", FLOAT, FLOAT),
    ("1e", STR, STR),
    ("1.", FLOAT, FLOAT),
    ("0.", FLOAT, FLOAT),
    ("0.20", FLOAT, FLOAT),
    ("0.2.0", STR, STR),
    (".5", FLOAT, FLOAT),
    ("+.5", FLOAT, STR),  # 1.1: no sign before a leading `.`
    (".5e3", STR, STR),  # after a leading `.`, the exponent needs its sign
    (".5e+3", FLOAT, FLOAT),
    ("1.5e3", FLOAT, FLOAT),
    ("._", FLOAT, FLOAT),
    ("-._", FLOAT, STR),
    (".", STR, STR),
    ("-", STR, STR),
    ("1_0.5_e-3", FLOAT, FLOAT),
    (".inf", FLOAT, FLOAT),
    ("-.Inf", FLOAT, FLOAT),
    ("+.INF", FLOAT, FLOAT),
    (".iNF", STR, STR),
    (".NaN", FLOAT, FLOAT),
    ("-.nan", STR, STR),
    ("1:20", STR, INT),
    ("190:20:30", STR, INT),
    ("1:20.5", STR, FLOAT),
    ("-1:20.5", STR, FLOAT),
    ("0:20", STR, STR),
    ("1:60", STR, STR),
    ("1:5", STR, INT),
    ("2001-12-14", TS, TS),
    ("2001-1-14", STR, STR),
    ("2001-12-14t21:59:43.10-05:00", TS, TS),
    ("2001-12-14 21:59:43.10 -5", TS, TS),
    ("2001-12-14\t \t21:59:43Z", TS, TS),
    ("2001-12-14T21:59:43 Z", TS, TS),
    ("2001-12-14T21:59", STR, STR),
    ("2001-12-14 ", STR, STR),
    ("1\n", INT, INT),  # `$` matches before a final line break
    ("true\n", BOOL, BOOL),
    ("~\n", NULL, NULL),
    ("2001-12-14\n", TS, TS),
    ("true\n\n", STR, STR),
    ("\n", STR, STR),
    ("\n1", STR, STR),
    (" 1", STR, STR),
    ("1 ", STR, STR),
    ("1\t", STR, STR),
    ("١٢", STR, STR),  # digits of another script are not digits here
    ("image", STR, STR),
]


@pytest.mark.parametrize(("value", "tag12", "tag11"), TABLE)
def test_table(value: str, tag12: str, tag11: str) -> None:
    assert implicit.plain_tag(value, (1, 2)) == tag12
    assert implicit.plain_tag(value, (1, 1)) == tag11
    same_as_ruamel(value)
    # The editor writes a string plain only when both versions read it back as a string.
    old = all(ruamel_tag(value, v) == STR for v in VERSIONS)
    assert scalars._resolves_to_str(value) is old is (tag11 == tag12 == STR)


def test_other_versions_are_refused() -> None:
    with pytest.raises(ValueError):
        implicit.plain_tag("1", (1, 3))


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_documents_get_the_same_tags_from_libyaml_and_ruamel(
    version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every value of the table as a plain scalar of a document, read both ways."""
    plain = [v for v, *_ in TABLE if v and v == v.strip() and "\n" not in v]
    lines = [f"- {v}" for v in plain if v[0] not in "!&*" and v != "-"]
    text = f"%YAML {version}\n---\n" + "\n".join(lines) + "\n- ''\n- !!str 1\n- ! 1\n- {}\n"
    data = text.replace("\t", " ").encode()

    def tags(libyaml: bool) -> list[str]:
        with monkeypatch.context() as m:
            if not libyaml:
                m.setattr(reader, "_libyaml", False)
            root = YamlFile.parse(data, "v.yaml").documents[0].root
        assert root is not None
        return [root.tag] + [c.tag for c in root.children]

    with_libyaml = tags(True)
    assert with_libyaml == tags(False)
    assert len(set(with_libyaml)) >= 8  # every kind of tag was there


# --- no ruamel on the libyaml path ----------------------------------------------------------

_CHILD = """
import sys
from litemaas_upgrade.errors import InputError
from litemaas_upgrade.yamlio import YamlFile, reader

def ruamel():
    return sorted(m for m in sys.modules if m.split(".")[0] in ("ruamel", "_ruamel_yaml"))

assert reader._load_libyaml()
plain = YamlFile.parse(open(sys.argv[1], "rb").read(), sys.argv[1])
print(plain.documents[0].data)
print(ruamel())
tab = YamlFile.parse(open(sys.argv[2], "rb").read(), sys.argv[2])
print(tab.documents[0].data)
print(bool(ruamel()))
try:
    YamlFile.parse(open(sys.argv[3], "rb").read(), "bad.yaml")
except InputError as exc:
    print(exc)
"""


def test_libyaml_path_imports_no_ruamel(tmp_path: Path) -> None:
    plain = tmp_path / "values.yaml"
    plain.write_text("image:\n  tag: 0.2.0\n  pull: [1, 0o17, yes, ~, 1.5, 2001-12-14]\nok: true\n")
    tab = tmp_path / "tab.yaml"  # a tab: ruamel reads it
    tab.write_text('a: "x\ty"\nb: [1, 0o17, yes]\n')
    bad = tmp_path / "bad.yaml"
    bad.write_text("a:\n\tb: 1\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(plain), str(tab), str(bad)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert proc.stdout.splitlines() == [
        "{'image': {'tag': '0.2.0', 'pull': [1, 15, 'yes', None, 1.5, '2001-12-14']}, 'ok': True}",
        "[]",
        "{'a': 'x\\ty', 'b': [1, 15, 'yes']}",
        "True",
        "bad.yaml:2:1: while scanning for the next token: found character '\\t' that cannot "
        "start any token",
    ]


def test_fallback_errors_are_ruamels() -> None:
    """What ruamel reports, with its positions, as before the resolver moved."""
    cases = {
        # (a tab after `k:` is separation, read since issue 15; one that indents is not)
        "k:\n\tv: 1\n": "v.yaml:2:1: while scanning for the next token: found character '\\t' "
        "that cannot start any token",
        "a: [1, 2\n\t": "v.yaml:2:2: while parsing a flow sequence (started at 1:4): "
        "expected ',' or ']', but got '<stream end>'",
        "%YAML 1.1\n---\n\ta: 1\n": "v.yaml:3:1: while scanning for the next token: found "
        "character '\\t' that cannot start any token",
        "a: \x07\n": "v.yaml:1:4: character 0x7 is not allowed in YAML",
        "%YAML 1.3\n---\nk: 1\n": "v.yaml: unsupported YAML (version minor part can only be 2 "
        "or 1, got (1, 3))",
    }
    for text, message in cases.items():
        with pytest.raises(InputError) as err:
            YamlFile.parse(text.encode(), "v.yaml")
        assert str(err.value) == message, text


def test_pre_commit_lint_imports_no_ruamel(helm_repo: Path) -> None:
    """The hook's whole run (`lint FILE` on a staged change) loads no ruamel module."""
    values = helm_repo / "envs/prod-values.yaml"
    values.write_text(values.read_text() + "# reviewed\n")
    git(helm_repo, "add", "envs/prod-values.yaml")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "litemaas_upgrade", "lint"]
        + ["envs/prod-values.yaml"],
        cwd=helm_repo,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 target" in proc.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()]
    assert "litemaas_upgrade.yamlio.reader" in imported
    assert not [m for m in imported if "ruamel" in m]
