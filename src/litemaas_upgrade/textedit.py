"""Byte-exact edits of files that are not YAML (env files, inline patches): replace
the characters of a known span, after checking that they still read as expected."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import EditError
from .model import Change
from .yamlio.text import decode, encode


def apply_text_changes(data: bytes, path: str, changes: Sequence[Change]) -> bytes:
    """`changes` carry `span` (character offsets in the decoded text) and `old` (the
    characters expected there); spans must not overlap."""
    spans = sorted((c for c in changes if c.span is not None), key=lambda c: c.span or (0, 0))
    if not spans:
        return data
    decoded = decode(data, path)
    text = decoded.text
    out: list[str] = []
    pos = 0
    for change in spans:
        assert change.span is not None
        start, end = change.span
        if start < pos or end > len(text) or start > end:
            raise EditError(path, f"overlapping or invalid text edits at offset {start}")
        if change.old is not None and text[start:end] != change.old:
            raise EditError(
                path, f"expected {change.old!r} at offset {start}, found {text[start:end]!r}"
            )
        out.append(text[pos:start])
        out.append(change.value)
        pos = end
    out.append(text[pos:])
    return encode("".join(out), decoded.encoding)
