"""The corpus of real deployment repositories (tests/fixtures/corpus/, one folder per
repository, files at a pinned commit): for every deployable target an entry's
`expected.yaml` names the images a cluster would pull, or says why the repository cannot
tell. Two checks per target:

- engine: the real engine renders exactly those images (`kubectl kustomize` for a build
  root, helm-python-sdk for a chart and its values files); a target with no engine here (a
  compose file, a GitOps object of a chart not in the repository) says so with `read:`;
- tool: `litemaas-upgrade scan --format json` reports the same images for that target,
  and reports a component as unknown (present, image null) where the files cannot say;
- and no target the corpus does not list gets an image from the tool.

A target the tool gets wrong today carries `tool_xfail: <the gap>` in expected.yaml; the
mark is strict, so a fix flips it to a failure and the mark must go.

`python tests/test_corpus.py ENTRY...` prints what the engines render, for writing
expected.yaml."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
# Objects whose spec describes something else's pods (a chart's values), never their own.
NOT_WORKLOADS = {"HelmRelease", "Application", "ApplicationSet", "Kustomization"}


def _yaml() -> YAML:
    return YAML(typ="safe", pure=True)


def entries() -> list[Path]:
    return sorted(p.parent for p in CORPUS.glob("*/expected.yaml"))


def load_entry(entry: Path) -> dict[str, Any]:
    data: dict[str, Any] = _yaml().load((entry / "expected.yaml").read_text(encoding="utf-8"))
    return data


def load_expected(entry: Path) -> list[dict[str, Any]]:
    return list(load_entry(entry)["targets"])


# ---------------------------------------------------------------- images, as engines render


def component_of(image: str) -> str | None:
    """Which component an image reference is, by its last path segment (tag and digest
    cut off)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1].split(":", 1)[0].lower()
    if "litemaas-backend" in last:
        return "backend"
    if "litemaas-frontend" in last:
        return "frontend"
    if "litellm" in last:
        return "litellm"
    return None


