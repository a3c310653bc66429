"""Build a change set: two views of the repository (a git revision and the work tree, or
the repository and its planned phase), the files that differ, and each target before and
after."""

from __future__ import annotations

import os
import posixpath
from typing import Any

from ..engine import ScanOptions, plan, scan, without_steps
from ..errors import UsageError
from ..model import Target
from ..output.unified import repository_prefix
from ..rules import Rules, phases_hint
from ..source import GitTree, Overlay, Source, WorkTree
from .model import ChangeSet, ComponentChange, FileChange, TargetChange, Verdict
from .verdict import verdict

# Files that decide what is deployed; other changed files (READMEs, scripts) are left out.
DEPLOY_SUFFIXES = (".yaml", ".yml", ".json", ".tpl", ".env", ".template", ".local", ".txt")


def deploy_file(rel: str) -> bool:
    name = posixpath.basename(rel)
    return name.endswith(DEPLOY_SUFFIXES) or name in (".helmignore", "Chart.lock")


def from_base(source: WorkTree, rules: Rules, options: ScanOptions, rev: str) -> ChangeSet:
    old = GitTree(source.root, rev)
    try:
        before = scan(old, rules, _copy(options)).targets
        after = scan(source, rules, _copy(options)).targets
        files = _changed_files(old, source)
    except BaseException:
        old.close()
        raise
    title = f"`{rev}` → work tree"
    return _changeset(title, old.label, source.label, old, source, files, before, after, rules,
                      f"--base {rev}")


def from_phase(source: WorkTree, rules: Rules, options: ScanOptions, phase: int) -> ChangeSet:
    if not 1 <= phase <= len(rules.phases):
        raise UsageError(
            f"--phase {phase}: the rules have phases 1 to {len(rules.phases)}"
            + phases_hint(rules)
        )
    # Planned up to the phase shown: what a later phase would do (and warn of) is its own
    # diff's; `plan` and `lint --plan` judge the whole path.
    result = plan(source, rules, options, without_steps, last=phase)
    changed: dict[str, bytes] = {}
    for done in result.phases[: phase - 1]:
        changed.update(done.after)
    before_src: Source = Overlay(source, changed) if changed else source
    before_targets = result.phases[phase - 2].targets_after if phase > 1 else result.targets
    chosen = result.phases[phase - 1]
    after_src = Overlay(source, {**changed, **chosen.after})
    top = repository_prefix(source.root)
    files = [
        FileChange(rel, source.display(rel), chosen.before.get(rel), chosen.after.get(rel), top)
        for rel in sorted(set(chosen.before) | set(chosen.after))
    ]
    step = chosen.phase
    before_label = "repository" if phase == 1 else f"phase {phase - 1} (planned)"
    title = f"phase {step.number}: {step.title}"
    if phase > 1:
        title += f" (on top of phase {phase - 1})"
    cs = _changeset(title, before_label, f"phase {phase} (planned)", before_src, after_src,
                    files, before_targets, chosen.targets_after, rules, f"--phase {phase}")
    for finding in result.findings:
        cs.notes.append(f"{finding.severity}: {finding.target}: {finding.message}")
    return cs


def _copy(options: ScanOptions) -> ScanOptions:
    # scan() fills in the config from the source it reads: each side reads its own.
    return ScanOptions(list(options.charts), list(options.values), options.config)


def _changed_files(old: Source, new: Source) -> list[FileChange]:
    out = []
    top = repository_prefix(new.root)
    old_files = {f for f in old.files() if deploy_file(f)}
    new_files = {f for f in new.files() if deploy_file(f)}
    for rel in sorted(old_files | new_files):
        a = old.read(rel) if rel in old_files else None
        b = new.read(rel) if rel in new_files else None
        if a != b:
            out.append(FileChange(rel, new.display(rel), a, b, top))
    return out


