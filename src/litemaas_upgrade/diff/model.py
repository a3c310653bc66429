"""A change set: the files that differ between two views of a repository, and what that
does to each target (images, versions, stages, a lint verdict, rendered resources)."""

from __future__ import annotations

import contextlib
from typing import Any

from ..model import ComponentState, Target
from ..records import field, record
from ..source import Source


@record
class FileChange:
    path: str  # relative to the source root (the path in `git apply` diffs)
    display: str  # relative to the current directory
    old: bytes | None
    new: bytes | None
    top: str = ""  # the source root's place in its git work tree: unified diffs start there
    # Its shown diffs by (context, show_secrets): a file that many targets read (a shared
    # base) appears in each one's section, and is diffed once.
    diffs: dict[tuple[int, bool], Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def status(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "deleted"
        return "modified"


@record
class ComponentChange:
    name: str
    before: ComponentState | None
    after: ComponentState | None

    @staticmethod
    def _image(state: ComponentState | None) -> str | None:
        return str(state.image) if state is not None and state.image is not None else None

    @staticmethod
    def _version(state: ComponentState | None) -> str | None:
        return str(state.version) if state is not None and state.version is not None else None

    @property
    def image_before(self) -> str | None:
        return self._image(self.before)

    @property
    def image_after(self) -> str | None:
        return self._image(self.after)

    @property
    def changed(self) -> bool:
        return (self.before is None) != (self.after is None) or (
            self.image_before != self.image_after
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "before": None
            if self.before is None
            else {"image": self.image_before, "version": self._version(self.before)},
            "after": None
            if self.after is None
            else {"image": self.image_after, "version": self._version(self.after)},
            "changed": self.changed,
        }


@record(frozen=True)
class Verdict:
    """The lint verdict on one target's change: codes with their severity and message."""

    findings: tuple[tuple[str, str, str], ...] = ()  # (code, severity, message)

    @property
    def ok(self) -> bool:
        return not self.findings

    def short(self) -> str:
        if self.ok:
            return "✅ ok"
        worst = "error" if any(s == "error" for _, s, _ in self.findings) else "warning"
        mark = "❌" if worst == "error" else "⚠️"
        return f"{mark} " + ", ".join(sorted({c for c, _, _ in self.findings}))

    def to_json(self) -> list[dict[str, str]]:
        return [{"code": c, "severity": s, "message": m} for c, s, m in self.findings]


@record
class TargetChange:
    kind: str
    path: str  # as shown (relative to the current directory)
    before: Target | None
    after: Target | None
    components: list[ComponentChange]
    files: list[FileChange]
    verdict: Verdict
    resources: list[Any] = field(default_factory=list)  # structured.ResourceChange
    rendered_note: str = ""  # why the target was not rendered
    rendered_count: tuple[int, int] = (0, 0)  # resources before, after

    @property
    def stage_before(self) -> str | None:
        return str(self.before.stage) if self.before is not None else None

    @property
    def stage_after(self) -> str | None:
        return str(self.after.stage) if self.after is not None else None

    def changed(self, rendered: bool) -> bool:
        if rendered and not self.rendered_note:
            return bool(self.resources)
        return bool(self.files) or any(c.changed for c in self.components)


@record
class ChangeSet:
    title: str  # "phase 1: …" or "REV → work tree"
    before_label: str
    after_label: str
    before: Source
    after: Source
    files: list[FileChange]
    targets: list[TargetChange]
    other_files: list[FileChange]  # changed files no target reads
    command: str  # the command line that shows everything, for "left out" notes
    notes: list[str] = field(default_factory=list)
    rendered: bool = False
    # Target path -> its installation's name, for installations across targets.
    installations: dict[str, str] = field(default_factory=dict)
    cleanup: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def changed(self) -> bool:
        if self.rendered:
            return any(t.changed(True) for t in self.targets) or any(
                t.rendered_note and t.changed(False) for t in self.targets
            )
        return bool(self.files)

    def close(self) -> None:
        self.cleanup.close()
        for src in (self.before, self.after):
            closer = getattr(src, "close", None) or getattr(
                getattr(src, "base", None), "close", None
            )
            if closer is not None:
                closer()
