"""What several subcommands share: turning PATH arguments into a source, and output."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import InputError, UsageError
from ..managers.base import ScanOptions
from ..records import field, record
from ..rules import Rules, load_rules
from ..source import WorkTree, below_root

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Protocol, TypeVar

    class HasPath(Protocol):
        path: str  # as shown

    T = TypeVar("T", bound=HasPath)


@record
class Inputs:
    paths: list[str]
    rules_file: str | None = None
    charts: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)  # --backend-tag etc.
    to: str | None = None  # --to: the release the shipped rules are chained up to




def common_root(paths: list[str]) -> Path:
    """The folder the run reads: the PATH, or the common folder of several PATHs (a
    compose file's folder for a compose file)."""
    resolved = []
    for p in paths or ["."]:
        path = Path(p)
        if not path.exists():
            raise UsageError(f"{p}: no such file or folder")
        if not path.is_dir():
            _check_compose_file(p, path)
            path = path.parent
        resolved.append(path.resolve())
    return Path(os.path.commonpath(resolved))


def _check_compose_file(given: str, path: Path) -> None:
    """A file PATH is accepted when it is a compose file (by name or by content)."""
    from ..managers.compose.manager import is_compose_name, looks_like_compose

    if is_compose_name(path.name):
        return
    if path.suffix in (".yaml", ".yml"):
        from ..bounded import read_regular
        from ..yamlio import YamlFile

        try:
            docs = YamlFile.parse(read_regular(str(path), given), given).documents
        except InputError:
            docs = []
        if len(docs) == 1 and looks_like_compose(docs[0].data):
            return
    raise UsageError(
        f"{given}: give a folder or a compose file (name override files with --values FILE)"
    )


def compose_files(paths: list[str], root: Path) -> list[str] | None:
    """When every PATH is a file (compose files: see common_root), those files relative
    to the root: the run reads them (and the `.env` beside each) and nothing else."""
    if not paths or any(Path(p).is_dir() for p in paths):
        return None
    return [Path(p).resolve().relative_to(root).as_posix() for p in paths]


def open_inputs(inputs: Inputs) -> tuple[WorkTree, Rules, ScanOptions]:
    if inputs.rules_file is not None and inputs.to is not None:
        raise UsageError("--to chains the shipped rules; a --rules file replaces them all")
    # Without --to, every shipped rule set: the latest release they know (as lint, rules).
    rules = load_rules(inputs.rules_file, inputs.to)
    for component, tag in inputs.tags.items():
        _check_target_tag(rules, component, tag)
    rules = rules.with_targets(inputs.tags)
    root = common_root(inputs.paths)
    source = WorkTree(root, only=compose_files(inputs.paths, root))
    options = ScanOptions(
        charts=[below_root(root, c, "--chart") for c in inputs.charts],
        values=[below_root(root, v, "--values") for v in inputs.values],
    )
    return source, rules, options


def tags_set_elsewhere(rules: Rules, tags: dict[str, str], phase: int) -> list[str]:
    """A note for each --*-tag option that sets other phases than the one shown or
    applied (Rules.set_by_option): `apply --phase 1 --frontend-tag T` on a chain of
    guides does not use it."""
    out = []
    for component, tag in tags.items():
        numbers = rules.set_by_option(component)
        if not numbers or phase in numbers:
            continue
        now = rules.phases[phase - 1].set.get(component)
        does = (
            f"phase {phase} takes it to {now}, as the rules say"
            if now is not None
            else f"phase {phase} does not move it"
        )
        which = " and ".join(str(n) for n in numbers)
        out.append(
            f"note: --{component}-tag {tag} sets the {component} of phase {which} (the "
            f"last {'phase' if len(numbers) == 1 else 'guide'} that moves it); {does}"
        )
    return out


def check_out(out: str, source: WorkTree) -> None:
    """Refuse an output folder whose replacement would remove repository files: the
    repository itself, a folder above it, or a folder in it that holds its files. A new
    folder inside the repository (`plan . --out upgrade/`) is fine: it gets a marker file
    and later scans skip it."""
    full = Path(out).resolve()
    root = source.root
    if full == root or root.is_relative_to(full):
        raise UsageError(
            f"--out {out}: is the repository folder or holds it; name a new folder "
            "(e.g. --out upgrade/)"
        )
    if not full.is_relative_to(root) or not full.is_dir():
        return
    rel = full.relative_to(root).as_posix()
    from ..outmarker import OUTPUT_MARKER, not_plan_output

    why = not_plan_output(full)
    if why is None:
        return  # an earlier plan's output: --force may replace it (write_plan)
    names = sorted(p.name for p in full.iterdir())
    held = [n for n in names if n != OUTPUT_MARKER]
    if names:
        # Inside the repository, even --force replaces only an earlier plan's output.
        first = held[0] if held else OUTPUT_MARKER
        more = f" and {len(held) - 1} more" if len(held) > 1 else ""
        marked = f"; its marker is not believed: {why}" if OUTPUT_MARKER in names else ""
        raise UsageError(
            f"--out {out}: holds repository files ({source.display(rel + '/' + first)}"
            f"{more}{marked}); name a new folder"
        )


def only_under(targets: list[T], paths: list[str]) -> list[T]:
    """With several PATHs, keep the targets (scanned, or a diff's) below one of them (or
    those files', for compose files)."""
    if len(paths) <= 1:
        return targets
    prefixes = [os.path.normpath(p) for p in paths]
    return [
        t
        for t in targets
        if any(p == "." or t.path == p or t.path.startswith(p.rstrip("/") + "/") for p in prefixes)
    ]


def err(message: str) -> None:
    print(message, file=sys.stderr)


def _check_target_tag(rules: Rules, component: str, tag: str) -> None:
    """A target tag must be a valid image tag that the rules can read a version from:
    the phases are ordered by it."""
    from ..imageref import _TAG

    if component not in rules.components:
        raise UsageError(f"--{component}-tag: the rules have no component {component!r}")
    if not _TAG.fullmatch(tag):
        raise UsageError(
            f"--{component}-tag {tag!r}: not a valid image tag: a tag is 1 to 128 letters, "
            "digits, '_', '.' and '-', and does not start with '.' or '-' (the part after "
            "':' in an image reference)"
        )
    if rules.components[component].version_of(tag) is None:
        raise UsageError(
            f"--{component}-tag {tag!r}: no version can be read from it with the rules' "
            "patterns (a floating tag cannot be ordered)"
        )