def _changeset(
    title: str,
    before_label: str,
    after_label: str,
    before_src: Source,
    after_src: Source,
    files: list[FileChange],
    before: list[Target],
    after: list[Target],
    rules: Rules,
    how: str,
) -> ChangeSet:
    old = {t.key: t for t in before}
    new = {t.key: t for t in after}
    targets = []
    claimed: set[str] = set()
    index = _FileIndex(files)
    for key in sorted(set(old) | set(new)):
        b, a = old.get(key), new.get(key)
        names = sorted(set(b.components if b else {}) | set(a.components if a else {}))
        comps = [
            ComponentChange(
                n, b.components.get(n) if b else None, a.components.get(n) if a else None
            )
            for n in names
        ]
        mine = [files[i] for i in sorted(index.read_by(b) | index.read_by(a))]
        claimed.update(f.path for f in mine)
        targets.append(
            TargetChange(key[1], key[0], b, a, comps, mine, verdict(b, a, rules))
        )
    other = [f for f in files if f.path not in claimed]
    cs = ChangeSet(title, before_label, after_label, before_src, after_src, files, targets,
                   other, how)
    _installations(cs, before, after, rules, after_src)
    return cs


def _installations(
    cs: ChangeSet, before: list[Target], after: list[Target], rules: Rules, src: Source
) -> None:
    """Which installation each target belongs to, and the installation rules' verdict."""
    from ..engine import load_config
    from ..installations.verdict import judged

    names, found = judged(before, after, rules, load_config(src))
    cs.installations = names
    for tc in cs.targets:
        extra = tuple((f.code, str(f.severity), f.message) for f in found.get(tc.path, []))
        if extra:
            tc.verdict = Verdict(tc.verdict.findings + extra)


class _FileIndex:
    """The changed files by path, as shown and relative to the root, and by each folder
    prefix of those paths: which files a target reads is then a few lookups per target,
    not a pass over every changed file (targets and changed files both grow with the
    repository)."""

    def __init__(self, files: list[FileChange]) -> None:
        self.count = len(files)
        self.shown: dict[str, list[int]] = {}
        self.rel: dict[str, list[int]] = {}
        self.shown_under: dict[str, list[int]] = {}
        self.rel_under: dict[str, list[int]] = {}
        for i, f in enumerate(files):
            self.shown.setdefault(f.display, []).append(i)
            self.rel.setdefault(f.path, []).append(i)
            for prefix in folder_prefixes(f.display):
                self.shown_under.setdefault(prefix, []).append(i)
            for prefix in folder_prefixes(f.path):
                self.rel_under.setdefault(prefix, []).append(i)

    def read_by(self, target: Target | None) -> set[int]:
        """The changed files the target reads (as far as the scan tells): the files at or
        below its path, its sites' files, its values layers' files, and the files below
        its chart (every file for a chart at the root) or, without a chart, below its
        build root."""
        if target is None:
            return set()
        out: set[int] = set()
        out.update(self.shown.get(target.path, ()))
        out.update(self.shown_under.get(target.path.rstrip("/") + "/", ()))
        for state in target.components.values():
            for site in state.sites:
                out.update(self.shown.get(site.file, ()))
        data: Any = target.data
        layers = getattr(data, "layers", None) or []
        for layer in layers:
            file = getattr(layer, "file", None)
            if isinstance(file, str):
                out.update(self.rel.get(file, ()))
        spec = getattr(data, "spec", None)
        chart = getattr(spec, "chart", None)
        if isinstance(chart, str):
            if chart == "":
                return set(range(self.count))
            out.update(self.rel_under.get(chart.rstrip("/") + "/", ()))
            return out
        root_path = getattr(data, "root", None) or getattr(data, "path", None)
        if isinstance(root_path, str) and root_path:
            out.update(self.rel_under.get(root_path.rstrip("/") + "/", ()))
        return out


def folder_prefixes(path: str) -> list[str]:
    """Every `p` ending in "/" with path.startswith(p): the path up to each slash."""
    return [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]


def root_relative(source: Source, shown: str) -> str:
    """The inverse of Source.display: a path as shown -> relative to the source root."""
    rel = os.path.relpath(os.path.join(os.getcwd(), shown), source.root)
    return "" if rel == "." else rel.replace(os.sep, "/")
