"""The sandbox `diff --rendered` renders in: a copy of the repository's own files, an
engine that cannot reach the network, the user's configuration or credentials, and
limits on what one target may take.

In CI every file of a pull request is the attacker's, and the rendered diff is posted
back as a comment: whatever the engines read ends up in it. So:
- the engines see a copy made from the view's files (links resolved inside the
  repository; links that leave it are refused), never the work tree;
- a kustomization that names a remote resource, or a path that leaves the repository, is
  not built (checked here before kustomize sees it; kustomize follows `../` as far as it
  goes and fetches URLs itself);
- kustomize and Helm run with an empty environment (HOME an empty temporary folder: no
  kubeconfig, no proxies, no credentials) and, where the platform allows, in a network
  namespace of their own (`unshare -rn`);
- Helm renders in a child process with a time limit and a memory limit: a template bomb
  ends that target's rendering ("not rendered"), not the run.
Loaded only by `diff --rendered`."""

from __future__ import annotations

import functools
import json
import os
import posixpath
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..bounded import env_number
from ..source import Source


class NotRendered(Exception):
    """This target cannot be rendered here; the message says why."""

KFILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# Fields of a kustomization whose entries are paths (or URLs) that kustomize loads.
_PATH_LISTS = (
    "resources", "bases", "components", "crds", "configurations", "generators",
    "transformers", "validators", "patchesStrategicMerge",
)  # fmt: skip
_PATH_ITEMS = ("patches", "patchesJson6902", "replacements")  # each item's `path`
_GENERATORS = ("configMapGenerator", "secretGenerator")  # files, envs, env
_FOLDERS = ("resources", "bases", "components")  # entries that may be kustomizations


def render_seconds() -> int:
    return env_number("LITEMAAS_UPGRADE_RENDER_SECONDS", 60, "seconds")


def render_megabytes() -> int:
    # Address space, not resident memory: the Go runtime of the Helm engine reserves
    # some 700 MiB before it allocates anything (it fails to start under 1 GiB), and a
    # chart that renders 72 MiB (past what one chart may: helm_child.MAX_OUTPUT) needs
    # 2 to 3 GiB of it.
    return env_number("LITEMAAS_UPGRADE_RENDER_MB", 4096, "MiB")


@functools.lru_cache(maxsize=1)
def network_wrapper() -> tuple[str, ...]:
    """`unshare -rn` where it works here (a user and network namespace: only a loopback
    that is down), else nothing: the engines then run with the empty environment only."""
    found = shutil.which("unshare")
    if found is None:
        return ()
    try:
        ok = subprocess.run([found, "-rn", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return (found, "-rn") if ok.returncode == 0 else ()


def clean_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """An environment with nothing of the user's: no KUBECONFIG, no proxies, no cloud
    or git credentials; HOME an empty folder. PATH stays (kubectl is found through it),
    and with it nothing that holds a secret."""
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TMPDIR": str(home),
        "XDG_CONFIG_HOME": str(home),
        "XDG_CACHE_HOME": str(home),
        "KUSTOMIZE_PLUGIN_HOME": os.devnull,  # no plugins: they run programs
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
    }
    env.update(extra or {})
    return env


def run_engine(
    argv: list[str], home: Path, *, stdin: bytes | None = None, env: dict[str, str] | None = None,
    limits: bool = False,
) -> subprocess.CompletedProcess[bytes]:
    """Run an engine in the sandbox (wrapped by network_wrapper); TimeoutExpired when it
    takes longer than the render time limit. `limits`: also cap its CPU time and memory
    (setrlimit in the child)."""
    seconds = render_seconds()
    memory = render_megabytes() * 1024 * 1024

    def cap() -> None:  # in the child, before it runs the engine
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))

    return subprocess.run(
        [*network_wrapper(), *argv],
        input=stdin,
        capture_output=True,
        timeout=seconds,
        env=env if env is not None else clean_env(home),
        cwd=home,
        preexec_fn=cap if limits else None,
    )


