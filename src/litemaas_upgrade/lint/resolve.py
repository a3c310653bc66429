"""Build the lint checks from a repository: each target now (the work tree) and at the
base revision (read from git without touching the work tree), matched by (path, kind)."""

from __future__ import annotations

import os
from pathlib import Path

from ..engine import CONFIG_FILE, scan
from ..errors import InputError, UpgradeError, UsageError
from ..facts import Cause, Notice, Unreadable
from ..gitutil import GitError, Pending, toplevel, toplevel_and_commit
from ..installations import CALLER, self_contained
from ..managers import all_managers
from ..managers.base import GITOPS_FILES, GITOPS_MARKERS, ScanOptions
from ..model import Severity, Target
from ..records import field, record
from ..rules import Rules
from ..source import GitTree, Source, WorkTree, below_root, shown
from .context import Check, LintContext

PRE_COMMIT_BASE = "HEAD"


@record
class Selection:
    """What the PATH arguments name: the root to read, and (for files, as pre-commit
    passes them) the files and folders whose targets are linted."""

    root: Path
    files: set[Path] = field(default_factory=set)  # absolute
    folders: list[Path] = field(default_factory=list)  # absolute
    file_mode: bool = False
    head: str | None = None  # the commit HEAD names, asked with the root in file mode


def select(paths: list[str]) -> Selection:
    given = paths or ["."]
    for arg in given:
        if not os.path.lexists(arg):
            raise UsageError(f"{arg}: no such file or folder")
    resolved = [Path(p).resolve() for p in given]
    if all(p.is_dir() for p in resolved):
        root = Path(os.path.commonpath(resolved))
        try:
            top = toplevel(root).resolve()
        except GitError:
            top = root
        if top != root:
            # A folder inside a repository: its targets read files elsewhere in it (the
            # vendored chart, a Kustomize base), so the repository is what is read.
            return Selection(top, folders=resolved)
        return Selection(root, folders=resolved if len(resolved) > 1 else [])
    head = None
    try:
        first = resolved[0]
        root, head = toplevel_and_commit(first if first.is_dir() else first.parent, "HEAD")
    except GitError:
        root = Path.cwd()
    root = root.resolve()
    sel = Selection(root, file_mode=True, head=head)
    for p in resolved:
        try:
            p.relative_to(root)
        except ValueError:
            raise UsageError(f"{shown(p)}: not below {shown(root)}") from None
        if p.is_dir():
            sel.folders.append(p)
        else:
            sel.files.add(p)
    return sel


def _options(
    root: Path, charts: list[str], values: list[str], only: frozenset[str] | None = None
) -> ScanOptions:
    return ScanOptions(
        charts=[below_root(root, c, "--chart") for c in charts],
        values=[below_root(root, v, "--values") for v in values],
        only=only,
    )


def target_files(target: Target, source: Source) -> set[Path]:
    """Every file the target reads, as absolute paths: the manager's list when it keeps
    one, and always the files of its sites and its own path."""
    out = {(source.root / rel).resolve() for rel in target.files}
    for state in target.components.values():
        out.update(Path(site.file).resolve() for site in state.sites if site.file)
    out.add(Path(target.path).resolve())
    return out


def _selected_file(shown: str, sel: Selection) -> bool:
    """Whether a notice's file (as shown) is among the PATHs or below one of them (a
    link is where it is written, not where it points)."""
    path = Path(os.path.abspath(shown))
    return path in sel.files or any(f == path or f in path.parents for f in sel.folders)


def _selected(target: Target, source: Source, sel: Selection) -> bool:
    files = target_files(target, source)
    if sel.files & files:
        return True
    own = Path(target.path).resolve()
    for folder in sel.folders:
        if own == folder or folder in own.parents:
            return True
        if any(f == folder or folder in f.parents for f in files):
            return True
    if not sel.file_mode:
        return False
    # A changed file inside a target's folder (a Kustomize patch, a chart template).
    return own.is_dir() and any(own in f.parents for f in sel.files)


