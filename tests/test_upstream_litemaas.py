"""Upstream LiteMaaS's own deployment folders (v0.1.3, committed under
tests/fixtures/upstream-litemaas-v0.1.3, see its SOURCE.md), exported into a fresh git
repository: as cloned (templates only, the generated files gitignored) and after the real
`preparation.sh` has run. The images the tool resolves are compared with what the real
`kubectl kustomize` renders, and the phases `plan` writes are built the same way."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, git, init_repo

FIXTURE = ROOT / "tests" / "fixtures" / "upstream-litemaas-v0.1.3"
FOLDERS = ("deployment/kustomize", "deployment/openshift")
OURS = ("backend", "frontend", "litellm")

needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is missing")
needs_envsubst = pytest.mark.skipif(
    shutil.which("envsubst") is None,
    reason="envsubst (gettext-base) is missing: preparation.sh cannot run (.ci/run installs it)",
)


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    repo = tmp_path / "litemaas"
    shutil.copytree(FIXTURE, repo, ignore=shutil.ignore_patterns("SOURCE.md"))
    return init_repo(repo)


def prepare(repo: Path, folder: str) -> None:
    """What the upstream docs say to do: copy the example values, run preparation.sh."""
    here = repo / folder
    shutil.copy(here / "user-values.env.example", here / "user-values.env")
    subprocess.run(["bash", "preparation.sh"], cwd=here, check=True, capture_output=True)


def built_images(repo: Path, folder: str) -> set[str]:
    out = subprocess.run(
        ["kubectl", "kustomize", folder], cwd=repo, check=True, capture_output=True, text=True
    ).stdout
    images = set()
    for line in out.splitlines():
        text = line.strip().removeprefix("- ")
        if text.startswith("image: "):
            images.add(text.split(":", 1)[1].strip())
    return images


def ours(images: set[str]) -> set[str]:
    return {i for i in images if "litemaas" in i or "litellm" in i}


def scan(cli, repo: Path, *to: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    result = cli("scan", ".", "--format", "json", *to, cwd=repo)
    assert result.code in (0, 1), result.err
    return {t["path"]: t for t in json.loads(result.out)["targets"]}


def test_as_cloned_every_folder_deploys_all_three_components(cli, upstream: Path) -> None:
    assert not list(upstream.rglob("*.local"))
    assert not (upstream / "deployment/kustomize/kustomization.yaml").exists()
    targets = scan(cli, upstream)
    for folder in FOLDERS:
        target = targets[folder]
        assert target["kind"] == "kustomize"
        comps = target["components"]
        assert set(comps) == set(OURS)
        # The images: entry (newTag: latest) wins over LITEMAAS_VERSION, as kustomize says.
        assert comps["backend"]["image"] == "quay.io/rh-aiservices-bu/litemaas-backend:latest"
        assert comps["frontend"]["image"] == "quay.io/rh-aiservices-bu/litemaas-frontend:latest"
        assert comps["backend"]["version"] is None
        assert comps["litellm"]["image"] == "ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable"
        sites = {(s["decides"], s["file"]) for s in comps["backend"]["sites"]}
        # The template is linked to the env file in spite of its ${NODE_TLS_ENV_BLOCK} line.
        assert ("env", f"{folder}/user-values.env.example") in sites
        assert ("image", f"{folder}/backend-deployment.yaml.template") in sites
        assert ("newTag", f"{folder}/kustomization.yaml.template") in sites
        assert target["stage"] not in ("phase-1-done", "upgraded")
    helm = targets["deployment/helm/litemaas"]["components"]
    assert set(helm) == set(OURS)


@needs_kubectl
@needs_envsubst
@pytest.mark.parametrize("folder", FOLDERS)
def test_after_preparation_the_images_are_what_kubectl_builds(
    cli, upstream: Path, folder: str
) -> None:
    before = scan(cli, upstream)[folder]["components"]
    prepare(upstream, folder)
    assert (upstream / folder / "kustomization.yaml").exists()
    assert git(upstream, "status", "--short", "--", f"{folder}/backend-deployment.yaml.local") == ""
    after = scan(cli, upstream)[folder]["components"]
    built = ours(built_images(upstream, folder))
    assert {c["image"] for c in after.values()} == built
    # As cloned, the tool already knew what the preparation would give.
    assert {c["image"] for c in before.values()} == built


def _litellm_first(repo: Path, folder: str) -> str:
    rel = f"{folder}/litellm-deployment.yaml"
    path = repo / rel
    path.write_text(path.read_text().replace("main-v1.74.7-stable", "main-v1.81.0-stable"))
    return rel


@pytest.mark.parametrize("prepared", [False, True], ids=["as-cloned", "prepared"])
@pytest.mark.parametrize("folder", FOLDERS)
def test_both_hooks_refuse_a_litellm_first_commit(
    cli, upstream: Path, folder: str, prepared: bool
) -> None:
    if prepared:
        if shutil.which("envsubst") is None:
            pytest.skip("envsubst (gettext-base) is missing: preparation.sh cannot run")
        prepare(upstream, folder)
    rel = _litellm_first(upstream, folder)
    git(upstream, "add", "-u")
    assert git(upstream, "diff", "--cached", "--name-only").split() == [rel]
    if prepared:  # the generated files are in the work tree, ignored by git
        ignored = git(upstream, "status", "--porcelain", "--ignored", "--", folder)
        assert f"!! {folder}/backend-deployment.yaml.local" in ignored
    hook = cli("lint", rel, cwd=upstream)
    assert hook.code == 1, hook.out + hook.err
    assert "LU001" in hook.out
    base = cli("lint", "--base", "HEAD", cwd=upstream)
    assert base.code == 1, base.out + base.err
    assert "LU001" in base.out
    # The PR comment says the same: the folder's row is refused, never "ok".
    md = cli("diff", ".", "--base", "HEAD", "--format", "markdown", cwd=upstream)
    rows = [line for line in md.out.splitlines() if line.startswith("|") and folder in line]
    assert rows and all("LU001" in row and "✅" not in row for row in rows), md.out


@pytest.mark.parametrize("folder", FOLDERS)
def test_unrelated_commits_pass_in_a_clean_clone(cli, upstream: Path, folder: str) -> None:
    rel = f"{folder}/postgres-service.yaml"
    with open(upstream / rel, "a") as fh:
        fh.write("# a comment\n")
    git(upstream, "add", "-A")
    assert cli("lint", rel, cwd=upstream).code == 0
    assert cli("lint", "--base", "HEAD", cwd=upstream).code == 0


def test_a_missing_template_makes_its_component_unknown_never_absent(cli, upstream: Path) -> None:
    folder = "deployment/kustomize"
    (upstream / folder / "backend-deployment.yaml.template").unlink()
    git(upstream, "commit", "-qam", "drop the backend template")
    target = scan(cli, upstream)[folder]
    backend = target["components"]["backend"]
    assert backend["version"] is None and backend["image"] is None
    assert "backend-deployment.yaml.local" in backend["note"]
    assert any(f["code"] == "LU009" and f["severity"] == "error" for f in target["findings"])
    rel = _litellm_first(upstream, folder)
    result = cli("lint", rel, cwd=upstream)
    assert result.code == 1 and "LU001" in result.out


def test_an_image_variable_nothing_sets_is_unknown(cli, upstream: Path) -> None:
    folder = upstream / "deployment/kustomize"
    ktemplate = folder / "kustomization.yaml.template"
    # Without the images: entry, LITEMAAS_VERSION decides; without the variable, nothing does.
    text = ktemplate.read_text()
    ktemplate.write_text(text[: text.index("# Images")])
    env = folder / "user-values.env.example"
    env.write_text(env.read_text().replace("LITEMAAS_VERSION=0.1.3\n", ""))
    git(upstream, "commit", "-qam", "no version")
    comps = scan(cli, upstream)["deployment/kustomize"]["components"]
    assert comps["backend"]["version"] is None
    # envsubst would write `image: ...litemaas-backend:` (not YAML): no image at all.
    assert comps["backend"]["image"] is None
    assert "${LITEMAAS_VERSION} is not set" in comps["backend"]["note"]


@needs_kubectl
@needs_envsubst
@pytest.mark.parametrize("folder", FOLDERS)
def test_plan_phases_build_right_after_preparation(
    cli, upstream: Path, tmp_path: Path, folder: str
) -> None:
    out = tmp_path / "plan"
    result = cli("plan", ".", "--out", str(out), cwd=upstream)
    assert result.code == 0, result.err
    runbook = (out / "RUNBOOK.md").read_text()
    assert "bash preparation.sh) && kubectl apply -k" in runbook
    assert "apply -f" not in runbook
    phase_1 = (out / "phase-1.diff").read_text()
    for changed in ("kustomization.yaml.template", "user-values.env.example"):
        assert f"+++ b/{folder}/{changed}" in phase_1
    prepare(upstream, folder)
    wanted = {
        1: {
            "quay.io/rh-aiservices-bu/litemaas-backend:0.2.0",
            "quay.io/rh-aiservices-bu/litemaas-frontend:0.2.0",
            "ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable",
        },
        2: {
            "quay.io/rh-aiservices-bu/litemaas-backend:0.2.0",
            "quay.io/rh-aiservices-bu/litemaas-frontend:0.2.0",
            "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable",
        },
    }
    for phase in (1, 2):
        # The phase's thin overlay, over the prepared folder as it is.
        slug = folder.replace("/", "__")
        overlay = out / f"phase-{phase}" / "_deploy" / "kustomize" / slug
        assert ours(built_images(upstream, str(overlay))) == wanted[phase]
        # The phase's edits, then the preparation again, as the runbook says.
        git(upstream, "apply", str(out / f"phase-{phase}.diff"))
        env = upstream / folder / "user-values.env"
        env.unlink()
        prepare(upstream, folder)
        assert ours(built_images(upstream, folder)) == wanted[phase]
        comps = scan(cli, upstream)[folder]["components"]
        assert {c["image"] for c in comps.values()} == wanted[phase]


def test_apply_keeps_every_env_file_and_generated_file_consistent(cli, upstream: Path) -> None:
    folder = upstream / "deployment/kustomize"
    # A user who committed their values and the generated files (force-added).
    shutil.copy(folder / "user-values.env.example", folder / "user-values.env")
    if shutil.which("envsubst") is None:
        pytest.skip("envsubst (gettext-base) is missing: preparation.sh cannot run")
    subprocess.run(["bash", "preparation.sh"], cwd=folder, check=True, capture_output=True)
    git(upstream, "add", "-f", "-A")
    git(upstream, "commit", "-qm", "prepared")
    result = cli("apply", "deployment/kustomize", "--phase", "1", cwd=upstream)
    assert result.code == 0, result.err
    for name in ("user-values.env", "user-values.env.example"):
        assert "LITEMAAS_VERSION=0.2.0\n" in (folder / name).read_text()
    for name in ("kustomization.yaml", "kustomization.yaml.template"):
        assert (folder / name).read_text().count("newTag: 0.2.0") == 2
    for comp in ("backend", "frontend"):
        local = (folder / f"{comp}-deployment.yaml.local").read_text()
        assert f"litemaas-{comp}:0.2.0" in local
        assert "${LITEMAAS_VERSION}" in (folder / f"{comp}-deployment.yaml.template").read_text()


@needs_kubectl
@needs_envsubst
def test_the_script_s_own_variables_are_opaque_text(cli, upstream: Path) -> None:
    """With NODE_TLS_REJECT_UNAUTHORIZED=0, preparation.sh writes a two-line env entry in
    place of ${NODE_TLS_ENV_BLOCK}: the template still fills from the env file, and the
    images still match what kubectl builds."""
    folder = "deployment/kustomize"
    env = upstream / folder / "user-values.env.example"
    env.write_text(env.read_text() + "NODE_TLS_REJECT_UNAUTHORIZED=0\n")
    git(upstream, "commit", "-qam", "tls")
    before = scan(cli, upstream)[folder]["components"]
    decides = {s["decides"] for s in before["backend"]["sites"]}
    assert "env" in decides
    prepare(upstream, folder)
    local = (upstream / folder / "backend-deployment.yaml.local").read_text()
    assert "- name: NODE_TLS_REJECT_UNAUTHORIZED" in local
    built = ours(built_images(upstream, folder))
    assert {c["image"] for c in before.values()} == built
    assert {c["image"] for c in scan(cli, upstream)[folder]["components"].values()} == built


@needs_kubectl
@needs_envsubst
def test_a_generated_file_whose_lines_moved_still_links_to_its_template(
    cli, upstream: Path
) -> None:
    """The script's two-line block above the image (here in the init container's env):
    the generated image line is one below the template's, and the link holds."""
    folder = "deployment/kustomize"
    template = upstream / folder / "backend-deployment.yaml.template"
    anchor = "                  key: database-url\n"
    text = template.read_text()
    at = text.index(anchor) + len(anchor)
    template.write_text(text[:at] + "            ${NODE_TLS_ENV_BLOCK}\n" + text[at:])
    env = upstream / folder / "user-values.env.example"
    env.write_text(env.read_text() + "NODE_TLS_REJECT_UNAUTHORIZED=0\n")
    git(upstream, "commit", "-qam", "tls in the init container too")
    prepare(upstream, folder)
    local = (upstream / folder / "backend-deployment.yaml.local").read_text().splitlines()
    line = next(n for n, t in enumerate(local, 1) if "litemaas-backend:" in t)
    assert "litemaas-backend:" not in template.read_text().splitlines()[line - 1]
    backend = scan(cli, upstream)[folder]["components"]["backend"]
    env_sites = [s for s in backend["sites"] if s["decides"] == "env"]
    assert [s["file"] for s in env_sites] == [f"{folder}/user-values.env"]
    assert backend["image"] in built_images(upstream, folder)


