"""Which kustomizations are deployed, beyond those nothing else uses; and which uses
kustomize refuses.

A kustomization that another one builds on (dev on top of prod) is still deployed when:

- the repository says so: `.litemaas-upgrade.yaml` lists it under `kustomize: roots:`;
- an Argo CD Application (`spec.source.path`, `spec.sources[].path`) or a Flux
  Kustomization (`spec.path`) in the repository names its folder;
- by convention, its folder is under `overlays/`, `envs/`, `environments/` or `clusters/`
  (and is not itself a `base`).

kustomize refuses to load a folder that contains a root it is already building ("cycle
detected: candidate root ... contains visited root ..."): an overlay inside its own base.
Such a use is not a use: the base is a build root of its own, and the overlay's build is
its error.
"""

from __future__ import annotations

import posixpath

from ...errors import InputError
from ...source import Source
from ..base import GITOPS_FILES, GITOPS_MARKERS

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

CONVENTION = frozenset({"overlays", "envs", "environments", "clusters"})
NOT_DEPLOYED = frozenset({"base", "bases", "common", "shared", "components"})


def contains(candidate: str, visited: str) -> bool:
    """kustomize's cycle test: the candidate folder is the visited root or above it."""
    return candidate == "" or visited == candidate or visited.startswith(candidate + "/")


def refused_by(candidate: str, chain: tuple[str, ...]) -> str | None:
    """The visited root a folder resource would contain (kustomize refuses it), if any."""
    for visited in reversed(chain):
        if contains(candidate, visited):
            return visited
    return None


def by_convention(folder: str) -> bool:
    parts = folder.split("/")
    return parts[-1] not in NOT_DEPLOYED and any(p in CONVENTION for p in parts[:-1])


def declared_roots(config: dict[str, Any] | None, folders: dict[str, str]) -> set[str]:
    """`kustomize: {roots: [folder, ...]}` of `.litemaas-upgrade.yaml` (its shape was
    checked when it was read: config_check.check_config)."""
    from ...config_check import CONFIG_FILE, OUTSIDE, config_fail, outside

    section = (config or {}).get("kustomize") or {}
    out: set[str] = set()
    for i, item in enumerate(section.get("roots") or []):
        if outside(item):
            config_fail(config, ("kustomize", "roots", i), f"{item}: {OUTSIDE}", CONFIG_FILE)
        rel = posixpath.normpath(item.strip("/"))
        rel = "" if rel == "." else rel
        if rel not in folders:
            at = ("kustomize", "roots", i)
            config_fail(config, at, f"{item}: no kustomization there", CONFIG_FILE)
        out.add(rel)
    return out


def gitops_paths(src: Source) -> set[str]:
    """Folders that an Argo CD Application or a Flux Kustomization deploys."""
    out: set[str] = set()
    # (the GitOps managers' search: the same answer, searched once)
    for rel in src.containing(GITOPS_MARKERS, GITOPS_FILES):
        try:
            datas = [doc.data for doc in src.yaml(rel).documents]
        except InputError:
            continue  # not this module's to report: the GitOps managers read these
        for data in datas:
            if not isinstance(data, dict) or not isinstance(data.get("spec"), dict):
                continue
            spec, kind = data["spec"], data.get("kind")
            api = str(data.get("apiVersion", ""))
            paths: list[Any] = []
            if kind == "Application" and api.startswith("argoproj.io/"):
                sources = [spec.get("source"), *(spec.get("sources") or [])]
                paths = [s.get("path") for s in sources if isinstance(s, dict)]
            elif kind == "Kustomization" and api.startswith("kustomize.toolkit.fluxcd.io/"):
                paths = [spec.get("path")]
            for path in paths:
                if isinstance(path, str) and path.strip():
                    norm = posixpath.normpath(path.strip().strip("/"))
                    out.add("" if norm == "." else norm)
    return out


def deployed(
    src: Source, folders: dict[str, str], used: set[str], config: dict[str, Any] | None
) -> set[str]:
    """Of the kustomization folders that others use, those that are deployed too."""
    declared = declared_roots(config, folders)
    candidates = {f for f in used if f in folders}
    if not candidates:
        return declared
    found = declared | {f for f in candidates if by_convention(f)}
    if candidates - found:
        found |= candidates & gitops_paths(src)
    return found
