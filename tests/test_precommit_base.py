"""Pre-commit mode reads the base cheaply: files that `git diff` finds unchanged are read
from disk (and searched with one `git grep` at the base) instead of through `git
cat-file`, and the git calls run in the background. None of that may change what lint
says: the reference is the same run with every base file read through git."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import git, init_repo, write
from litemaas_upgrade.gitutil import GitError, toplevel, toplevel_and_commit
from litemaas_upgrade.lint import resolve
from litemaas_upgrade.lint.runner import run_rules
from litemaas_upgrade.records import asdict
from litemaas_upgrade.rules import load_rules
from litemaas_upgrade.source import GitTree, WorkTree

NEW_LLM = "main-v1.81.0-stable"


def report(
    repo: Path, files: list[str], monkeypatch: pytest.MonkeyPatch, *, mirrored: bool
) -> dict:
    monkeypatch.chdir(repo)
    with monkeypatch.context() as m:
        if not mirrored:
            m.setattr(GitTree, "mirror", lambda self, work, changed: None)
        notes: list[str] = []
        ctx = resolve.repository_context(load_rules(None), files, [], [], None, notes)
        result = run_rules(ctx, notes)
    out = {
        "findings": [asdict(f) for f in result.findings],
        "targets": result.targets,
        "base": result.base,
        "notes": result.notes,
        "exit": result.exit_code(False),
        "checked": sorted((c.target.key, c.base.key if c.base else None) for c in ctx.checks),
        "base_components": sorted(
            (c.target.key, name, str(state.image))
            for c in ctx.checks
            if c.base is not None
            for name, state in c.base.components.items()
        ),
    }
    return json.loads(json.dumps(out, default=str))


def same_either_way(repo: Path, files: list[str], monkeypatch: pytest.MonkeyPatch) -> dict:
    fast = report(repo, files, monkeypatch, mirrored=True)
    slow = report(repo, files, monkeypatch, mirrored=False)
    assert fast == slow
    return fast


def test_unchanged_files_come_from_disk_changed_ones_from_git(sample_repo: Path) -> None:
    values = sample_repo / "envs" / "prod-values.yaml"
    committed = values.read_bytes()
    values.write_bytes(committed + b"\nbackend:\n  image:\n    tag: \"0.2.0\"\n")
    write(sample_repo / "untracked.yaml", "a: 1\n")
    (sample_repo / "dev-tools" / "compose.yaml").unlink()
    work = WorkTree(sample_repo)
    tree = GitTree(sample_repo, "HEAD")
    try:
        diff = resolve.base_diff(tree, work)
        assert diff is not None
        assert diff.changed == {"envs/prod-values.yaml", "untracked.yaml", "dev-tools/compose.yaml"}
        tree.mirror(work, diff.changed)
        assert tree.read("envs/prod-values.yaml") == committed  # the base's bytes, from git
        assert work.read("envs/prod-values.yaml") != committed
        assert tree.read("dev-tools/compose.yaml")  # deleted on disk, still at the base
        assert "untracked.yaml" not in tree.files()
        chart = "charts/litemaas/values.yaml"
        assert tree.read(chart) == (sample_repo / chart).read_bytes()
    finally:
        tree.close()


def test_work_tree_search_answers_changed_files_itself(gitops_repo: Path) -> None:
    app = gitops_repo / "gitops" / "argocd" / "app-values-string.yaml"
    moved = gitops_repo / "gitops" / "argocd" / "app-moved.yaml"
    shutil.move(app, moved)  # a GitOps object under a new, untracked name
    flux = gitops_repo / "gitops" / "flux" / "helmrelease.yaml"
    flux.write_text("kind: ConfigMap\n", encoding="utf-8")  # no longer a Flux object
    work = WorkTree(gitops_repo)
    tree = GitTree(gitops_repo, "HEAD")
    try:
        diff = resolve.base_diff(tree, work)
        assert diff is not None
        tree.mirror(work, diff.changed)
        markers = (b"argoproj.io", b"fluxcd.io")
        fast = work.containing(markers, (".yaml",))
        work.same_as = None
        work.__dict__.pop("_found")
        assert fast == work.containing(markers, (".yaml",))
        assert "gitops/argocd/app-moved.yaml" in fast
        assert "gitops/argocd/app-values-string.yaml" not in fast
        assert "gitops/flux/helmrelease.yaml" not in fast
        assert "gitops/flux/helmrelease.yaml" in tree.containing(markers, (".yaml",))
    finally:
        tree.close()


def test_search_ahead_in_the_work_tree_answers_as_the_revision_does(gitops_repo: Path) -> None:
    # The search started ahead greps the work tree; for the base it must answer exactly
    # as a grep of the revision does: files that changed are searched at the base.
    argo = gitops_repo / "gitops" / "argocd"
    shutil.move(argo / "app-values-string.yaml", argo / "app-moved.yaml")  # renamed, untracked
    flux = gitops_repo / "gitops" / "flux" / "helmrelease.yaml"
    flux.write_text("kind: ConfigMap\n", encoding="utf-8")  # marker gone from the work tree
    chart = gitops_repo / "charts" / "litemaas" / "values.yaml"  # tracked; the marker comes
    chart.write_text(chart.read_text(encoding="utf-8") + "# see argoproj.io\n", encoding="utf-8")
    markers, suffixes = (b"argoproj.io", b"fluxcd.io"), (".yaml",)
    reference = GitTree(gitops_repo, "HEAD")
    work, tree = WorkTree(gitops_repo), GitTree(gitops_repo, "HEAD")
    try:
        tree.search_ahead(markers, suffixes)
        diff = resolve.base_diff(tree, work)
        assert diff is not None
        tree.mirror(work, diff.changed)
        at_base = tree.containing(markers, suffixes)
        assert at_base == reference.containing(markers, suffixes)
        assert "gitops/flux/helmrelease.yaml" in at_base
        assert "gitops/argocd/app-values-string.yaml" in at_base
        assert "charts/litemaas/values.yaml" not in at_base
        now = work.containing(markers, suffixes)
        assert "gitops/argocd/app-moved.yaml" in now and "charts/litemaas/values.yaml" in now
        assert "gitops/flux/helmrelease.yaml" not in now
    finally:
        tree.close()
        reference.close()


def test_search_ahead_without_a_mirror_greps_the_revision(gitops_repo: Path) -> None:
    flux = gitops_repo / "gitops" / "flux" / "helmrelease.yaml"
    flux.write_text("kind: ConfigMap\n", encoding="utf-8")
    tree = GitTree(gitops_repo, "HEAD")
    try:
        tree.search_ahead((b"fluxcd.io",), (".yaml",))  # and then no `git diff` answer
        assert "gitops/flux/helmrelease.yaml" in tree.containing((b"fluxcd.io",), (".yaml",))
    finally:
        tree.close()


def test_lint_reports_the_same_with_and_without_disk_reads(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = sample_repo / "envs" / "prod-values.yaml"
    values.write_text(
        values.read_text(encoding="utf-8") + f"\nlitellm:\n  image:\n    tag: {NEW_LLM}\n",
        encoding="utf-8",
    )
    out = same_either_way(sample_repo, ["envs/prod-values.yaml"], monkeypatch)
    assert out["exit"] == 1  # LiteLLM first: refused either way
    assert out["base"].startswith("HEAD (")
    assert any("litellm" in c[1] for c in out["base_components"])


def test_gitops_object_changed_and_renamed(
    gitops_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = gitops_repo / "gitops" / "argocd" / "app-values-string.yaml"
    app.write_text(
        app.read_text(encoding="utf-8").replace('tag: "0.1.3"', 'tag: "0.2.0"'), encoding="utf-8"
    )
    git(gitops_repo, "mv", "gitops/argocd/app-values-string.yaml", "gitops/argocd/staging.yaml")
    out = same_either_way(gitops_repo, ["gitops/argocd/staging.yaml"], monkeypatch)
    assert out["targets"] == 1
    # The renamed object is still compared with itself at the base.
    assert all(base is not None for _target, base in out["checked"])


def test_manifest_folders_scoped_to_the_changed_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "manifests"
    for name in ("one", "two"):
        write(
            repo / name / "litellm.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: litellm\nspec:\n"
            "  template:\n    spec:\n      containers:\n        - name: litellm\n"
            "          image: ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable\n"
            "        - name: backend\n"
            "          image: quay.io/rh-aiservices-bu/litemaas-backend:0.1.3\n",
        )
    init_repo(repo)
    for name in ("one", "two"):
        path = repo / name / "litellm.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("1.74.7", "1.81.0"), "utf-8")
    out = same_either_way(repo, ["two/litellm.yaml"], monkeypatch)
    assert [key for key, _ in out["checked"]] == [["two", "manifest"]]
    assert out["exit"] == 1


def test_toplevel_and_commit(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    top, commit = toplevel_and_commit(empty, "HEAD")
    assert top == empty.resolve() and commit is None  # no commits yet
    repo = init_repo(write(tmp_path / "repo" / "sub" / "a.yaml", "a: 1\n").parents[1])
    top, commit = toplevel_and_commit(repo / "sub", "HEAD")
    assert top == repo.resolve()
    assert commit == git(repo, "rev-parse", "HEAD").strip()
    assert toplevel(repo / "sub" / "a.yaml") == repo.resolve()
    with pytest.raises(GitError):
        toplevel_and_commit(tmp_path / "repo" / ".." / "empty" / "..", "HEAD")
