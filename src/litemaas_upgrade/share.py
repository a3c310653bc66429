"""Equal values held once. A repository of thousands of targets repeats the same few
images, versions, sites (the chart default every release inherits), paths and file
names in every target, and `plan` holds three sets of targets (before, after each
phase) that are mostly equal to each other. A `Shared` table, one per run, hands out one
object for each distinct value; the targets a scan makes are passed through it as they
are made, and the copies are let go.

Only values that nothing changes once a scan has made them are shared: strings, the
frozen records (Site, ImageRef, HelmSpec) and the component states, which are complete
when their target is returned by its manager."""

from __future__ import annotations

from .model import Change, ComponentState, Site, Stage, Target
from .versions import Version

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any


def _version_key(v: Version | None) -> tuple[Any, ...] | None:
    # Versions compare without their text; a shared state must keep its own text.
    return None if v is None else (v.release, v.pre, v.post, v.text)


class Shared:
    """One object per distinct value, for the targets of one run."""

    def __init__(self) -> None:
        self._text: dict[str, str] = {}
        self._sites: dict[Site, Site] = {}
        self._states: dict[tuple[Any, ...], ComponentState] = {}
        self._stages: dict[str, Stage] = {}
        self._other: dict[Any, Any] = {}

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
        sites = tuple(self.site(s) for s in state.sites)
        key = (
            state.component,
            state.image,
            _version_key(state.version),
            sites,
            state.note,
            tuple(_version_key(v) for v in state.versions),
        )
        found = self._states.get(key)
        if found is None:
            found = state
            found.component = self.text(state.component)
            found.image = self.value(state.image)
            found.sites = list(sites)
            found.note = self.text(state.note)
            self._states[key] = found
        return found

    def change(self, change: Change) -> Change:
        """The first equal edit (targets that share a file plan the same edit of it)."""
        try:
            found = self._other.get((Change, change))
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
            self._other[(Change, found)] = found
        return found

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
