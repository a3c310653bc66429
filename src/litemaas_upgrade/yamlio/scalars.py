"""Writing string scalars so they read back as exactly that string: in a user's file
(an edit, a new key: the file's own look is kept) and in a file the tool writes whole."""

from __future__ import annotations

import re

from .implicit import STR, plain_tag

# Helm reads values the YAML 1.1 way (sigs.k8s.io/yaml), ruamel the 1.2 way: a plain
# scalar must be a string under both (`yes`, `0755`, `0.20`, `1e3` are not).
_VERSIONS = ((1, 1), (1, 2))

_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_INDICATORS = set(",[]{}")
# What a file the tool writes leaves plain: a word of name characters (image names,
# digests), not starting with an indicator or a dot.
_WORD = re.compile(r"[A-Za-z0-9_/][A-Za-z0-9_./:@-]*")


def _resolves_to_str(value: str) -> bool:
    return all(plain_tag(value, version) == STR for version in _VERSIONS)


def plain_ok(value: str, flow: bool) -> bool:
    """True when `value` written plain reads back as the same string."""
    if not value or value != value.strip(" \t") or not value.isprintable():
        return False
    if value.startswith(("---", "...")):
        return False
    first = value[0]
    if first in _INDICATORS:
        # `-x`, `?x`, `:x` are plain scalars; the bare indicators are not.
        if first not in "-?:" or len(value) == 1 or value[1] in " \t":
            return False
    if ": " in value or " #" in value or value.endswith(":"):
        return False
    if flow and (":" in value or any(ch in _FLOW_INDICATORS for ch in value)):
        return False
    return _resolves_to_str(value)


def double_quoted(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == " " or ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
    out.append('"')
    return "".join(out)


def single_quoted(value: str) -> str | None:
    """Single-quoted form, or None when it cannot hold `value` on one line."""
    if not value.isprintable():
        return None
    return "'" + value.replace("'", "''") + "'"


def plain_or_double(value: str, flow: bool) -> str:
    return value if plain_ok(value, flow) else double_quoted(value)


def inserted(value: str, flow: bool) -> str:
    """A value for a newly inserted key. Version-like values are quoted even when plain
    would read back as a string, as charts write tags: a later hand edit of `"0.2.0"`
    to `"0.20"` then stays a string."""
    if value[:1].isdigit():
        return double_quoted(value)
    return plain_or_double(value, flow)


def generated(value: str, quoted: bool = False) -> str:
    """A string in a file the tool writes whole (a phase's Kustomize overlay or Helm
    values file): plain only when it is a simple word that reads back as a string, else
    double-quoted; `quoted`: always double-quoted (tags, as charts write them)."""
    if quoted or not _WORD.fullmatch(value) or not _resolves_to_str(value):
        return double_quoted(value)
    return value