def test_the_env_example_decides_when_no_images_entry_does(cli, upstream: Path) -> None:
    """Without the images: entry, LITEMAAS_VERSION of user-values.env.example (all a
    clean clone has) decides the backend: moving it back under an upgraded LiteLLM is
    refused by the hook given only that file, and by `lint --base`."""
    folder = upstream / "deployment/kustomize"
    ktemplate = folder / "kustomization.yaml.template"
    text = ktemplate.read_text()
    ktemplate.write_text(text[: text.index("# Images")])
    env = folder / "user-values.env.example"
    env.write_text(env.read_text().replace("LITEMAAS_VERSION=0.1.3", "LITEMAAS_VERSION=0.2.0"))
    _litellm_first(upstream, "deployment/kustomize")
    git(upstream, "commit", "-qam", "upgraded")
    # Both phases of the v0.2.0 guide done: `upgraded` for it alone, phase 3 next by default.
    assert scan(cli, upstream, "--to", "0.2.0")["deployment/kustomize"]["stage"] == "upgraded"
    assert scan(cli, upstream)["deployment/kustomize"]["stage"] == "phase-2-done"
    env.write_text(env.read_text().replace("LITEMAAS_VERSION=0.2.0", "LITEMAAS_VERSION=0.1.3"))
    git(upstream, "add", "-u")
    hook = cli("lint", "deployment/kustomize/user-values.env.example", cwd=upstream)
    assert hook.code == 1 and "LU001" in hook.out
    assert cli("lint", "--base", "HEAD", cwd=upstream).code == 1
    # The hooks are given this file at all.
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    pattern = re.search(r"files: '([^']+)'", hooks)
    assert pattern is not None
    assert re.search(pattern.group(1), "deployment/kustomize/user-values.env.example")


