"""The implicit tag of a plain scalar under YAML 1.1 or 1.2, as ruamel.yaml resolves it.

ruamel's VersionedResolver is the reference (the fallback parser uses it, and the tests
compare the two on generated strings); this module exists so that reading YAML through
libyaml needs no ruamel import at all. Its rules, by the scalar's first character:

- empty: null; `~`, `null`, `Null`, `NULL`: null; `<<`: merge; `=`: value (and a lone
  `!`, `&` or `*`, which no plain scalar can be: yaml);
- `true`/`false` in three casings: bool, and in 1.1 also y/n, yes/no, on/off (same casings);
- a sign, a digit or `.`: float, then int, then (digit first) timestamp, by these rules:
  1.2 ints are decimal (`_` allowed anywhere), `0o` octal, `0x` hex, `0b` binary; 1.1
  reads a leading `0` as octal instead of `0o` and adds base 60 (`1:30`); floats have a
  `.` or an exponent, or are `.inf`/`.nan`, and in 1.1 may be base 60 (`1:30.5`);
- anything else: str.

Like Python's `re` with `$`, one line break at the very end is ignored when matching (the
first character still decides which rules apply).
"""

from __future__ import annotations

import re

PREFIX = "tag:yaml.org,2002:"
STR = PREFIX + "str"
SEQ = PREFIX + "seq"
MAP = PREFIX + "map"
NULL = PREFIX + "null"
BOOL = PREFIX + "bool"
INT = PREFIX + "int"
FLOAT = PREFIX + "float"
TIMESTAMP = PREFIX + "timestamp"
MERGE = PREFIX + "merge"
VALUE = PREFIX + "value"
YAML = PREFIX + "yaml"

# Whole-word rules (never the empty word: emptiness is decided on the raw value).
_COMMON = {
    **dict.fromkeys(("~", "null", "Null", "NULL"), NULL),
    "<<": MERGE,
    "=": VALUE,
    # Plain scalars cannot be these, but the resolver has the rule.
    **dict.fromkeys(("!", "&", "*"), YAML),
}
_BOOL_12 = ("true", "True", "TRUE", "false", "False", "FALSE")
_BOOL_11 = (
    *_BOOL_12,
    *("y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO"),
    *("on", "On", "ON", "off", "Off", "OFF"),
)
_WORDS = {
    (1, 2): {**_COMMON, **dict.fromkeys(_BOOL_12, BOOL)},
    (1, 1): {**_COMMON, **dict.fromkeys(_BOOL_11, BOOL)},
}

_NUMERIC_FIRST = frozenset("-+.0123456789")

_DIGITS = r"[0-9][0-9_]*"  # a decimal part: a digit, then digits and underscores
_EXP = r"[eE][-+]?[0-9]+"
_INF_NAN = r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
_BASE60 = r"(?::[0-5]?[0-9])"  # one more base-60 digit group
_SOURCES = {
    "float12": rf"[-+]?(?:{_DIGITS}(?:\.[0-9_]*(?:{_EXP})?|{_EXP})|\.[0-9_]+(?:[eE][-+][0-9]+)?)"
    rf"|{_INF_NAN}",
    # 1.1: no sign before a leading `.`; base 60 with a fraction part.
    "float11": rf"[-+]?{_DIGITS}(?:\.[0-9_]*(?:{_EXP})?|{_EXP}|{_BASE60}+\.[0-9_]*)"
    rf"|\.[0-9_]+(?:[eE][-+][0-9]+)?|{_INF_NAN}",
    "int12": r"[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9_]+)",
    # 1.1: `0` then octal digits, or decimal without a leading 0, possibly base 60.
    "int11": rf"[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0?[0-7_]+|[1-9][0-9_]*{_BASE60}*)",
    "timestamp": r"[0-9]{4}-(?:[0-9]{2}-[0-9]{2}"
    r"|[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)",
}
_COMPILED: dict[str, re.Pattern[str]] = {}


def _rule(name: str) -> re.Pattern[str]:
    """One of _SOURCES, compiled on first use (most runs need only one or two)."""
    rule = _COMPILED.get(name)
    if rule is None:
        rule = _COMPILED[name] = re.compile(_SOURCES[name])
    return rule


def plain_tag(value: str, version: tuple[int, int] = (1, 2)) -> str:
    """Tag of a plain (untagged, unquoted) scalar `value` under YAML `version`.

    `version` must be (1, 1) or (1, 2): ValueError otherwise.
    """
    words = _WORDS.get(version)
    if words is None:
        raise ValueError(f"no implicit tag rules for YAML {version}")
    if not value:
        return NULL
    body = value[:-1] if value[-1] == "\n" else value
    if value[0] not in _NUMERIC_FIRST:
        return words.get(body, STR) if body else STR
    v = "11" if version == (1, 1) else "12"
    # Each rule is tried only where it can match: every float has a `.` or an exponent;
    # every timestamp starts with a four-digit year and a `-`.
    if ("." in body or "e" in body or "E" in body) and _rule("float" + v).fullmatch(body):
        return FLOAT
    if _rule("int" + v).fullmatch(body):
        return INT
    if body[4:5] == "-" and _rule("timestamp").fullmatch(body):
        return TIMESTAMP
    return STR
