"""`KEY=value` files (envsubst inputs such as upstream's `user-values.env` for Kustomize,
a compose file's `.env` and `env_file:`): read the values with their exact positions, and
compute byte-exact edits of one value.

Only what shells and docker-compose agree on is understood: `KEY=value`, optional
`export `, optional single or double quotes around the value, `#` comments. An edit
replaces the characters of the value only; quotes, comments and line endings stay.
"""

from __future__ import annotations

import re

from .lazypattern import lazy
from .records import record
from .yamlio.text import LineIndex, decode

_LINE = lazy(
    r"^(?P<lead>[ \t]*(?:export[ \t]+)?)(?P<key>[A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*"
    r"(?:'(?P<sq>[^'\r\n]*)'|\"(?P<dq>[^\"\r\n]*)\"|(?P<plain>[^\r\n#]*?))"
    r"[ \t]*(?:#[^\r\n]*)?\r?$",
    re.MULTILINE,
)


@record(frozen=True)
class EnvValue:
    key: str
    value: str
    start: int  # character span of the value (inside any quotes) in the decoded text
    end: int
    line: int
    col: int
    quote: str  # "", "'" or '"'


def parse_env(data: bytes, path: str) -> dict[str, EnvValue]:
    """Every `KEY=value` line; a later line wins, as when the file is sourced."""
    text = decode(data, path).text
    index = LineIndex(text)
    out: dict[str, EnvValue] = {}
    for m in _LINE.finditer(text):
        group = (
            "sq" if m.group("sq") is not None else "dq" if m.group("dq") is not None else "plain"
        )
        start, end = m.span(group)
        line, col = index.locate(start)
        quote = {"sq": "'", "dq": '"', "plain": ""}[group]
        out[m.group("key")] = EnvValue(m.group("key"), m.group(group), start, end, line, col, quote)
    return out


def can_hold(value: str, quote: str) -> bool:
    """Whether `value` can be written between the existing quotes unchanged in meaning."""
    if any(c in value for c in "\r\n"):
        return False
    if quote == "'":
        return "'" not in value
    if quote == '"':
        return not any(c in value for c in '"\\$`')
    return not any(c in value for c in " \t#'\"\\$`;&|<>()")
