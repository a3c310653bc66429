"""Bytes <-> text for YAML files, and offset -> line:col bookkeeping.

The text keeps the file's line endings untouched so that character offsets from the
parser can be used to splice the original text; only the BOM is set aside.
"""

from __future__ import annotations

import bisect
from itertools import accumulate

from litemaas_upgrade.errors import InputError

from ..lazypattern import lazy
from ..records import record

MAX_BYTES = 5 * 1024 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_CODEC = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
}
_BOM_OF = {enc: bom for bom, enc in _BOMS}

# The same line breaks ruamel's reader counts, so our line numbers agree with its marks.
_BREAK = lazy("\r\n|[\n\r\x85\u2028\u2029]")
_RARE_BREAK = lazy("[\r\x85\u2028\u2029]")


def _only_newlines(text: str) -> bool:
    """No line break but `\n`: the usual text, split with str methods. (Scanning with
    _BREAK tries a match at every character: several times slower, and a pre-commit run
    indexes every file it parses.)"""
    return "\r" not in text and (text.isascii() or _RARE_BREAK.search(text) is None)


def split_lines(text: str) -> list[str]:
    """The text's lines, split at every break ruamel counts (their ends not kept)."""
    return text.split("\n") if _only_newlines(text) else _BREAK.split(text)


class LineIndex:
    """Maps character offsets to 1-based (line, col)."""

    __slots__ = ("starts",)

    def __init__(self, text: str) -> None:
        if _only_newlines(text):
            starts = list(accumulate([len(line) + 1 for line in text.split("\n")], initial=0))
            starts.pop()  # (the end of the last line, which no break starts)
            self.starts = starts
        else:
            self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def locate(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1

    def line_start(self, offset: int) -> int:
        return self.starts[bisect.bisect_right(self.starts, offset) - 1]


@record(frozen=True)
class Decoded:
    text: str
    encoding: str
    newline: str


def decode(data: bytes, path: str) -> Decoded:
    if len(data) > MAX_BYTES:
        raise InputError(path, f"file is larger than the {MAX_BYTES // (1024 * 1024)} MiB limit")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise InputError(path, "UTF-32 encoded files are not supported")
    encoding, bom = "utf-8", b""
    for candidate, name in _BOMS:
        if data.startswith(candidate):
            encoding, bom = name, candidate
            break
    body = data[len(bom) :]
    if encoding.startswith("utf-8") and b"\x00" in body:
        if _utf16_without_bom(body[:64]):
            raise InputError(
                path, "looks like UTF-16 without a byte-order mark: save it as UTF-8 (or add a BOM)"
            )
        raise InputError(path, f"binary file (NUL byte at offset {body.index(0) + len(bom)})")
    try:
        text = body.decode(_CODEC[encoding])
    except UnicodeDecodeError as exc:
        # The prefix before the bad byte is valid by construction.
        good = body[: exc.start].decode(_CODEC[encoding], errors="replace")
        line, col = LineIndex(good).locate(len(good))
        raise InputError(path, f"invalid {_CODEC[encoding]} byte sequence", line, col) from None
    if "\x00" in text:
        raise InputError(path, "binary file (contains NUL characters)")
    return Decoded(text, encoding, detect_newline(text))


def _utf16_without_bom(head: bytes) -> bool:
    """Mostly-ASCII UTF-16: NUL in (nearly) every other byte, and only there."""
    even, odd = head[0::2], head[1::2]
    if len(head) < 8:
        return False
    for nuls, other in ((even, odd), (odd, even)):
        if nuls.count(0) * 4 >= len(nuls) * 3 and other.count(0) == 0:
            return True
    return False


def detect_newline(text: str) -> str:
    """The file's line ending, as the most lines have it: CRLF, LF, or a lone CR (old
    Mac files; YAML reads CR as a line break too): inserted lines end the same way."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    if cr > lf and cr > crlf:
        return "\r"
    return "\r\n" if crlf and crlf >= lf else "\n"


def encode(text: str, encoding: str) -> bytes:
    return _BOM_OF.get(encoding, b"") + text.encode(_CODEC[encoding])
