"""`--format unified`: git-style diffs of the changed files (they apply with `git apply`
unless a secret had to be hidden), or, with --rendered, of each changed resource."""

from __future__ import annotations

from ..output.unified import DiffText, file_diff_counted, text_diff
from ..records import field, record
from .model import ChangeSet, FileChange, TargetChange
from .secrets import line_masks
from .structured import ResourceChange, dump


@record
class Text:
    # The pieces, joined once when read: adding to one string copied all of it each
    # time (quadratic in the size of a diff of thousands of files).
    parts: list[str] = field(default_factory=list)
    masked: int = 0
    apply_context: int = 1 << 30

    @property
    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts[:] = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""

    def add(self, other: DiffText | Text | str) -> None:
        if isinstance(other, str):
            self.parts.append(other)
            return
        self.parts.append(other.text)
        self.masked += other.masked
        self.apply_context = min(self.apply_context, other.apply_context)


def source_diff(f: FileChange, context: int, show_secrets: bool) -> DiffText:
    key = (context, show_secrets)
    done: DiffText | None = f.diffs.get(key)
    if done is None:
        if show_secrets:
            done = file_diff_counted(f.top + f.path, f.old, f.new, context)
        else:
            done = file_diff_counted(
                f.top + f.path, f.old, f.new, context, line_masks(f.old, f.path),
                line_masks(f.new, f.path),
            )
        f.diffs[key] = done
    return done


def resource_diff(
    tc: TargetChange, rc: ResourceChange, context: int, show_secrets: bool
) -> DiffText:
    old = dump(rc.old) if rc.old is not None else ""
    new = dump(rc.new) if rc.new is not None else ""
    name = f"{tc.path}/{rc.identity.slug()}"
    a = f"a/{name}" if rc.old is not None else "/dev/null"
    b = f"b/{name}" if rc.new is not None else "/dev/null"
    if show_secrets:
        return text_diff(a, b, old, new, context)
    return text_diff(a, b, old, new, context, line_masks(old, "a.yaml"), line_masks(new, "b.yaml"))


def target_diff(
    cs: ChangeSet, tc: TargetChange, context: int, show_secrets: bool
) -> Text:
    """What one target's section shows: its rendered resources, or its changed files."""
    out = Text()
    if cs.rendered and not tc.rendered_note:
        for rc in tc.resources:
            out.add(f"# {rc.identity.label()}: {rc.change}\n")
            out.add(resource_diff(tc, rc, context, show_secrets))
        return out
    for f in tc.files:
        out.add(source_diff(f, context, show_secrets))
    return out


def unified(cs: ChangeSet, context: int, show_secrets: bool) -> Text:
    out = Text()
    if not cs.rendered:
        for f in cs.files:
            out.add(source_diff(f, context, show_secrets))
        return out
    shown: set[str] = set()
    for tc in cs.targets:
        if tc.rendered_note:
            files = [f for f in tc.files if f.path not in shown]
            shown.update(f.path for f in files)
            for f in files:
                out.add(source_diff(f, context, show_secrets))
            continue
        if not tc.resources:
            continue
        out.add(f"# {tc.path} ({tc.kind}): {len(tc.resources)} resource(s) changed\n")
        out.add(target_diff(cs, tc, context, show_secrets))
    return out
