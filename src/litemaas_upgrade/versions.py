"""Versions read from image tags, ordered the way the upgrade rule needs.

Lenient about decoration (`v` prefix, words such as `stable` or `custom`), strict about
numbers: a tag is either read unambiguously or not at all, never guessed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from .lazypattern import lazy
from .records import record

__all__ = ["Version", "version_from_tag"]

_RELEASE = lazy(r"[vV]?(\d+(?:\.\d+){0,3})(.*)", re.ASCII | re.DOTALL)
_TOKEN = lazy(r"[A-Za-z]+|[0-9]+", re.ASCII)

# Canonical pre-release names, lowest first; `pre`/`preview` rank as rc, as in PEP 440.
_PRE_RANK = {"dev": 0, "a": 1, "b": 2, "rc": 3}
_PRE_WORDS = {
    "dev": "dev",
    "alpha": "a",
    "a": "a",
    "beta": "b",
    "b": "b",
    "rc": "rc",
    "pre": "rc",
    "preview": "rc",
}
_POST_WORDS = {"patch", "post", "p", "hotfix"}


def _tokens(rest: str, text: str) -> list[str]:
    """Split what follows the release on `.`, `-`, `_` and letter/digit boundaries."""
    if not rest:
        return []
    # The first separator is optional so that canonical forms like `1.0rc2` parse back.
    if rest[:1] in (".", "-", "_"):
        rest = rest[1:]
    out: list[str] = []
    for chunk in re.split(r"[._-]", rest):
        found = _TOKEN.findall(chunk)
        if not chunk or "".join(found) != chunk:
            raise ValueError(f"not a version: {text!r} (unexpected {chunk!r})")
        out.extend(found)
    return out


@functools.total_ordering
@record(frozen=True, eq=False, slots=True)
class Version:
    """A release number with optional pre- and post-release; `text` is kept for messages
    and takes no part in comparison."""

    release: tuple[int, ...]
    pre: tuple[str, int] | None = None
    post: int | None = None
    text: str = ""

    def __post_init__(self) -> None:
        if not self.release or any(n < 0 for n in self.release):
            raise ValueError(f"invalid release {self.release!r}")
        if self.pre is not None and (self.pre[0] not in _PRE_RANK or self.pre[1] < 0):
            raise ValueError(f"invalid pre-release {self.pre!r}")
        if self.post is not None and self.post < 0:
            raise ValueError(f"invalid post-release {self.post!r}")

    @classmethod
    def parse(cls, text: str) -> Version:
        m = _RELEASE.fullmatch(text)
        if not m:
            raise ValueError(f"not a version: {text!r}")
        release = tuple(int(n) for n in m[1].split("."))
        pre: tuple[str, int] | None = None
        post: int | None = None
        # Which marker a following bare number belongs to, if any.
        pending: str | None = None
        for tok in _tokens(m[2], text):
            if tok.isdigit():
                if pending is None:
                    raise ValueError(f"not a version: {text!r} (stray number {tok!r})")
                if pending == "post":
                    post = int(tok)
                else:
                    pre = (pending, int(tok))
                pending = None
                continue
            word = tok.lower()
            if word in _PRE_WORDS:
                if pre is not None:
                    raise ValueError(f"not a version: {text!r} (two pre-release markers)")
                pending = _PRE_WORDS[word]
                pre = (pending, 0)  # a marker without a number means 0, as in PEP 440
            elif word in _POST_WORDS:
                if post is not None:
                    raise ValueError(f"not a version: {text!r} (two post-release markers)")
                pending = "post"
                post = 0
            else:
                pending = None  # other words (stable, custom, nightly) carry no order
        return cls(release, pre, post, text)

    def _key(self) -> tuple[tuple[int, ...], tuple[int, ...], int]:
        release = list(self.release)
        while len(release) > 1 and release[-1] == 0:
            release.pop()  # 1.81 == 1.81.0
        pre = (0, _PRE_RANK[self.pre[0]], self.pre[1]) if self.pre else (1,)
        return tuple(release), pre, -1 if self.post is None else self.post

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        out = ".".join(str(n) for n in self.release)
        if self.pre is not None:
            name, num = self.pre
            out += f"{'.' if name == 'dev' else ''}{name}{num}"
        if self.post is not None:
            out += f".post{self.post}"
        return out


@functools.lru_cache(maxsize=4096)
def _parse_version(text: str) -> Version:
    # Versions are immutable: the same text gives one shared instance.
    return Version.parse(text)


def version_from_tag(tag: str | None, patterns: Sequence[str | re.Pattern[str]]) -> Version | None:
    """The version in `tag` by the first pattern that fully matches it (its `version` group,
    else the whole match); None for floating tags that no pattern matches.

    A tag that matches a pattern but is not a version raises ValueError rather than being
    skipped: the rule claimed the tag, so silently reading nothing would hide a problem.
    """
    if tag is None:
        return None
    for pattern in patterns:
        m = re.fullmatch(pattern, tag)
        if m is None:
            continue
        regex = m.re
        text = m["version"] if "version" in regex.groupindex else m[0]
        if text is None:  # optional group that did not take part
            continue
        try:
            return _parse_version(text)
        except ValueError as exc:
            raise ValueError(
                f"tag {tag!r} matches version pattern {regex.pattern!r} but {exc}"
            ) from None
    return None