class Opened:
    """A repository as lint opens it: what the PATHs select, the work tree, and the base
    revision with its git queries (listing, GitOps search, blob reader, diff) already
    running, so that they overlap the loading of the rules and of the managers."""

    def __init__(self, paths: list[str], base: str | None, notes: list[str]) -> None:
        self.sel = sel = select(paths)
        self.source = WorkTree(sel.root)
        self.rev = base if base is not None else (PRE_COMMIT_BASE if sel.file_mode else None)
        self.extra: list[Notice | Unreadable] = []  # for no target in particular
        self.tree: GitTree | None = None
        self.diff: Pending | None = None
        rev = self.rev
        if rev is None:
            return
        try:
            self.tree = GitTree(sel.root, rev, sel.head if rev == "HEAD" else None)
        except GitError as exc:
            why = str(exc)
            if base is None and "unknown revision" in why:
                why = "the repository has no commits yet"
            notes.append(f"cannot read the base {rev}: {why}; checking the state alone")
            # Asked for explicitly (CI), an unreadable base must not pass quietly: the state
            # is still linted, and the missing transition check is an error.
            self.extra.append(
                Unreadable(
                    "",
                    0,
                    0,
                    f"the base {rev} cannot be read ({why}): transitions are not checked",
                    Severity.ERROR if base is not None else Severity.WARNING,
                    Cause.BASE_UNREADABLE,
                )
            )
            return
        # GitOps objects are searched for at the base whatever changed, the changed files
        # are read there, and what changed is asked of `git diff`: start all of it now.
        self.tree.search_ahead(GITOPS_MARKERS, GITOPS_FILES)
        self.tree.prepare_reads()
        self.diff = start_diff(self.tree, self.source)

    def __enter__(self) -> Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.diff is not None:
            self.diff.finish()  # reaped, whatever it found
        if self.tree is not None:
            self.tree.close()


def repository_context(
    rules: Rules,
    paths: list[str],
    charts: list[str],
    values: list[str],
    base: str | None,
    notes: list[str],
) -> LintContext:
    with Opened(paths, base, notes) as repo:
        return lint_context(rules, repo, charts, values, notes)


def lint_context(
    rules: Rules, repo: Opened, charts: list[str], values: list[str], notes: list[str]
) -> LintContext:
    sel, source, tree, rev, extra = repo.sel, repo.source, repo.tree, repo.rev, repo.extra
    base_targets: dict[tuple[str, str], Target] | None = None
    label: str | None = None
    renames: dict[str, str] = {}
    if tree is not None:
        all_managers()  # their modules are loaded while git works
    diff = base_diff(tree, source, repo.diff) if tree is not None else None
    if tree is not None and diff is not None:
        # A file unchanged since the base is read from disk once, not through git (and
        # parsed once for both sides: yamlio.cache).
        tree.mirror(source, diff.changed)
    changed = diff.changed if diff is not None else None if tree is not None else set()
    only = scope(sel, changed) if not (charts or values) else None
    options = _options(sel.root, charts, values, only)
    scanned = scan(source, rules, options)
    if only is not None and _installations_matter(
        [t for t in scanned.targets if _selected(t, source, sel)], options.config, source
    ):
        # A backend or a LiteLLM apart from the other: its installation's other target
        # may read no changed file, and is judged with it all the same.
        only = None
        options = _options(sel.root, charts, values, None)
        scanned = scan(source, rules, options)
    every = scanned.targets
    now = scanned.targets
    notices = scanned.notices
    if sel.file_mode or sel.folders:
        now = [t for t in now if _selected(t, source, sel)]
        notices = [n for n in notices if _selected_file(n.file, sel)]
    extra = [*notices, *extra]
    if tree is not None:
        try:
            found = scan(tree, rules, _options(sel.root, charts, values, only)).targets
            base_targets = {t.key: t for t in found}
            label = tree.label
            renames = diff.renames if diff is not None else {}
        except (InputError, UsageError) as exc:
            notes.append(
                f"cannot resolve the targets at {rev}: {exc}; checking the state alone"
            )
            extra.append(
                Unreadable(
                    "",
                    0,
                    0,
                    f"the targets cannot be resolved at {tree.label} ({exc}): transitions "
                    "are not checked",
                    Severity.WARNING,
                )
            )
    checks = []
    for target in now:
        before = None
        if base_targets is not None:
            before = base_targets.get(target.key)
            if before is None and target.path in renames:
                before = base_targets.get((renames[target.path], target.kind))
        checks.append(Check(target, before))
    files: set[str] = set()
    for target in now:
        for f in target_files(target, source):
            if f.is_file():
                files.add(shown(f))
    ctx = LintContext(rules, checks, label, sorted(files), notices=extra, source=source)
    base_list = list(base_targets.values()) if base_targets else []
    if any(CALLER in t.components for t in every) and not self_contained(
        [*every, *base_list], options.config
    ):
        from ..installations.link import link
        from ..installations.lintview import view

        linked = link(every, options.config, source.display(CONFIG_FILE))
        ctx.installations = view(linked, every, base_targets, now)
        for j in ctx.installations.joined:
            # The other target's files hold lines a finding may point at (suppression).
            files.update(shown(f) for f in target_files(j.callee, source) if f.is_file())
        ctx.files = sorted(files)
    return ctx


