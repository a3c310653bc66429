"""The nouns of the tool: where an image is decided (Site), what a target deploys
(ComponentState, Target), how far along the upgrade it is (Stage), and what is wrong
with it (Finding)."""

from __future__ import annotations

import enum
import sys

from .imageref import ImageRef
from .records import field, record
from .versions import Version

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from .facts import Fact

    D = TypeVar("D", bound="TargetData")

YamlPath = tuple[str | int, ...]

# How a ComponentState.note begins when the image is written but cannot be read.
UNREADABLE = "cannot read the image"


def unknown_version_note(ref: ImageRef | None, tag: str | None) -> str:
    """Why no version can be read: said the same way by every manager."""
    if ref is not None and ref.digest and not tag:
        return "digest-only reference: the version cannot be known"
    if tag:
        return f"floating tag {tag!r}: the version cannot be known"
    return "no tag: the version cannot be known"


def format_path(path: YamlPath) -> str:
    """`backend.image.tag`, `spec.template.spec.containers[0].image`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return sys.intern(out)  # the same few paths are named by every target


@record(frozen=True, slots=True)
class Site:
    """One place in one file that decides (part of) a component's image."""

    file: str  # relative to the current directory, as shown to the user
    line: int  # 1-based; 0 when the place is implicit (no line to point at)
    col: int
    path: str  # YAML path, or a description such as "appVersion"
    decides: str  # "image", "tag", "repository", "registry", "digest", "newTag", "newName", ...
    note: str = ""  # "chart default", "appVersion fallback", "env file", ...

    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.col}" if self.line else self.file

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "path": self.path,
            "decides": self.decides,
        }
        if self.note:
            out["note"] = self.note
        return out


@record(slots=True)
class ComponentState:
    """The effective image a target deploys for one component, and where it comes from."""

    component: str
    image: ImageRef | None
    version: Version | None
    sites: list[Site] = field(default_factory=list)
    note: str = ""  # why the version is unknown, how the image was formed, ...
    # Versions of every container that runs this component (the primary's included) when
    # there are several: constraints are judged on the worst case, not the first one.
    versions: tuple[Version | None, ...] = ()

    def all_versions(self) -> tuple[Version | None, ...]:
        return self.versions or (self.version,)

    @property
    def tag(self) -> str | None:
        return self.image.tag if self.image else None

    def to_json(self) -> dict[str, Any]:
        return {
            "image": str(self.image) if self.image else None,
            "version": str(self.version) if self.version else None,
            "sites": [s.to_json() for s in self.sites],
            **({"note": self.note} if self.note else {}),
        }


class Stage(str):
    """before-upgrade, phase-N-done, upgraded, invalid, unknown, or NAME-only for a target
    without the backend (a string, since the phases and components come from the rules)."""

    BEFORE: Stage
    PHASE1: Stage
    UPGRADED: Stage
    INVALID: Stage
    UNKNOWN: Stage

    @classmethod
    def phase_done(cls, n: int) -> Stage:
        return cls(f"phase-{n}-done")

    @classmethod
    def only(cls, components: list[str]) -> Stage:
        """A target without the component the phases are ordered against (the backend):
        `litellm-only`."""
        return cls("+".join(components) + "-only")


Stage.BEFORE = Stage("before-upgrade")
Stage.PHASE1 = Stage.phase_done(1)
Stage.UPGRADED = Stage("upgraded")
Stage.INVALID = Stage("invalid")
Stage.UNKNOWN = Stage("unknown")


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value


@record(frozen=True, slots=True)
class ValueFix:
    """A fix a machine can apply: the YAML scalar a finding points at (its file, line and
    col) reads `old` and is to read the string `new` (`old == new`: the same characters,
    written so that YAML reads them as a string). `in_image`: the scalar is an image
    reference, and `old`/`new` are its tag. Consumers re-read the file and apply it only
    where that scalar still reads `old` (lint/formatters/rdjson.py)."""

    old: str
    new: str
    in_image: bool = False


@record(frozen=True, slots=True)
class Finding:
    """Something worth telling about a target, with a stable code and a fix."""

    code: str
    severity: Severity
    message: str
    file: str = ""
    line: int = 0
    col: int = 0
    target: str = ""
    fix: str = ""
    value_fix: ValueFix | None = None  # `fix` as an edit, when it is one scalar's new value

    def where(self) -> str:
        if not self.file:
            return self.target
        return f"{self.file}:{self.line}:{self.col}" if self.line else self.file

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "target": self.target,
            "message": self.message,
            "fix": self.fix,
        }


@record(frozen=True, slots=True)
class Change:
    """Set one scalar in one YAML document of one file (inserting the key if missing)."""

    file: str  # relative to the source root
    doc: int
    path: YamlPath
    value: str
    component: str = ""
    reason: str = ""
    # A text edit instead of a YAML scalar edit (files that are not YAML, such as env
    # files, or text inside a YAML string): replace the characters at `span` (offsets in
    # the decoded text), which must read `old`, with `value`. `path` is then ().
    span: tuple[int, int] | None = None
    old: str | None = None
    # A structural yamlio edit instead of the plain scalar one (yamlio.embedded: a scalar
    # inside a YAML document held in a block string, an appended list entry). `path` then
    # only names the place, for messages and for telling changes apart.
    edit: Any = None
    # Where the edit lands in the file it edits (the engine places every change it plans):
    # the scalar it replaces, the nearest existing parent of an inserted key, or the first
    # character of a text edit; 0 when the file or document does not exist. `was`: the
    # value it replaces, None for an insertion.
    line: int = 0
    col: int = 0
    was: str | None = None


class TargetData:
    """The base of what a manager keeps on each of its targets to plan edits (a Helm
    release's layers, a Kustomize build): each manager derives its own record from it."""

    __slots__ = ()


@record(slots=True)
class Target:
    """Something that is deployed as a unit: a Helm release (its override files), a
    Kustomize build root, an Argo CD Application or ApplicationSet source with a Helm
    chart, a Flux HelmRelease, a kustomization's `helmCharts:` entry, a compose file, a
    folder of plain manifests."""

    # A manager's kind: helm, kustomize, argocd, flux, kustomize-helm, compose, manifest.
    kind: str
    path: str  # relative to the current directory
    formed: str  # how the target was put together, in words
    components: dict[str, ComponentState] = field(default_factory=dict)
    # What the lint rules make of `facts` and `components` (engine.scan fills it:
    # lint.rules.findings_of); managers never write it.
    findings: list[Finding] = field(default_factory=list)
    stage: Stage = Stage.UNKNOWN
    data: TargetData | None = None  # what the target's manager needs to plan edits
    # What the manager observed that is worth telling (facts.py): the rules word it.
    facts: list[Fact] = field(default_factory=list)
    # Every file the target reads (relative to the source root), sites or not: `lint`
    # uses it to pick the targets a changed file affects. Managers fill it; when empty,
    # the sites' files and the target's own path stand in.
    files: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.path, self.kind)

    def data_as(self, kind: type[D]) -> D:
        """The manager's data, as the record its manager keeps (a wrong kind is a bug)."""
        data = self.data
        if not isinstance(data, kind):
            raise TypeError(f"{self.kind} target {self.path}: data is {type(data).__name__}")
        return data

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "formed": self.formed,
            "stage": str(self.stage),
            "components": {
                name: state.to_json() for name, state in sorted(self.components.items())
            },
            "findings": [f.to_json() for f in self.findings],
        }
