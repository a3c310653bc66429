"""What Kustomize calls things, without the builder: the kustomization file names, how an
image string splits, and what a remote resource looks like (the pre-commit scope needs
these, and need not load the builder when no build root is affected)."""

from __future__ import annotations

import posixpath

from ...source import Source

KFILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
KTEMPLATE = "kustomization.yaml.template"  # upstream LiteMaaS: preparation.sh makes KFILES[0]


def split(image: str) -> tuple[str, str, str]:
    """kustomize's image.Split: (name, tag, digest); a port in the first component is
    not a tag."""
    slash = image.find("/")
    offset = slash if slash > 0 else 0
    search = image[offset:]
    at, colon = search.find("@"), search.find(":")
    if colon < 0 and at < 0:
        return image, "", ""
    if at >= 0 and (at < colon or colon < 0):
        return image[: offset + at], "", image[offset + at + 1 :]
    if at >= 0 and colon >= 0:
        return (
            image[: offset + colon],
            image[offset + colon + 1 : offset + at],
            image[offset + at + 1 :],
        )
    return image[: offset + colon], image[offset + colon + 1 :], ""


def kustomization_file(src: Source, folder: str) -> str | None:
    for name in KFILES:
        rel = posixpath.join(folder, name) if folder else name
        if src.exists(rel):
            return rel
    return None


def is_remote(entry: str) -> bool:
    if "://" in entry or entry.startswith("git@") or "?ref=" in entry or "?version=" in entry:
        return True
    first = entry.split("/", 1)[0]
    return first in ("github.com", "gitlab.com", "bitbucket.org") or (
        "." in first.strip(".")
        and "/" in entry
        and not first.startswith(".")
        and first.endswith((".com", ".org", ".io", ".net"))
    )