def _installations_matter(targets: list[Target], config: dict | None, source: Source) -> bool:
    if self_contained(targets, config):
        return False
    from ..installations.lintview import needs_every_target

    return needs_every_target(targets, config, source)


def scope(sel: Selection, changed: set[str] | None) -> frozenset[str] | None:
    """Pre-commit mode (files, no folders): the files a target must involve to be worth
    resolving, relative to the root: the named files, and every file that differs
    between the base and the work tree (a target is compared with itself at the base,
    and either side may read a file that changed). None: resolve every target."""
    if not sel.file_mode or sel.folders:
        return None
    only = {p.relative_to(sel.root).as_posix() for p in sel.files}
    if changed is None:
        return None
    only |= changed
    if CONFIG_FILE in only:
        return None  # the config file forms the targets: all of them may change
    return frozenset(only)


@record
class BaseDiff:
    """How the work tree differs from the base, from one `git diff`: the files below
    the root that differ (changed, added, deleted, untracked or ignored), and the new
    path -> old path (as shown) of the files git sees renamed."""

    changed: set[str]
    renames: dict[str, str]


def start_diff(tree: GitTree, source: Source) -> Pending | None:
    """`git diff` of the work tree against the base, started (None if git cannot run)."""
    try:
        return Pending(
            ["diff", "-M", "--name-status", "-z", tree.commit, "--", str(source.root)], tree.top
        )
    except UpgradeError:
        return None


def base_diff(tree: GitTree, source: Source, pending: Pending | None = None) -> BaseDiff | None:
    """None if git cannot say. `pending`: the diff, if start_diff started it already."""
    try:
        pending = pending or start_diff(tree, source)
        if pending is None:
            return None
        # Untracked and ignored files are not in `git diff`: the listings tell them apart
        # (the work tree is walked while git compares).
        unlisted = set(source.files()) ^ set(tree.files())
        out = pending.result()
    except UpgradeError:
        return None
    sub = source.root.relative_to(tree.top).as_posix()
    prefix = "" if sub == "." else sub + "/"
    changed: set[str] = set()
    renames: dict[str, str] = {}
    parts = out.decode("utf-8", "surrogateescape").split("\0")
    i = 0
    while i < len(parts) and parts[i]:
        status = parts[i]
        # A rename or copy names two paths (old, new); every other status one.
        names = parts[i + 1 : i + 3] if status.startswith(("R", "C")) else parts[i + 1 : i + 2]
        i += 1 + len(names)
        if len(names) == 2:
            renames[shown(tree.top / names[1])] = shown(tree.top / names[0])
        changed.update(n[len(prefix) :] for n in names if n.startswith(prefix))
    return BaseDiff(changed | unlisted, renames)

