"""Equal values held once. A repository of thousands of targets repeats the same few
images, versions, sites (the chart default every release inherits), paths and file
names in every target, and `plan` holds several sets of targets (before and after a
phase) that are mostly equal to each other. A `Shared` table, one per run, hands out one
object for each distinct value; the targets a scan makes are passed through it as they
are made, and the copies are let go.

Only values that nothing changes once a scan has made them are shared: strings, the
frozen records (Site, ImageRef, HelmSpec), facts, and a phase's edits."""

from __future__ import annotations

from .model import Change, ComponentState, Site, Stage, Target

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any


class Shared:
    """One object per distinct value, for the targets of one run."""

    def __init__(self) -> None:
        self._text: dict[str, str] = {}
        self._sites: dict[Site, Site] = {}
        self._stages: dict[str, Stage] = {}
        self._other: dict[Any, Any] = {}
        self._changes: dict[Change, Change] = {}  # this phase's (forget_changes)

    def text(self, value: str) -> str:
        if type(value) is not str:  # a subclass (Stage) is not interchangeable with str
            return value
        return self._text.setdefault(value, value)

    def value(self, value: Any) -> Any:
        """A frozen, hashable record (ImageRef, HelmSpec): the first equal one."""
        if value is None:
            return None
        return self._other.setdefault((type(value), value), value)

    def site(self, site: Site) -> Site:
        found = self._sites.get(site)
        if found is None:
            t = self.text
            found = Site(
                t(site.file), site.line, site.col, t(site.path), t(site.decides), t(site.note)
            )
            self._sites[found] = found
        return found

    def state(self, state: ComponentState) -> ComponentState:
        """The state, holding shared parts (its sites, image and texts). States are not
        kept in a table of their own: a state names its target's own files, so few are
        equal across targets, and the table's keys cost more than the states they saved
        (bench/README.md, "Where the memory goes")."""
        state.component = self.text(state.component)
        state.image = self.value(state.image)
        state.sites = [self.site(s) for s in state.sites]
        state.note = self.text(state.note)
        return state

    def change(self, change: Change) -> Change:
        """The first equal edit of this phase (targets that share a file plan the same
        edit of it)."""
        try:
            found = self._changes.get(change)
        except TypeError:  # an edit with an unhashable part: kept as it is
            return change
        if found is None:
            t = self.text
            found = Change(
                t(change.file),
                change.doc,
                self.value(change.path),
                t(change.value),
                t(change.component),
                t(change.reason),
                change.span,
                change.old,
                change.edit,
                change.line,
                change.col,
                t(change.was) if change.was is not None else None,
            )
            self._changes[found] = found
        return found

    def forget_changes(self) -> None:
        """A phase's edits are all made: the next phase's are others (and its steps, which
        keep theirs, may be let go: plan --out)."""
        self._changes = {}

    def stage(self, stage: Stage) -> Stage:
        return self._stages.setdefault(str(stage), stage)

    def target(self, target: Target) -> None:
        """Share what the target holds (in place), as its manager returned it."""
        t = self.text
        target.path = t(target.path)
        target.formed = t(target.formed)
        target.files = [t(f) for f in target.files]
        for name, state in target.components.items():
            target.components[name] = self.state(state)
        if target.facts:
            # Facts are frozen records: `plan`'s three sets of targets repeat them.
            target.facts = [self._fact(f) for f in target.facts]

    def _fact(self, fact: Any) -> Any:
        try:
            return self._other.setdefault((type(fact), fact), fact)
        except TypeError:  # a fact holding a list (unhashable): kept as it is
            return fact