def render_chart(chart_dir: Path, values: dict[str, Any], name: str, namespace: str) -> dict:
    """The manifests Helm renders from `chart_dir` (a sandbox copy), by template name,
    rendered in a child process (helm_child.py) within the time and memory limits."""
    home = Path(tempfile.mkdtemp(prefix="lmu-home-"))
    try:
        request = json.dumps(
            {"chart": str(chart_dir), "values": values, "name": name, "namespace": namespace},
            default=str,  # (a YAML timestamp: Helm reads it as a string too)
        ).encode()
        try:
            proc = run_engine(
                [sys.executable, "-I", "-c", _child_code()],
                home,
                stdin=request,
                env=clean_env(home, {"PYTHONDONTWRITEBYTECODE": "1"}),
                limits=True,
            )
        except subprocess.TimeoutExpired:
            raise NotRendered(
                f"Helm took longer than {render_seconds()} s "
                "(LITEMAAS_UPGRADE_RENDER_SECONDS)"
            ) from None
    finally:
        shutil.rmtree(home, ignore_errors=True)
    try:
        answer = json.loads(proc.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        answer = None
    if not isinstance(answer, dict):
        raise NotRendered(_died(proc))
    if "error" in answer:
        raise ChartError(str(answer["error"]))
    if "too_large" in answer:
        raise NotRendered(
            f"Helm rendered {int(answer['too_large']) // (1024 * 1024)} MiB, more than the "
            "64 MiB one chart may render"
        )
    manifests = answer.get("manifests")
    if not isinstance(manifests, dict):
        raise NotRendered(_died(proc))
    return manifests


def _child_code() -> str:
    """The child's program: isolated (-I: no PYTHONPATH, no user site, not the current
    folder on its path), importing this package and the Helm engine from where this
    process found them, and nothing from the repository."""
    import importlib.util

    found = importlib.util.find_spec("helm_python")
    assert found is not None and found.origin is not None  # render.helm_engine checked
    folders = [
        str(Path(__file__).resolve().parents[2]),  # the folder holding litemaas_upgrade/
        str(Path(found.origin).resolve().parents[1]),
    ]
    return (
        f"import sys; sys.path[:0] = {folders!r}\n"
        "from litemaas_upgrade.diff.helm_child import main\n"
        "raise SystemExit(main())\n"
    )


class ChartError(Exception):
    """Helm refused the chart (the target's input error)."""


def _died(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode in (-9, -24) or "out of memory" in err or "cannot allocate" in err:
        return (
            f"Helm went over its limit of {render_megabytes()} MiB of memory or "
            f"{render_seconds()} s of CPU time (LITEMAAS_UPGRADE_RENDER_MB, "
            "LITEMAAS_UPGRADE_RENDER_SECONDS)"
        )
    return f"the Helm engine stopped (exit {proc.returncode})"


# --- what a kustomization may load --------------------------------------------------------


def kustomize_refusal(source: Source, root: str) -> str | None:
    """Why the build rooted at folder `root` (relative to the view's root) must not be
    run: a kustomization it reaches names a remote resource, or a path that leaves the
    repository. None when every path it names stays inside."""
    todo, seen = [root], set()
    while todo:
        folder = todo.pop()
        if folder in seen:
            continue
        seen.add(folder)
        kfile = next(
            (r for n in KFILES if source.exists(r := posixpath.join(folder, n) if folder else n)),
            None,
        )
        if kfile is None:
            continue
        data = _kustomization(source, kfile)
        shown = source.display(kfile)
        for s in _strings(data):
            if "\n" not in s and _leaves(folder, s):
                return f"{shown} names {s}, outside the repository: not read"
        for entry in _paths(data):
            if _remote(source, folder, entry):
                return f"{shown} names the remote resource {entry}: never fetched"
            if entry.startswith("/"):
                return f"{shown} names the absolute path {entry}: not read"
        for key in _FOLDERS:
            for entry in _list(data.get(key)):
                if isinstance(entry, str) and source.is_dir(_join(folder, entry)):
                    todo.append(_join(folder, entry))
    return None


def _kustomization(source: Source, kfile: str) -> dict:
    from ..errors import InputError

    try:
        doc = source.yaml(kfile).documents
        data = doc[0].data if doc else None
    except InputError:
        data = None  # kustomize refuses it too, and says why
    return data if isinstance(data, dict) else {}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _paths(data: dict) -> list[str]:
    out = [e for k in _PATH_LISTS for e in _list(data.get(k)) if isinstance(e, str)]
    for key in _PATH_ITEMS:
        for item in _list(data.get(key)):
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                out.append(item["path"])
    for key in _GENERATORS:
        for gen in _list(data.get(key)):
            if not isinstance(gen, dict):
                continue
            for field in ("files", "envs"):
                out += [f.split("=", 1)[-1] for f in _list(gen.get(field)) if isinstance(f, str)]
            if isinstance(gen.get("env"), str):
                out.append(gen["env"])
    helm = data.get("helmGlobals")
    if isinstance(helm, dict) and isinstance(helm.get("chartHome"), str):
        out.append(helm["chartHome"])
    for chart in _list(data.get("helmCharts")):
        if isinstance(chart, dict) and isinstance(chart.get("repo"), str):
            out.append(chart["repo"])
    return out


def _remote(source: Source, folder: str, entry: str) -> bool:
    """A URL, a git address, or a host-like first segment (`github.com/org/repo//base`)
    that is no file or folder of the view: what kustomize would fetch."""
    if "://" in entry or entry.startswith("git@") or "?ref=" in entry or "?version=" in entry:
        return True
    first = entry.split("/", 1)[0]
    if "/" not in entry or first.startswith(".") or "." not in first:
        return False
    local = _join(folder, entry)
    return not (source.exists(local) or source.is_dir(local))


def _strings(data: object) -> list[str]:
    """Every string value in a kustomization (a path may sit in fields kustomize adds)."""
    out: list[str] = []
    todo = [data]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return out


def _join(folder: str, entry: str) -> str:
    return posixpath.normpath(posixpath.join(folder, entry)) if folder else posixpath.normpath(
        entry
    )


def _leaves(folder: str, entry: str) -> bool:
    """Whether `entry`, as a path relative to `folder`, leaves the repository."""
    if ".." not in entry:
        return False
    joined = _join(folder, entry.split("=", 1)[-1])
    return joined == ".." or joined.startswith("../")
