"""The differential test: for every Kustomize fixture and sample build root, the images
`scan` resolves agree with what the real `kubectl kustomize` renders; and every phase
overlay `plan` writes builds with kubectl to exactly the phase's images."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import SAMPLES, init_repo
from litemaas_upgrade.engine import scan
from litemaas_upgrade.imageref import ImageRef, ImageRefError
from litemaas_upgrade.rules import load_rules
from litemaas_upgrade.source import WorkTree

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "kustomize"
KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")
RULES = load_rules()

# (repository folder, build root inside it)
BUILDABLE = [
    (SAMPLES, "kustomize/overlays/dev"),
    (SAMPLES, "kustomize/overlays/prod"),
    (SAMPLES, "kustomize-upstream"),
    (FIXTURES / "nested", "top"),
    (FIXTURES / "components", "overlay"),
    (FIXTURES / "legacy", "overlay"),
    (FIXTURES / "kinds", "."),
]


def kustomize(folder: Path) -> str:
    assert KUBECTL is not None
    proc = subprocess.run(
        [KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _pod_specs(doc: dict) -> list[dict]:
    kind, spec = doc.get("kind"), doc.get("spec") or {}
    if kind == "Pod":
        return [spec]
    if kind == "CronJob":
        return [spec["jobTemplate"]["spec"]["template"]["spec"]]
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return [spec["template"]["spec"]]
    return []


def rendered(text: str) -> dict[str, set[tuple[str, str, str]]]:
    """component -> {(Kind/name, container, image)} from kustomize output."""
    out: dict[str, set[tuple[str, str, str]]] = {}
    for doc in YAML(typ="safe").load_all(text):
        if not isinstance(doc, dict):
            continue
        for pod in _pod_specs(doc):
            for key in ("initContainers", "containers"):
                for c in pod.get(key) or []:
                    try:
                        comp = RULES.component_of(ImageRef.parse(c["image"]))
                    except ImageRefError:
                        continue
                    if comp:
                        workload = f"{doc['kind']}/{doc['metadata']['name']}"
                        out.setdefault(comp, set()).add((workload, c["name"], c["image"]))
    return out


def scanned(repo: Path, root: str) -> dict[str, object]:
    targets = scan(WorkTree(repo), RULES).targets
    src = WorkTree(repo)
    want = src.display("" if root == "." else root)
    found = [t for t in targets if t.kind == "kustomize" and t.path == want]
    assert len(found) == 1, [t.path for t in targets]
    return {"target": found[0]}


@needs_kubectl
@pytest.mark.parametrize(("repo", "root"), BUILDABLE, ids=[f"{r.name}/{p}" for r, p in BUILDABLE])
def test_scan_agrees_with_kubectl_kustomize(repo: Path, root: str) -> None:
    target = scanned(repo, root)["target"]
    real = rendered(kustomize(repo / root))
    ours = {
        comp: {(p.workload, p.container, p.image) for p in placed}
        for comp, placed in target.data.placed.items()  # type: ignore[attr-defined]
    }
    assert ours == real
    for comp, state in target.components.items():  # type: ignore[attr-defined]
        assert str(state.image) in {img for _w, _c, img in real[comp]}
    assert set(target.components) == set(real)  # type: ignore[attr-defined]


def test_samples_report_the_upstream_override_and_the_typo() -> None:
    targets = {t.path: t for t in scan(WorkTree(SAMPLES), RULES).targets if t.kind == "kustomize"}
    up = (
        targets["kustomize-upstream"]
        if "kustomize-upstream" in targets
        else next(t for p, t in targets.items() if p.endswith("kustomize-upstream"))
    )
    backend = up.components["backend"]
    assert str(backend.image) == "quay.io/rh-aiservices-bu/litemaas-backend:latest"
    decides = [(s.decides, Path(s.file).name, s.line) for s in backend.sites]
    assert decides == [
        ("image", "backend-deployment.yaml.local", 25),
        ("newTag", "kustomization.yaml", 18),
        ("env", "user-values.env", 1),
    ]
    assert [f.code for f in up.findings if f.code == "LU008"] == ["LU008", "LU008"]
    prod = next(t for p, t in targets.items() if p.endswith("overlays/prod"))
    typo = [f for f in prod.findings if f.code == "LU005"]
    assert len(typo) == 1 and "litemaas-fronted" in typo[0].message
    assert "did you mean quay.io/rh-aiservices-bu/litemaas-frontend" in typo[0].message
    assert typo[0].line == 17
    # The base is used by both overlays: it is not a build root of its own.
    assert not any(p.endswith("kustomize/base") for p in targets)


def test_unresolvable_inputs_are_reported_never_read() -> None:
    remote = scan(WorkTree(FIXTURES / "remote"), RULES).targets
    assert len(remote) == 1
    codes = [(f.code, f.line) for f in remote[0].findings]
    assert ("LU009", 2) in codes and not any(c == "LU005" for c, _ in codes)
    backend = remote[0].components["backend"]
    assert str(backend.image) == "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3"
    assert "remote" in backend.note
    # The remote folder is upstream LiteMaaS's whole deployment: what it carries besides
    # the backend the images: entry decides is unknown, never absent.
    assert set(remote[0].components) == {"backend", "frontend", "litellm"}
    for comp in ("frontend", "litellm"):
        state = remote[0].components[comp]
        assert state.image is None and state.version is None
        assert state.note == (
            "deployed by a remote resource that is never fetched: "
            "github.com/rh-aiservices-bu/litemaas//deployment/kustomize?ref=v0.1.3"
        )

    escape = scan(WorkTree(FIXTURES / "escape" / "repo"), RULES).targets
    assert len(escape) == 1 and escape[0].path.endswith("escape/repo/overlay")
    (t,) = escape
    assert "litellm" not in t.components  # only outside the root
    assert any("outside the repository root" in f.message for f in t.findings)

    cycle = scan(WorkTree(FIXTURES / "cycle"), RULES).targets
    assert len(cycle) == 2
    for t in cycle:
        assert any(f.code == "LU009" and "cycle" in f.message for f in t.findings)


def test_fixture_findings_digests_and_unused_entries() -> None:
    (nested,) = scan(WorkTree(FIXTURES / "nested"), RULES).targets
    assert str(nested.components["backend"].image) == (
        "registry.local:5000/mirror/litemaas-backend:0.1.5"
    )
    unused = [f for f in nested.findings if f.code == "LU005"]
    assert len(unused) == 1 and "registry.local:5000/mirror/litemaas-backend" in unused[0].message
    assert any(f.code == "LU004" and "digest-only" in f.message for f in nested.findings)
    (kinds,) = scan(WorkTree(FIXTURES / "kinds"), RULES).targets
    assert any(f.code == "LU005" and "'litellm-non_root'" in f.message for f in kinds.findings)


# ------------------------------------------------------------------ phase overlays


def _copy_repo(src: Path, tmp_path: Path) -> Path:
    repo = tmp_path / src.name
    shutil.copytree(src, repo)
    return init_repo(repo)


@needs_kubectl
@pytest.mark.parametrize(
    "source",
    [
        SAMPLES,
        FIXTURES / "nested",
        FIXTURES / "components",
        FIXTURES / "legacy",
        FIXTURES / "kinds",
    ],
    ids=lambda p: p.name,
)
def test_every_phase_overlay_builds_to_the_phase_images(cli, tmp_path: Path, source: Path) -> None:
    import json

    repo = _copy_repo(source, tmp_path)
    result = cli("plan", ".", "--out", "upgrade", cwd=repo)
    assert result.code == 0, result.err
    plan = json.loads((repo / "upgrade" / "plan.json").read_text())
    checked = 0
    for phase in plan["phases"]:
        n = phase["phase"]
        edited = tmp_path / f"edited-{n}"  # form (a): the repository with the phase's edits
        shutil.copytree(repo, edited, ignore=shutil.ignore_patterns("upgrade", ".git"))
        phase_tree = repo / "upgrade" / f"phase-{n}"
        for path in phase_tree.rglob("*"):
            rel = path.relative_to(phase_tree)
            if path.is_file() and rel.parts[0] != "_deploy":
                shutil.copyfile(path, edited / rel)
        for step in phase["steps"]:
            if step["kind"] != "kustomize":
                continue
            mine = rendered(kustomize(edited / step["target"]))
            overlays = [f for f in step["files"] if f.endswith("kustomization.yaml")]
            if step["target"] == ".":
                # The output folder is inside this build root: kustomize refuses an
                # overlay inside the root it builds, so the edited files are the phase.
                assert overlays == []
                assert step["deploy"] == "kubectl apply -k ."
                real = mine
            else:
                (overlay,) = overlays
                real = rendered(kustomize(repo / "upgrade" / Path(overlay).parent))
                assert {c: {i for *_x, i in v} for c, v in mine.items()} == {
                    c: {i for *_x, i in v} for c, v in real.items()
                }
            after = step["after"]
            for comp, images in real.items():
                if comp in step["pin"] and len(images) > 1:
                    continue  # containers that differ stay as they are (checked above)
                # Every container at the phase's tag; the reported image is one of them.
                assert after[comp]["image"] in {img for _w, _c, img in images}, comp
                assert {split_tag(i) for *_x, i in images} == {after[comp]["tag"]}, comp
            for comp, tag in step["set"].items():
                assert {split_tag(i) for *_x, i in real[comp]} == {tag}
            checked += 1
    assert checked > 0


def split_tag(image: str) -> str:
    return ImageRef.parse(image).tag or ""
