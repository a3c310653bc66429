"""Render targets to Kubernetes resources with the real engines: Helm through
helm-python-sdk (the optional `render` extra, imported only here), Kustomize through
`kustomize build` or `kubectl kustomize` when one is on the PATH. A view that is not the
work tree (a git revision, a planned phase) is written to a temporary folder first."""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from ..model import Target
from ..source import Overlay, Source, WorkTree
from .collect import folder_prefixes, root_relative

HELM_MISSING = (
    "--rendered needs the Helm engine to render Helm targets, and it is not installed: "
    "pip install 'litemaas-upgrade[render]' (installs helm-python-sdk), "
    "or leave out --rendered to diff the values files"
)


class NotRendered(Exception):
    """This target cannot be rendered here; the message says why."""


def helm_engine() -> Any:
    try:
        import helm_python
    except ImportError:
        raise UsageError(HELM_MISSING) from None
    return helm_python


def kustomize_command() -> list[str] | None:
    found = shutil.which("kustomize")
    if found:
        return [found, "build"]
    found = shutil.which("kubectl")
    if found:
        return [found, "kustomize"]
    return None


class Materializer:
    """On-disk folders holding a view's files (the work tree itself when possible)."""

    def __init__(self, stack: contextlib.ExitStack) -> None:
        self._stack = stack
        self._trees: dict[int, Path] = {}
        self._folders: dict[int, frozenset[str]] = {}
        self._copies: dict[tuple[int, str], Path] = {}

    def _changed_folders(self, source: Source) -> frozenset[str]:
        """Every folder prefix ("a/", "a/b/") of the files an Overlay replaces, once per
        view: asked for each target, a pass over every replaced file grew with N²."""
        if not isinstance(source, Overlay):
            return frozenset()
        key = id(source)
        if key not in self._folders:
            self._folders[key] = frozenset(
                p for f in source.changed for p in folder_prefixes(f)
            )
        return self._folders[key]

    def folder(self, source: Source, rel: str) -> Path:
        disk = _on_disk(source, rel, self._changed_folders(source))
        if disk is not None:
            return disk
        key = id(source)
        if key in self._trees:
            return self._trees[key] / rel
        prefix = rel.rstrip("/") + "/" if rel not in ("", ".") else ""
        tmp = self._copies.get((key, prefix))
        if tmp is None:
            # One copy of the folder per view, shared by the targets that render it.
            tmp = Path(
                self._stack.enter_context(tempfile.TemporaryDirectory(prefix="lmu-render-"))
            )
            for f in source.files():
                if f.startswith(prefix):
                    _write(tmp / f, source.read(f))
            self._copies[(key, prefix)] = tmp
        return tmp / rel

    def tree(self, source: Source) -> Path:
        disk = _on_disk(source, None, frozenset())
        if disk is not None:
            return disk
        key = id(source)
        if key not in self._trees:
            tmp = Path(
                self._stack.enter_context(tempfile.TemporaryDirectory(prefix="lmu-render-"))
            )
            for f in source.files():
                _write(tmp / f, source.read(f))
            self._trees[key] = tmp
        return self._trees[key]


def _on_disk(source: Source, rel: str | None, changed_folders: frozenset[str]) -> Path | None:
    """The work tree's own folder, when the view reads the same bytes there
    (`changed_folders`: the folder prefixes of an Overlay's replaced files)."""
    if isinstance(source, WorkTree):
        return source.root if rel is None else source.root / rel
    if isinstance(source, Overlay) and isinstance(source.base, WorkTree):
        if rel is None or rel in ("", "."):
            if not source.changed:
                return source.base.root if rel is None else source.base.root / rel
            return None
        if rel.rstrip("/") + "/" not in changed_folders:
            return source.base.root / rel
    return None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def render(target: Target, source: Source, mat: Materializer) -> list[Any]:
    if target.kind == "helm":
        return render_helm(target, source, mat)
    if target.kind == "kustomize":
        return render_kustomize(target, source, mat)
    raise NotRendered(f"{target.kind} targets are not rendered")


def render_helm(target: Target, source: Source, mat: Materializer) -> list[Any]:
    from ..engine import helm_inputs

    # The operator's override files as `helm -f` layers them; Helm itself coalesces them
    # with the chart's defaults (so a `null` removes a default, as in a real upgrade).
    spec, values = helm_inputs(target)
    if spec.chart is None:
        raise NotRendered("its chart is not in this repository (name it with --chart)")
    helm = helm_engine()
    chart_dir = mat.folder(source, spec.chart)
    try:
        with helm.Chart.load(str(chart_dir)) as chart:
            # Rendering needs a name: the upgrade guide's, unless the config names one.
            manifests = chart.render(
                values, name=spec.release or "litemaas", namespace=spec.namespace or "litemaas"
            )
    except helm.HelmError as exc:
        raise InputError(target.path, f"helm cannot render the chart: {exc}") from None
    docs: list[Any] = []
    for name in sorted(manifests):
        if name.endswith("NOTES.txt"):
            continue
        docs.extend(_load_all(manifests[name], f"{target.path}: {name}"))
    return docs


def render_kustomize(target: Target, source: Source, mat: Materializer) -> list[Any]:
    command = kustomize_command()
    if command is None:
        raise NotRendered("neither kustomize nor kubectl is on the PATH")
    rel = root_relative(source, target.path)
    if posixpath.basename(rel) in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        rel = posixpath.dirname(rel)
    folder = mat.tree(source) / rel if rel else mat.tree(source)
    env = {**os.environ, "KUSTOMIZE_PLUGIN_HOME": os.devnull}
    try:
        proc = subprocess.run(
            [*command, str(folder)], capture_output=True, text=True, timeout=300, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(target.path, f"{' '.join(command)} failed: {exc}") from None
    if proc.returncode != 0:
        # A build that needs what this tool never does offline (remote bases, helmCharts
        # that need --enable-helm and a download) is reported, not fatal.
        why = _build_error(proc.stderr, str(folder), rel or ".") or f"exit {proc.returncode}"
        raise NotRendered(f"{os.path.basename(command[0])} cannot build it: {why}")
    return _load_all(proc.stdout, target.path)


_KLOG = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ \S+\] "command failed" err=(<|")?')


def _build_error(stderr: str, folder: str, shown: str) -> str:
    """The gist of a kustomize error (its last line), without kubectl's log prefix or the
    temporary folder's path."""
    lines = []
    for raw in stderr.splitlines():
        line = _KLOG.sub("", raw.strip()).strip().strip('"').lstrip("`:").strip()
        if line and line not in (">", "<"):
            lines.append(line.replace(folder, shown))
    if not lines:
        return ""
    line = lines[-1]
    return line[:200] + ("…" if len(line) > 200 else "")


def _load_all(text: str, where: str) -> list[Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe", pure=True)
    try:
        return [doc for doc in yaml.load_all(text) if doc is not None]
    except YAMLError as exc:
        raise InputError(where, f"the rendered output is not YAML: {exc}") from None
