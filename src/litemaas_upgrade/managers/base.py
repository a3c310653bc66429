"""The shape every manager has (Renovate-style): extract targets, update them."""

from __future__ import annotations

import abc
import posixpath
from collections.abc import Callable

from ..model import Change, Target
from ..records import field, record
from ..rules import Phase, Rules
from ..source import Source

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ..share import Shared

# What a file holding a GitOps object contains (a cheap filter before parsing): an Argo CD
# or Flux object, or a kustomization with `helmCharts:`. The three GitOps managers search
# for all of it in the same files, so that one search of the repository (one `git grep`
# at a base) serves them all; lint starts that search early, before they are loaded.
GITOPS_MARKERS = (b"argoproj.io", b"fluxcd.io", b"helmCharts")
GITOPS_FILES = (".yaml", ".yml", "Kustomization")

# `plan --out`: the thin phase files (values files, overlays) a manager writes live in
# this folder of each phase, apart from the changed repository files, which keep their
# repository paths.
DEPLOY_DIR = "_deploy"


@record
class ScanOptions:
    """What the user said about how targets are formed."""

    charts: list[str] = field(default_factory=list)  # --chart, relative to the source root
    values: list[str] = field(default_factory=list)  # --values, in layering order
    config: dict | None = None  # the repository's .litemaas-upgrade.yaml, parsed
    # `plan --out`: relative to the source root (POSIX), or absolute when outside it;
    # thin overlays point back at the repository from there. None: the source root.
    out: str | None = None
    # Pre-commit lint: the files (relative to the source root, POSIX) that changed, or
    # were named. A manager then resolves only the targets whose inputs can include one
    # of them; None: every target (the default, and every command but scoped lint).
    only: frozenset[str] | None = None


@record
class ScanContext:
    source: Source
    rules: Rules
    options: ScanOptions = field(default_factory=ScanOptions)
    claimed: set[str] = field(default_factory=set)  # files a manager already reports
    # Scoped scans (options.only): a manager that skipped candidates leaves a check that
    # says, resolving lazily, whether a file would have been claimed by one of them.
    deferred: list[Callable[[str], bool]] = field(default_factory=list)
    # What a manager computes once per scan and reads again (the GitOps managers' declared
    # releases: claimed before any extracts, resolved when each extracts), by the
    # manager's kind. It lives and dies with the scan's context.
    memo: dict[str, Any] = field(default_factory=dict)

    def is_claimed(self, rel: str) -> bool:
        if rel in self.claimed:
            return True
        return any(check(rel) for check in self.deferred)

    def affects(self, files: set[str] | frozenset[str], folders: tuple[str, ...] = ()) -> bool:
        """Scoped scans: can a change of options.only reach a target reading `files` (or
        anything below `folders`)? Always True for a whole scan."""
        only = self.options.only
        if only is None:
            return True
        if only & set(files):
            return True
        return any(f == "" or any(c.startswith(f + "/") for c in only) for f in folders)


@record(frozen=True)
class PhaseStep:
    """What one phase does to one target: tags to move to, tags to write explicitly."""

    phase: Phase
    set: dict[str, str]
    pin: dict[str, str]
    # Components `set` also moves to another repository (the phase's `repos`), for the
    # targets whose image is not there yet: repository and tag are written together.
    repos: dict[str, str] = field(default_factory=dict)

    def tags(self) -> dict[str, str]:
        """Every tag the step writes: moves first, then pins, each in the rules' order."""
        return {**self.set, **self.pin}


class Manager(abc.ABC):
    """What every manager is: `kind`, `extract` (the targets of a source), `changes` and
    `phase_files` (how a target takes a phase), and the optional hooks below, whose
    defaults do nothing. The engine calls every hook of every manager; a manager
    overrides those it needs."""

    kind = ""

    def claim(self, ctx: ScanContext) -> set[str]:
        """Files this manager reports, claimed before any manager extracts (values files
        a GitOps object names belong to its release, not to a Helm target of their own)."""
        return set()

    @abc.abstractmethod
    def extract(self, ctx: ScanContext) -> list[Target]:
        """The targets this manager finds in the source."""

    def share(self, target: Target, shared: Shared) -> None:
        """Make the target's manager data hold shared values (share.py), once extracted."""
        return  # a hook: nothing to share by default

    @abc.abstractmethod
    def changes(self, ctx: ScanContext, target: Target, step: PhaseStep) -> list[Change]:
        """Edits of the repository's own files that make `target` take the step."""

    def phase_files(
        self, ctx: ScanContext, target: Target, step: PhaseStep, tags: dict[str, str]
    ) -> dict[str, str]:
        """Thin files (values files, overlays) that deploy the phase without editing the
        repository, by path relative to the phase folder; `tags` are all of the phase's
        effective tags for the target (cumulative). No files by default."""
        return {}

    def deploy_command(self, target: Target, phase_file: str | None) -> str:
        """The command an operator runs to deploy the target (with the phase file, if any)."""
        return ""

    def planned(self, target: Target) -> None:
        """Planning is done with the target: let go of what only planning reads (parsed
        layers, rendered resources). What it reports and deploys with stays."""
        return  # a hook: nothing held by default


def joined(folder: str, rel: str) -> str:
    """`rel`, as a file in `folder` names it (a resource, a value file), relative to the
    source root and normalised: "" for the root itself; it may lead out of the root."""
    path = posixpath.normpath(posixpath.join(folder, rel))
    return "" if path == "." else path


def norm(base: str, rel: str) -> str | None:
    """`rel` joined to folder `base`, normalised; None when it leaves the root."""
    path = joined(base, rel)
    if path == ".." or path.startswith("../") or path.startswith("/"):
        return None
    return path


def slug(path: str, empty: str) -> str:
    """A file name for a phase file made for the target at `path` (`empty`: for the root)."""
    return path.replace("/", "__").replace("..", "_").strip("._") or empty
