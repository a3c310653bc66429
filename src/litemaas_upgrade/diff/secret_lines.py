"""Secrets in text that is not parsed as YAML (Helm templates, manifests that do not parse,
env files, comments), found line by line: when in doubt, the line is hidden.

A line shows a secret when
- it is `key: value` / `KEY=value` / `export KEY=value` and the key says secret;
- it lies in the block under such a key (`credentials:` and the lines indented below it),
  or under `data:` / `stringData:` in a document that says `kind: Secret` anywhere (a
  `List`'s items, a template): the keys stay visible, the values are hidden;
- it is the `value:` after a `name:` that says secret (container `env`);
- it is the list item after a secret flag (`- --db-password` then `- VALUE`);
- it holds a URL password, a secret `KEY=value` word, `--flag VALUE` or `Bearer TOKEN`
  (see secret_text).
Comment lines are read as if uncommented: a commented-out secret is still one."""

from __future__ import annotations

import re
from collections.abc import Callable

from .secret_text import REDACTED, apply_spans, flag_name, secret_spans

IsSecret = Callable[[str], bool]


_KEY_VALUE = re.compile(
    r"[ \t]*(?:-[ \t]+)*(?:export[ \t]+)?(['\"]?)([A-Za-z_][\w.-]*)\1[ \t]*([:=])"
)


def _key_value(body: str) -> tuple[int, str, int] | None:
    """`[- ][export ]key: value` or `KEY=value`: where the key starts, the key, and where
    the value starts (after the separator and blanks). An anchored match: linear."""
    m = _KEY_VALUE.match(body)
    if m is None:
        return None
    i = m.end()
    if m.group(3) == ":" and i < len(body) and body[i] not in " \t":
        return None  # `a:b` is a plain scalar, not a key
    while i < len(body) and body[i] in " \t":
        i += 1
    return m.start(2), m.group(2), i


def _column(body: str) -> int:
    """The column where a line's content starts, past list dashes (`- - key` -> key)."""
    i, n = 0, len(body)
    while i < n and body[i] in " \t":
        i += 1
    while i + 1 < n and body[i] == "-" and body[i + 1] in " \t":
        i += 2
        while i < n and body[i] in " \t":
            i += 1
    return i


def _value_text(body: str, at: int) -> tuple[int, int]:
    """The value's span on its line, less a trailing comment."""
    end = len(body)
    hash_at = body.find(" #", at)
    if hash_at >= 0:
        end = hash_at
    while end > at and body[end - 1] in " \t":
        end -= 1
    return at, end


def _secret_documents(lines: list[str]) -> list[bool]:
    """For each line: is it in a document (between `---` lines) that says `kind: Secret`."""
    flags = [False] * len(lines)
    start = 0
    for i in range(len(lines) + 1):
        if i == len(lines) or lines[i].startswith("---"):
            is_secret = any(
                _is_kind_secret(lines[j]) for j in range(start, i)
            )
            for j in range(start, i):
                flags[j] = is_secret
            start = i + 1
    return flags


def _is_kind_secret(line: str) -> bool:
    body = line.strip().lstrip("- ").strip()
    if not body.startswith("kind"):
        return False
    rest = body[4:].lstrip()
    return rest.startswith(":") and rest[1:].strip().strip("'\"").startswith("Secret")


def line_rule_masks(
    text: str, is_secret: IsSecret, hides_block: IsSecret | None = None
) -> dict[int, str]:
    """For the lines of a text that show a secret: the line to print instead. `is_secret`
    judges a key with a value on its line; `hides_block` (default: the same) a key whose
    value is the block below it (`auth:` holding a mapping is judged by its own keys)."""
    hides_block = hides_block or is_secret
    lines = text.splitlines(keepends=True)
    in_secret_doc = _secret_documents(lines)
    masks: dict[int, str] = {}
    hide_col = -1  # lines below a secret block's key (deeper, or `- ` at its column)
    secret_name = False  # the last `name:` said secret: its `value:` is
    secret_flag = False  # the last list item was a secret flag: the next item is secret
    for i, line in enumerate(lines):
        body = line.rstrip("\r\n")
        eol = line[len(body) :]
        stripped = body.strip()
        if not stripped or stripped.startswith("{{"):
            continue  # blank lines and template actions neither open nor close a block
        comment = stripped.startswith("#")
        view = body.replace("#", " ", 1) if comment else body
        col = _column(view)
        if hide_col >= 0 and not comment:
            indent = len(view) - len(view.lstrip())
            if indent > hide_col or (indent == hide_col and stripped.startswith("- ")):
                masks[i] = _hide_child(body) + eol
                continue
            hide_col = -1
        new = view
        kv = _key_value(view)
        item = stripped[2:].strip() if stripped.startswith("- ") else None
        if kv is not None:
            start, key, at = kv
            a, b = _value_text(view, at)
            if view[:at].rstrip().endswith("="):
                b = len(view.rstrip())  # KEY=value: a `#` is part of the value
            value = view[a:b]
            block = value == "" or value[0] in "|>"
            if block and not comment and (
                hides_block(key) or (key in ("data", "stringData") and in_secret_doc[i])
            ):
                hide_col = col
            elif value and not block and (
                is_secret(key) or (key == "value" and secret_name)
            ):
                new = view[:a] + REDACTED + view[b:]
            if key == "name":
                secret_name = is_secret(value.strip("'\""))
            elif stripped.startswith("- "):
                secret_name = False
            secret_flag = False
        elif item is not None:
            if secret_flag and item:
                a = view.index(item)
                new = view[:a] + REDACTED
            flag = flag_name(item.strip("'\""))
            secret_flag = bool(flag and is_secret(flag))
        if new == view:
            new = apply_spans(view, secret_spans(view, is_secret))
        if new != view:
            if comment:  # put the `#` back where it was (masks start after it)
                h = body.index("#")
                new = new[:h] + "#" + new[h + 1 :]
            masks[i] = new + eol
    return masks


def _hide_child(body: str) -> str:
    """A line inside a hidden block: its key stays, its value goes."""
    kv = _key_value(body)
    if kv is not None:
        a, b = _value_text(body, kv[2])
        if b > a and body[a] not in "|>":
            return body[:a] + REDACTED + body[b:]
        return body
    col = _column(body)
    return body[:col] + REDACTED
