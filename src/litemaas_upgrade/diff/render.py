"""Render targets to Kubernetes resources with the real engines: Helm through
helm-python-sdk (the optional `render` extra, imported only in a child process), Kustomize
through `kustomize build` or `kubectl kustomize` when one is on the PATH. Every view (the
work tree too) is rendered from a copy of its files, in the sandbox of sandbox.py."""

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
from ..source import Source
from .collect import root_relative
from .sandbox import NotRendered

HELM_MISSING = (
    "--rendered needs the Helm engine to render Helm targets, and it is not installed: "
    "pip install 'litemaas-upgrade[render]' (installs helm-python-sdk), "
    "or leave out --rendered to diff the values files"
)


def helm_engine() -> None:
    """Refuse at once when the Helm engine is not installed (it is imported only in the
    child process that renders: sandbox.py)."""
    import importlib.util

    if importlib.util.find_spec("helm_python") is None:
        raise UsageError(HELM_MISSING)


def kustomize_command() -> list[str] | None:
    found = shutil.which("kustomize")
    if found:
        return [found, "build"]
    found = shutil.which("kubectl")
    if found:
        return [found, "kustomize"]
    return None


class Materializer:
    """Sandbox copies of a view's files for the engines (sandbox.py): never the work tree
    itself, so that an engine reads only what the view holds. Links inside the
    repository are copied as what they point at; a link that leaves it is refused."""

    def __init__(self, stack: contextlib.ExitStack) -> None:
        self._stack = stack
        self._trees: dict[int, Path] = {}
        self._copies: dict[tuple[int, str], Path] = {}

    def folder(self, source: Source, rel: str) -> Path:
        """A copy of the folder `rel` of the view (a chart)."""
        key = id(source)
        if key in self._trees:
            return self._trees[key] / rel
        prefix = rel.rstrip("/") + "/" if rel not in ("", ".") else ""
        tmp = self._copies.get((key, prefix))
        if tmp is None:
            # One copy of the folder per view, shared by the targets that render it.
            tmp = self._copy(source, prefix)
            self._copies[(key, prefix)] = tmp
        return tmp / rel

    def tree(self, source: Source) -> Path:
        """A copy of every file of the view (a Kustomize build reads across folders)."""
        key = id(source)
        if key not in self._trees:
            self._trees[key] = self._copy(source, "")
        return self._trees[key]

    def _copy(self, source: Source, prefix: str) -> Path:
        files = source.files()  # (listing the view finds its links)
        leaving = [f for f in source.outside if f.startswith(prefix)]
        if prefix and leaving:
            raise NotRendered(
                f"{source.display(leaving[0].rstrip('/'))} is a link that points outside "
                "the repository: not read"
            )
        tmp = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="lmu-render-")))
        for f in files:
            if f.startswith(prefix):
                _copy_file(source, f, tmp / f, whole=bool(prefix))
        for link in source.links:
            if link.startswith(prefix):
                _copy_link(source, link, tmp, whole=bool(prefix))
        return tmp


def _copy_file(source: Source, rel: str, path: Path, whole: bool) -> None:
    """Copy one file of the view. One that cannot be read (over the limits: bounded.py)
    refuses a chart (`whole`: Helm would render without it), and is left out of the
    copy of the whole repository (a build that needs it fails, and says so)."""
    try:
        data = source.read(rel)
    except InputError as exc:
        if whole:
            raise NotRendered(f"{exc.file}: {exc.message}") from None
        return
    _write(path, data)


def _copy_link(source: Source, link: str, tmp: Path, whole: bool) -> None:
    """A link inside the repository, copied as the file or folder it points at (whose
    own links are not followed: they are in `source.links` too)."""
    if not link.endswith("/"):
        _copy_file(source, link, tmp / link, whole)
        return
    try:
        real = (source.root / link).resolve(strict=True).relative_to(source.root).as_posix()
    except (OSError, ValueError, RuntimeError):
        return  # gone since the walk, or outside: not copied
    for f in source.files():
        if f.startswith(real + "/"):
            _copy_file(source, f, tmp / link / f[len(real) + 1 :], whole)


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
    from .sandbox import ChartError, render_chart

    # The operator's override files as `helm -f` layers them; Helm itself coalesces them
    # with the chart's defaults (so a `null` removes a default, as in a real upgrade).
    spec, values = helm_inputs(target)
    if spec.chart is None:
        raise NotRendered("its chart is not in this repository (name it with --chart)")
    helm_engine()
    chart_dir = mat.folder(source, spec.chart)
    try:
        # Rendering needs a name: the upgrade guide's, unless the config names one.
        manifests = render_chart(
            chart_dir, values, spec.release or "litemaas", spec.namespace or "litemaas"
        )
    except ChartError as exc:
        raise InputError(target.path, f"helm cannot render the chart: {exc}") from None
    docs: list[Any] = []
    for name in sorted(manifests):
        if name.endswith("NOTES.txt"):
            continue
        docs.extend(_load_all(str(manifests[name]), f"{target.path}: {name}"))
    return docs


def render_kustomize(target: Target, source: Source, mat: Materializer) -> list[Any]:
    from .sandbox import kustomize_refusal, render_seconds, run_engine

    command = kustomize_command()
    if command is None:
        raise NotRendered("neither kustomize nor kubectl is on the PATH")
    rel = root_relative(source, target.path)
    if posixpath.basename(rel) in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        rel = posixpath.dirname(rel)
    why = kustomize_refusal(source, rel)
    if why is not None:
        raise NotRendered(why)
    folder = mat.tree(source) / rel if rel else mat.tree(source)
    with tempfile.TemporaryDirectory(prefix="lmu-home-") as home:
        try:
            proc = run_engine([*command, str(folder)], Path(home))
        except subprocess.TimeoutExpired:
            raise NotRendered(
                f"{os.path.basename(command[0])} took longer than {render_seconds()} s "
                "(LITEMAAS_UPGRADE_RENDER_SECONDS)"
            ) from None
        except OSError as exc:
            raise InputError(target.path, f"{' '.join(command)} failed: {exc}") from None
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        # A build that needs what this tool never does offline (remote bases, helmCharts
        # that need --enable-helm and a download) is reported, not fatal.
        why = _build_error(stderr, str(folder), rel or ".") or f"exit {proc.returncode}"
        raise NotRendered(f"{os.path.basename(command[0])} cannot build it: {why}")
    return _load_all(proc.stdout.decode("utf-8", "replace"), target.path)


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