@needs_kubectl
@needs_envsubst
def test_a_committed_kustomization_whose_local_files_are_missing(cli, upstream: Path) -> None:
    """The generated kustomization.yaml committed (upstream does not ignore it), the
    *.local files not (they are): the build reads what the templates would give."""
    folder = "deployment/kustomize"
    prepare(upstream, folder)
    built = ours(built_images(upstream, folder))
    git(upstream, "add", f"{folder}/kustomization.yaml")
    git(upstream, "commit", "-qm", "the generated kustomization")
    for local in (upstream / folder).glob("*.local"):
        local.unlink()
    (upstream / folder / "user-values.env").unlink()
    target = scan(cli, upstream)[folder]
    assert {c["image"] for c in target["components"].values()} == built
    sites = {(s["decides"], s["file"]) for s in target["components"]["backend"]["sites"]}
    assert ("newTag", f"{folder}/kustomization.yaml") in sites
    assert ("image", f"{folder}/backend-deployment.yaml.template") in sites
    assert not [f for f in target["findings"] if f["severity"] == "error"]


def test_a_kustomization_template_that_does_not_fill_is_the_target_s_error(
    cli, upstream: Path
) -> None:
    folder = "deployment/kustomize"
    ktemplate = upstream / folder / "kustomization.yaml.template"
    ktemplate.write_text(ktemplate.read_text().replace("resources:\n", "resources: [\n", 1))
    git(upstream, "commit", "-qam", "broken template")
    targets = scan(cli, upstream)
    assert folder in targets and targets[folder]["kind"] == "kustomize"
    target = targets[folder]
    assert set(target["components"]) == set(OURS)
    assert all(c["version"] is None for c in target["components"].values())
    errors = [f for f in target["findings"] if f["severity"] == "error"]
    assert errors and errors[0]["code"] == "LU009"
    assert "kustomization.yaml cannot be generated" in errors[0]["message"]
    assert "fills into YAML" in errors[0]["fix"]
    # Never a plain manifest folder instead.
    assert not [t for t in targets.values() if t["kind"] == "manifest"]
    rel = _litellm_first(upstream, folder)
    git(upstream, "add", "-u")
    assert cli("lint", rel, cwd=upstream).code == 1
    assert cli("lint", "--base", "HEAD", cwd=upstream).code == 1
