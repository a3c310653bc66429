r"""Secret parts of a string that is not secret as a whole, found in linear time.

No searching regular expression that can backtrack runs over the text: a pull request
controls it, and a pattern such as `scheme://user:(pass)@` retried at every position of a
long scalar is quadratic (4.5 MB took minutes). The scanners below use `str.find`, regular
expressions anchored at one position (`match`, whose backtracking is bounded by one pass),
and `\S+` runs, so each passes over the text a bounded number of times.

What is found:
- the password of a URL, `scheme://user:PASSWORD@host`, even when it holds `@`, `/` or
  `:` (the userinfo runs to the last `@` of the URL that is not a digest's);
- `KEY=VALUE` whose key says secret (compose `environment`, kustomize `literals`,
  `--master-key=VALUE`), as the whole string or as one word of a command line;
- `--db-password VALUE`: a secret flag and the word after it;
- `Bearer TOKEN` / `Basic CREDENTIALS` (an `Authorization` header's value);
- `password: VALUE` inside a sentence or a one-line string."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

REDACTED = "<redacted>"

_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_URL_REST = re.compile(r"[^\s\"'`<>]*")
_ASSIGN = re.compile(r"[ \t]*['\"]?-{0,2}([A-Za-z_][\w.+-]*)=")
_RUN = re.compile(r"\S+")
_MAX_SCHEME = 32  # longer "schemes" are not looked back for (real ones are short)
_PUNCT = "\"'`,;()[]{}"
_DIGEST_PREFIXES = ("sha256:", "sha384:", "sha512:")
_AUTH_SCHEMES = ("bearer", "basic")

Span = tuple[int, int]


def url_password_spans(text: str) -> list[Span]:
    """Spans of URL passwords. Each `://` starts a URL that ends at a space or a quote, or
    where the next URL's scheme starts; every character is looked at a bounded number of
    times."""
    out: list[Span] = []
    marks = _all(text, "://")
    for n, mark in enumerate(marks):
        start = mark
        while start > max(mark - _MAX_SCHEME, 0) and text[start - 1] in _SCHEME_CHARS:
            start -= 1
        if start == mark or not text[start].isalpha():
            continue
        limit = len(text)
        if n + 1 < len(marks):
            limit = marks[n + 1]
            floor = max(mark, limit - _MAX_SCHEME)
            while limit > floor and text[limit - 1] in _SCHEME_CHARS:
                limit -= 1
        run = _URL_REST.match(text, mark + 3, max(limit, mark + 3))
        end = run.end() if run else mark + 3
        auth_start = mark + 3
        at = _last_userinfo_at(text, auth_start, end)
        if at < 0:
            continue
        colon = text.find(":", auth_start, at)
        if colon < 0 or "/" in text[auth_start:colon] or colon + 1 == at:
            continue
        out.append((colon + 1, at))
    return out


def _last_userinfo_at(text: str, start: int, end: int) -> int:
    """The last `@` in text[start:end] that does not start an image digest (`@sha256:`)."""
    at = text.rfind("@", start, end)
    while at >= 0 and text.startswith(_DIGEST_PREFIXES, at + 1):
        at = text.rfind("@", start, at)
    return at


def _all(text: str, needle: str) -> list[int]:
    out = []
    i = text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + len(needle))
    return out


def assignment(text: str) -> tuple[int, int, int] | None:
    """`[--]KEY=VALUE` as the whole string (quotes and spaces around allowed): the key's
    start and end, and where the value starts; the value ends at the end of the string
    less a closing quote and trailing spaces (see `value_end`)."""
    m = _ASSIGN.match(text)
    return (m.start(1), m.end(1), m.end()) if m else None


def value_end(text: str, start: int) -> int:
    end = len(text)
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    if end > start and text[end - 1] in "'\"":
        end -= 1
    return end


def flag_name(word: str) -> str | None:
    """`--db-password` -> `db-password`; None when the word is not a flag without `=`."""
    if not word.startswith("-") or "=" in word:
        return None
    name = word.lstrip("-")
    return name if name and len(word) - len(name) <= 2 else None


def secret_spans(text: str, is_secret_key: Callable[[str], bool]) -> list[Span]:
    """Every secret part of `text` (a file's line and its YAML scalar are often the same
    text, looked at for each side and each format: the answer is remembered)."""
    return list(_cached_spans(text, is_secret_key))


@functools.lru_cache(maxsize=32)  # (it holds its texts: a few, however large)
def _cached_spans(text: str, is_secret_key: Callable[[str], bool]) -> tuple[Span, ...]:
    return tuple(_secret_spans(text, is_secret_key))


def _secret_spans(text: str, is_secret_key: Callable[[str], bool]) -> list[Span]:
    """Every secret part of `text`. Only words that hold `=` or `-`, or are `Bearer` /
    `Basic`, are looked at in Python; the regular expressions start only where a word
    starts (the lookbehind fails at once elsewhere), so each word is read once."""
    spans = url_password_spans(text)
    whole = assignment(text)
    if whole and is_secret_key(text[whole[0] : whole[1]]):
        end = value_end(text, whole[2])
        if end > whole[2]:
            spans.append((whole[2], end))
        return spans
    for m in _CANDIDATE.finditer(text):
        run = _RUN.match(text, m.start())
        if run is None:
            continue
        a, b = _trim(text, run.start(), run.end())
        word = text[a:b]
        if m.group("auth") is not None:
            if word.lower() in _AUTH_SCHEMES:
                spans.extend(_next_word(text, run.end()))
            continue
        eq = word.find("=")
        if eq > 0:
            key = word[:eq].lstrip("-")
            if key and b > a + eq + 1 and is_secret_key(key):
                spans.append((a + eq + 1, b))
            continue
        flag = flag_name(word)
        if flag and is_secret_key(flag):
            spans.extend(_next_word(text, run.end()))
        elif word.endswith(":") and is_secret_key(word[:-1]):  # prose: `password: VALUE`
            after = _next_word(text, run.end())
            if after and text[after[0][0] : after[0][1]].lower() not in _AUTH_SCHEMES:
                spans.extend(after)  # (`Authorization: Bearer T`: the scheme's rule)
    return spans


_CANDIDATE = re.compile(
    r"(?<!\S)(?:[^\s=:-]*[=:-]|(?P<auth>[\"'(\[]?(?i:bearer|basic)(?![^\s\"',)\]])))"
)


def _trim(text: str, a: int, b: int) -> Span:
    while a < b and text[a] in _PUNCT:
        a += 1
    while b > a and text[b - 1] in _PUNCT:
        b -= 1
    return a, b


def _next_word(text: str, pos: int) -> list[Span]:
    run = _RUN.search(text, pos)
    if run is None:
        return []
    a, b = _trim(text, run.start(), run.end())
    return [(a, b)] if b > a else []


def apply_spans(text: str, spans: list[Span]) -> str:
    """`text` with each span (merged where they overlap) replaced by REDACTED."""
    if not spans:
        return text
    out = []
    prev = 0
    for a, b in merge(spans):
        out.append(text[prev:a])
        out.append(REDACTED)
        prev = b
    out.append(text[prev:])
    return "".join(out)


def merge(spans: list[Span]) -> list[Span]:
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]