def _pod_images(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                for c in value:
                    if isinstance(c, dict) and isinstance(c.get("image"), str):
                        found.add(c["image"])
            else:
                _pod_images(value, found)
    elif isinstance(node, list):
        for item in node:
            _pod_images(item, found)


def rendered_images(docs: list[Any]) -> dict[str, set[str]]:
    """Component -> images in rendered resources: every pod template's containers and
    initContainers, and `spec.image` of a custom resource (the LiteLLM operator's
    LiteLLMProxy)."""
    found: set[str] = set()
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") in NOT_WORKLOADS:
            continue
        _pod_images(doc, found)
        spec = doc.get("spec")
        group = str(doc.get("apiVersion", "")).split("/")[0]
        if isinstance(spec, dict) and isinstance(spec.get("image"), str) and "." in group:
            found.add(spec["image"])
    out: dict[str, set[str]] = {}
    for image in found:
        comp = component_of(image)
        if comp:
            out.setdefault(comp, set()).add(image)
    return out


def kustomize_build(folder: Path) -> tuple[list[Any] | None, str]:
    """(documents, "") or (None, kustomize's error). Plugins are off and there is no
    network: a remote base or a generator plugin fails, as it would offline."""
    env = {**os.environ, "KUSTOMIZE_PLUGIN_HOME": os.devnull}
    proc = subprocess.run(
        ["kubectl", "kustomize", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    if proc.returncode != 0:
        return None, proc.stderr.strip()
    return [d for d in _yaml().load_all(proc.stdout) if d is not None], ""


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def helm_render(entry: Path, chart: str, values: list[str]) -> list[Any]:
    import helm_python

    merged: dict[str, Any] = {}
    for name in values:  # `-f a -f b`: maps merge, the later file wins
        merged = _merge(merged, _yaml().load((entry / name).read_text(encoding="utf-8")) or {})
    with helm_python.Chart.load(str(entry / chart)) as loaded:
        manifests = loaded.render(merged, name="release", namespace="default")
    docs: list[Any] = []
    for name in sorted(manifests):
        if name.endswith((".yaml", ".yml")):
            docs.extend(d for d in _yaml().load_all(manifests[name]) if d is not None)
    return docs


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def prepared(entry: Path, prepare: dict[str, Any], tmp: Path) -> Path:
    """A copy of the entry after the step its README asks for before a build: `copy`
    (`.env.example` to `.env`), or `envsubst` (upstream LiteMaaS's preparation.sh: every
    `*.yaml.template` in the folder through envsubst with the env file, to `*.yaml.local`;
    a `kustomization.yaml.local` then becomes `kustomization.yaml`)."""
    root = tmp / entry.name
    shutil.copytree(entry, root)
    for src, dst in (prepare.get("copy") or {}).items():
        shutil.copyfile(root / src, root / dst)
    if prepare.get("envsubst"):
        env_file = root / prepare["envsubst"]
        env = {}
        for line in env_file.read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                env[key.strip()] = value.strip()
        folder = env_file.parent
        for template in sorted(folder.glob("*.yaml.template")):
            text = template.read_text(encoding="utf-8")
            # envsubst replaces every $VAR / ${VAR}; an unset one becomes empty.
            text = _VAR.sub(lambda m: env.get(m.group(1) or m.group(2), ""), text)
            template.with_name(template.name[: -len(".template")] + ".local").write_text(text)
        generated = folder / "kustomization.yaml.local"
        if generated.exists():
            generated.replace(folder / "kustomization.yaml")
    return root


def build(entry: Path, target: dict[str, Any]) -> tuple[list[Any] | None, str]:
    """`kubectl kustomize` of the target's folder, after its `prepare` step if any."""
    with tempfile.TemporaryDirectory() as tmp:
        root = prepared(entry, target["prepare"], Path(tmp)) if target.get("prepare") else entry
        return kustomize_build(root / target.get("build", target["path"]))


def engine_images(entry: Path, target: dict[str, Any]) -> dict[str, set[str]]:
    engine = target["engine"]
    if engine == "kustomize":
        docs, error = build(entry, target)
        if docs is None:
            raise RuntimeError(f"kubectl kustomize failed: {error}")
        return rendered_images(docs)
    if engine == "helm":
        return rendered_images(helm_render(entry, target["chart"], target.get("values", [])))
    if engine == "manifest":  # what `kubectl apply -f` would create: the files' documents
        objects: list[Any] = []
        for name in target["files"]:
            text = (entry / name).read_text(encoding="utf-8")
            objects.extend(d for d in _yaml().load_all(text) if d is not None)
        return rendered_images(objects)
    raise ValueError(f"no engine {engine!r}")


def expected_images(target: dict[str, Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for comp, images in (target.get("images") or {}).items():
        out[comp] = {images} if isinstance(images, str) else set(images)
    return out


# ---------------------------------------------------------------- the tool


@functools.cache
def scan(entry: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """`litemaas-upgrade scan . --format json` in the entry's folder, run in this process
    as the console script runs it (a subprocess per entry costs a second of start-up)."""
    from litemaas_upgrade.launch import dispatch

    args = ["scan", ".", "--format", "json"]
    out, err = io.StringIO(), io.StringIO()
    saved_argv, saved_cwd = sys.argv, os.getcwd()
    code: Any = 0
    try:
        sys.argv = ["litemaas-upgrade", *args]
        os.chdir(entry)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                dispatch(args)
            except SystemExit as exc:
                code = exc.code
    finally:
        sys.argv = saved_argv
        os.chdir(saved_cwd)
    if not out.getvalue().strip():
        # Not an AssertionError: a tool that cannot answer must not pass for an xfail.
        raise RuntimeError(f"scan exit {code}, no output: {err.getvalue()[-2000:]}")
    data = json.loads(out.getvalue())
    return {(t["kind"], t["path"]): t for t in data["targets"]}


def tool_problems(entry: Path, target: dict[str, Any]) -> list[str]:
    """What the tool's scan gets wrong about this target (empty: it is right)."""
    targets = scan(entry)
    found = targets.get((target["kind"], target["path"]))
    if found is None:
        return [f"no {target['kind']} target {target['path']} (it reports {sorted(targets)})"]
    comps = found["components"]
    problems = []
    want = expected_images(target)
    for comp, images in want.items():
        if comp not in comps:
            problems.append(f"{comp}: expected {sorted(images)}, the tool reports it absent")
        elif comps[comp].get("image") not in images:
            got = comps[comp].get("image")
            said = "unknown" if got is None else repr(got)
            problems.append(f"{comp}: expected {sorted(images)}, the tool says {said}")
    for comp, why in (target.get("unknown") or {}).items():
        if comp not in comps:
            problems.append(f"{comp}: expected unknown ({why}); the tool reports it absent")
        elif comps[comp].get("image") is not None:
            problems.append(
                f"{comp}: expected unknown ({why}); the tool says {comps[comp]['image']!r}"
            )
    for comp, data in comps.items():
        if comp not in want and comp not in (target.get("unknown") or {}):
            if data.get("image") is not None:
                problems.append(f"{comp}: not deployed here, the tool says {data['image']!r}")
    return problems


# ---------------------------------------------------------------- the tests


def xfail(reason: str) -> Any:
    # Strict, and only for a wrong answer: a crash of the tool still fails the test.
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)


def _cases(check: str) -> list[Any]:
    cases = []
    for entry in entries():
        for target in load_expected(entry):
            tid = f"{entry.name}::{target['id']}"
            marks = []
            if check == "engine" and target["engine"] == "none":
                continue
            if check == "tool" and target.get("tool_xfail"):
                marks.append(xfail(target["tool_xfail"]))
            cases.append(pytest.param(entry, target, id=tid, marks=marks))
    return cases


def test_corpus_size() -> None:
    """At least 30 repositories, each with its source recorded and every target explained."""
    found = entries()
    assert len(found) >= 30, [p.name for p in found]
    folders = sorted(p for p in CORPUS.iterdir() if p.is_dir())
    assert folders == found, "every corpus folder needs an expected.yaml"
    for entry in found:
        source = (entry / "SOURCE.md").read_text(encoding="utf-8")
        assert "- commit: " in source and "- license: " in source, entry.name
        for target in load_expected(entry):
            assert target.get("layout") and target.get("id"), (entry.name, target)
            engines = ("kustomize", "helm", "manifest", "none")
            assert target["engine"] in engines, (entry.name, target)
            if target["engine"] == "none":
                assert target.get("read"), f"{entry.name}: say why no engine checks {target}"
            assert target.get("images") or target.get("unknown") or target.get("fails"), target


@pytest.mark.parametrize(("entry", "target"), _cases("engine"))
def test_engine(entry: Path, target: dict[str, Any]) -> None:
    """The real engine renders exactly the expected images (or refuses, where expected)."""
    if target["engine"] == "kustomize" and target.get("fails"):
        docs, error = build(entry, target)
        assert docs is None, "kustomize builds it; expected.yaml says it cannot"
        assert target["fails"] in error, error
        return
    got = engine_images(entry, target)
    want = expected_images(target)
    assert got == want


@pytest.mark.parametrize(("entry", "target"), _cases("tool"))
def test_tool(entry: Path, target: dict[str, Any]) -> None:
    """The tool's scan reports the expected images, and unknown where the files cannot say."""
    problems = tool_problems(entry, target)
    assert not problems, "\n".join(problems)


def _entry_cases() -> list[Any]:
    cases = []
    for entry in entries():
        reason = load_entry(entry).get("extra_xfail")
        marks = [xfail(reason)] if reason else []
        cases.append(pytest.param(entry, id=entry.name, marks=marks))
    return cases


@pytest.mark.parametrize("entry", _entry_cases())
def test_tool_claims_no_other_target(entry: Path) -> None:
    """Every target to which the tool gives an image is one expected.yaml lists: no image
    claimed for a target that is not deployed that way."""
    listed = {(t["kind"], t["path"]) for t in load_expected(entry)}
    extra = [
        (key, {c: v["image"] for c, v in t["components"].items() if v.get("image")})
        for key, t in scan(entry).items()
        if key not in listed and any(v.get("image") for v in t["components"].values())
    ]
    assert not extra, extra


def summary() -> str:
    """The corpus README's tables: entries, and per layout how many targets the tool
    gets right (a target is wrong exactly when it carries tool_xfail: the strict marks
    keep the two in step)."""
    rows = ["| entry | layout | targets | source commit |", "|---|---|---|---|"]
    by_layout: dict[str, list[int]] = {}
    gaps: dict[str, set[str]] = {}
    for entry in entries():
        source = (entry / "SOURCE.md").read_text(encoding="utf-8")
        commit = re.search(r"- commit: (\w+)", source)
        repo = entry.name.replace("--", "/", 1)
        targets = load_expected(entry)
        layouts = sorted({t["layout"] for t in targets})
        ids = ", ".join(f"`{t['id']}`" + (" ✗" if t.get("tool_xfail") else " ✓") for t in targets)
        short = commit.group(1)[:12] if commit else "?"
        rows.append(
            f"| [{repo}](https://github.com/{repo}) | {'; '.join(layouts)} | {ids} | `{short}` |"
        )
        for t in targets:
            counts = by_layout.setdefault(t["layout"], [0, 0])
            counts[1] += 1
            if t.get("tool_xfail"):
                gaps.setdefault(t["layout"], set()).add(t["tool_xfail"])
            else:
                counts[0] += 1
    table = ["| layout | right today | gaps |", "|---|---|---|"]
    right = total = 0
    for layout, (ok, n) in sorted(by_layout.items()):
        right, total = right + ok, total + n
        named = "<br>".join(sorted(gaps.get(layout, ()))) or "-"
        table.append(f"| {layout} | {ok}/{n} | {named} |")
    table.append(f"| **all** | **{right}/{total}** | |")
    return "\n".join(rows) + "\n\n" + "\n".join(table) + "\n"


if __name__ == "__main__":  # authoring aid: what the engines and the tool say
    if sys.argv[1:] == ["--summary"]:
        print(summary(), end="")
        sys.exit(0)
    for arg in sys.argv[1:]:
        entry = CORPUS / arg
        for key, t in sorted(scan(entry).items()):
            print("tool  ", key, {c: v.get("image") for c, v in t["components"].items()})
        if (entry / "expected.yaml").exists():
            for target in load_expected(entry):
                if target["engine"] != "none" and not target.get("fails"):
                    try:
                        print("engine", target["id"], engine_images(entry, target))
                    except Exception as exc:  # noqa: BLE001 - shown to the author
                        print("engine", target["id"], "ERROR", exc)
                print("tool? ", target["id"], tool_problems(entry, target) or "right")
