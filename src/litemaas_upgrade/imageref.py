"""Container image references, parsed by the Docker reference grammar.

`[registry[:port]/]path[:tag][@digest]`, kept exactly as written: no `docker.io/library/`
normalisation, because kustomize `images:` entries match the name as written.
"""

from __future__ import annotations

import fnmatch
import functools
import re

from . import records
from .lazypattern import lazy
from .records import record

__all__ = ["ImageRef", "ImageRefError", "matches_pattern"]

# re.ASCII everywhere: Go's \w and character classes are ASCII, Python's are Unicode.
_PATH_COMPONENT = lazy(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*", re.ASCII)
_DOMAIN_COMPONENT = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_REGISTRY = lazy(
    rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?",
    re.ASCII,
)
_TAG = lazy(r"[\w][\w.-]{0,127}", re.ASCII)
# The Go source writes the separator class as [+.-_], which is accidentally a range;
# the intended set is spelled out here.
_DIGEST = lazy(
    r"[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}",
    re.ASCII,
)
# Registered algorithms have a fixed lowercase encoding (OCI image spec).
_DIGEST_HEX_LEN = {"sha256": 64, "sha384": 96, "sha512": 128}
_NAME_MAX = 255  # docker's NameTotalLengthMax
_WHITESPACE = lazy(r"\s")


class ImageRefError(ValueError):
    """Text that is not a valid image reference."""


def _is_registry(component: str) -> bool:
    # docker's splitDockerDomain rule: only these look like a host rather than a path.
    return "." in component or ":" in component or component == "localhost"


def _check_registry(registry: str) -> None:
    if not _is_registry(registry):
        raise ImageRefError(
            f"registry {registry!r} must contain '.' or ':' or be 'localhost',"
            " or it would be read back as a path component"
        )
    if not _REGISTRY.fullmatch(registry):
        raise ImageRefError(f"invalid registry {registry!r}")


def _check_path(path: str) -> None:
    if not path:
        raise ImageRefError("empty repository path")
    if path.startswith("/") or path.endswith("/"):
        raise ImageRefError(f"repository path {path!r} must not start or end with '/'")
    for component in path.split("/"):
        if not component:
            raise ImageRefError(f"repository path {path!r} has an empty component ('//')")
        if not _PATH_COMPONENT.fullmatch(component):
            if component != component.lower():
                raise ImageRefError(f"repository path {path!r} must be lowercase")
            raise ImageRefError(
                f"invalid path component {component!r}: lowercase letters and digits,"
                " separated by '.', '_', '__' or dashes"
            )


def _check_tag(tag: str) -> None:
    if not tag:
        raise ImageRefError("empty tag after ':'")
    if not _TAG.fullmatch(tag):
        raise ImageRefError(
            f"invalid tag {tag!r}: up to 128 of letters, digits, '_', '.', '-',"
            " not starting with '.' or '-'"
        )


def _check_digest(digest: str) -> None:
    if not digest:
        raise ImageRefError("empty digest after '@'")
    algo, _, encoded = digest.partition(":")
    want = _DIGEST_HEX_LEN.get(algo)
    if want is not None:
        if not re.fullmatch(f"[0-9a-f]{{{want}}}", encoded, re.ASCII):
            raise ImageRefError(
                f"invalid digest {digest!r}: {algo} needs {want} lowercase hex digits"
            )
    elif not _DIGEST.fullmatch(digest):
        raise ImageRefError(f"invalid digest {digest!r}: expected algorithm:hex")


@functools.lru_cache(maxsize=4096)
def _parse_ref(text: str) -> ImageRef:
    return ImageRef._parse(text)


def _split_name(name: str) -> tuple[str | None, str]:
    first, sep, rest = name.partition("/")
    if sep and _is_registry(first):
        return first, rest
    return None, name


@record(frozen=True, slots=True)
class ImageRef:
    """An image reference as written; every instance is valid and `str()` round-trips."""

    registry: str | None
    path: str
    tag: str | None = None
    digest: str | None = None

    def __post_init__(self) -> None:
        if self.registry is not None:
            _check_registry(self.registry)
        _check_path(self.path)
        if self.registry is None and _split_name(self.path)[0] is not None:
            # Printed without a registry, the first component would be read as one.
            raise ImageRefError(
                f"repository path {self.path!r} starts with a registry-like component"
            )
        if len(self.name) > _NAME_MAX:
            raise ImageRefError(f"image name is longer than {_NAME_MAX} characters")
        if self.tag is not None:
            _check_tag(self.tag)
        if self.digest is not None:
            _check_digest(self.digest)

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        # Instances are immutable: the same text gives one shared instance (a repository
        # writes the same few images in thousands of places).
        return _parse_ref(text)

    @classmethod
    def _parse(cls, text: str) -> ImageRef:
        if not text:
            raise ImageRefError("empty image reference")
        if "$" in text:
            raise ImageRefError(
                f"image reference {text!r} contains an unresolved variable"
                " (was the template rendered, e.g. by envsubst?)"
            )
        if _WHITESPACE.search(text):
            raise ImageRefError(f"image reference {text!r} contains whitespace")
        rest, at, digest = text.partition("@")
        if rest.startswith("/") or rest.endswith("/"):
            raise ImageRefError(f"image name in {text!r} must not start or end with '/'")
        # A tag's ':' comes after the last '/'; an earlier one is a registry port.
        colon = rest.rfind(":")
        tag: str | None = None
        if colon > rest.rfind("/"):
            rest, tag = rest[:colon], rest[colon + 1 :]
        registry, path = _split_name(rest)
        try:
            return cls(registry, path, tag, digest if at else None)
        except ImageRefError as exc:
            raise ImageRefError(f"invalid image reference {text!r}: {exc}") from None

    @property
    def name(self) -> str:
        """`registry/path` as written, without tag or digest."""
        return f"{self.registry}/{self.path}" if self.registry else self.path

    @property
    def basename(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def with_tag(self, tag: str | None) -> ImageRef:
        return records.replace(self, tag=tag)

    def with_digest(self, digest: str | None) -> ImageRef:
        return records.replace(self, digest=digest)

    def with_name(self, name: str) -> ImageRef:
        """Replace registry and path from `reg/path` (or a bare path), keeping tag and digest."""
        if not name or "@" in name or ":" in name.rpartition("/")[2]:
            raise ImageRefError(f"expected an image name without tag or digest, got {name!r}")
        new = ImageRef.parse(name)
        return records.replace(self, registry=new.registry, path=new.path)

    def __str__(self) -> str:
        out = self.name
        if self.tag is not None:
            out += f":{self.tag}"
        if self.digest is not None:
            out += f"@{self.digest}"
        return out


def _match_segments(pattern: list[str], target: list[str]) -> bool:
    # reachable[j]: the pattern prefix consumed so far can end just before target[j].
    reachable = [True] + [False] * len(target)
    for seg in pattern:
        nxt = [False] * (len(target) + 1)
        if seg == "**":
            seen = False
            for j in range(len(target) + 1):
                seen = seen or reachable[j]
                nxt[j] = seen
        else:
            for j in range(len(target)):
                if reachable[j] and fnmatch.fnmatchcase(target[j], seg):
                    nxt[j + 1] = True
        reachable = nxt
    return reachable[-1]


def matches_pattern(ref: ImageRef, pattern: str) -> bool:
    """Glob over `/`-separated segments (`**` any number of segments, `*` within one),
    tried against both the path and the full name, so a rule need not know the registry."""
    parts = pattern.split("/")
    return _match_segments(parts, ref.path.split("/")) or _match_segments(
        parts, ref.name.split("/")
    )
