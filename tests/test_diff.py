"""`diff`: every format pinned for the phases of the sample repository, rendered diffs
checked against the real Helm engine and kubectl kustomize, JSON patches applied back,
unified diffs applied with git, the markdown budget, and no sample secret in any output."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonpatch
import pytest
from ruamel.yaml import YAML

import diff_excerpts as excerpts
from conftest import ROOT, git, init_repo, write
from litemaas_upgrade.diff.markdown import BUDGET, MARKER
from litemaas_upgrade.diff.secrets import is_secret_key, mask_text

pytest.importorskip("helm_python", reason="helm-python-sdk (extra 'render') not installed")

FORMATS = ["unified", "json", "jsonpatch", "markdown"]

# Every secret value written in sample-charts/ (chart defaults, env overrides, compose).
SAMPLE_SECRETS = [
    "sk-sample-master-key-123",
    "sk-prod-sample-master-key-456",
    "sample-pg-password-123",
    "sample-ui-password-123",
    "prod-sample-ui-password-456",
    "sample-jwt-secret-123",
    "staging-sample-jwt-secret-789",
    "sample-oauth-secret-123",
    "sample-admin-key-123",
]
# Values this test writes in place of the samples' secrets (a change must not show them).
NEW_SECRETS = [
    "sk-prod-rotated-key-999",
    "rotated-pg-password-777",
    "staging-rotated-jwt-888",
    "kustomize-db-password-555",
    "generated-literal-token-444",
]


def yaml_docs(text: str) -> list:
    return [d for d in YAML(typ="safe", pure=True).load_all(text) if d is not None]


# -- snapshots --------------------------------------------------------------------------


def diff_out(cli, repo: Path, *args: str) -> str:
    """`diff . ARGS` in the repository: its output, after checking that it succeeded and
    shows no sample secret."""
    result = cli("diff", ".", *args, cwd=repo)
    assert result.code == 0, result.err
    for secret in SAMPLE_SECRETS:
        assert secret not in result.out + result.err
    return result.out


# Each format is pinned for each phase by an excerpt per behaviour (diff_excerpts.py says
# what each keeps); what an excerpt leaves out is checked here against another output.


@pytest.mark.parametrize("phase", ["1", "2"])
def test_json_pins_files_targets_stages_and_components(cli, sample_repo: Path, snapshot,
                                                       phase) -> None:
    text = diff_out(cli, sample_repo, "--phase", phase, "--format", "json")
    assert excerpts.json_summary(text) == snapshot
    rendered = diff_out(cli, sample_repo, "--phase", phase, "--format", "json", "--rendered")
    # --rendered adds the resources, and changes nothing else.
    assert excerpts.without_rendering(rendered) == json.loads(text)
    assert excerpts.rendered_resources(rendered) == snapshot(name="rendered resources")


@pytest.mark.parametrize("rendered", [False, True], ids=["files", "rendered"])
@pytest.mark.parametrize("phase", ["1", "2"])
def test_jsonpatch_pins_every_operation(cli, sample_repo: Path, snapshot, phase,
                                        rendered) -> None:
    args = ["--phase", phase, "--format", "jsonpatch", *(["--rendered"] if rendered else [])]
    assert excerpts.jsonpatch_ops(diff_out(cli, sample_repo, *args)) == snapshot


@pytest.mark.parametrize("rendered", [False, True], ids=["files", "rendered"])
@pytest.mark.parametrize("phase", ["1", "2"])
def test_unified_pins_every_changed_line(cli, sample_repo: Path, snapshot, phase,
                                         rendered) -> None:
    args = ["--phase", phase, *(["--rendered"] if rendered else [])]
    assert excerpts.changed_lines(diff_out(cli, sample_repo, *args)) == snapshot


def test_unified_context_lines_are_verbatim_or_redacted(cli, sample_repo: Path,
                                                        snapshot) -> None:
    """One whole file section: context lines as in the file, a secret's line redacted."""
    text = diff_out(cli, sample_repo, "--phase", "1")
    section = excerpts.file_section(text, "envs/staging-values.yaml")
    assert "jwtSecret: <redacted>" in section
    assert section == snapshot


@pytest.mark.parametrize("rendered", [False, True], ids=["files", "rendered"])
@pytest.mark.parametrize("phase", ["1", "2"])
def test_markdown_pins_summary_and_sections(cli, sample_repo: Path, snapshot, phase,
                                            rendered) -> None:
    extra = ["--rendered"] if rendered else []
    md = diff_out(cli, sample_repo, "--phase", phase, "--format", "markdown", *extra)
    assert excerpts.markdown_outline(md) == snapshot
    # The sections hold the unified diff itself, file by file (or resource by resource).
    unified = diff_out(cli, sample_repo, "--phase", phase, *extra)
    assert excerpts.markdown_sections_are_unified_diffs(md, unified) >= md.count("<details>")


# -- rendered diffs: exactly the images of each phase ---------------------------------------


# The sample targets that render offline (helm and kustomize, nothing to download).
RENDERABLE = [
    "envs/prod-values.yaml",
    "envs/staging-values.yaml",
    "kustomize-upstream",
    "kustomize/overlays/dev",
    "kustomize/overlays/prod",
]


def expected_images(cli, repo: Path, phase: int) -> dict[str, dict[str, tuple[str, str]]]:
    """{target: {component: (image before, image after)}} for the components that move."""
    data = json.loads(cli("diff", ".", "--phase", str(phase), "--format", "json", cwd=repo).out)
    return {
        t["path"]: {
            name: (c["before"]["image"], c["after"]["image"])
            for name, c in t["components"].items()
            if c["changed"]
        }
        for t in data["targets"]
    }


@pytest.mark.parametrize("phase", [1, 2])
def test_rendered_diff_is_exactly_the_image_changes_of_the_phase(
    cli, sample_repo: Path, phase: int
) -> None:
    result = cli("diff", ".", "--phase", str(phase), "--format", "json", "--rendered",
                 cwd=sample_repo)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    moves = expected_images(cli, sample_repo, phase)
    rendered = {t["path"] for t in data["targets"] if t.get("rendered")}
    assert set(RENDERABLE) <= rendered
    moving = {"1": {"backend", "frontend"}, "2": {"litellm"}}[str(phase)]
    for target in data["targets"]:
        if not target["rendered"]:
            assert target["note"].startswith("not rendered: "), target
            continue
        want = moves[target["path"]]
        if not want:
            # Half of an installation apart (external-litellm/): the phase moves the other
            # half, and renders no change here.
            assert target["path"].startswith("external-litellm/"), target["path"]
            assert target["resources"] == [], target["path"]
            continue
        assert set(want) == moving, (target["path"], want)
        seen: dict[str, tuple[str, str]] = {}
        for res in target["resources"]:
            assert res["change"] == "changed", res
            for field in res["fields"]:
                assert re.fullmatch(
                    r"spec\.template\.spec\.(init)?[cC]ontainers\[\d+\]\.image", field["path"]
                ), (target["path"], res["kind"], res["name"], field)
                seen[field["new"]] = (field["old"], field["new"])
        # every image that moves, and nothing else, changed in the rendered manifests
        assert sorted(seen.values()) == sorted(want.values()), target["path"]


def test_rendered_helm_diff_matches_helm_rendering_of_applied_phase(
    cli, sample_repo: Path
) -> None:
    """The resources the diff says changed are those that differ when the real Helm engine
    renders the repository before and after `apply --phase 1`."""
    import helm_python as helm

    result = cli("diff", ".", "--phase", "1", "--format", "json", "--rendered", cwd=sample_repo)
    data = json.loads(result.out)
    chart = str(sample_repo / "charts/litemaas")

    def render(env: str) -> dict:
        values = helm.values_from_yaml((sample_repo / env).read_text())
        out = helm.Chart.load(chart).render(values, name="litemaas", namespace="litemaas")
        return {(d["kind"], d["metadata"]["name"]): d for t in out.values() for d in yaml_docs(t)}

    before = {env: render(env) for env in ("envs/prod-values.yaml", "envs/staging-values.yaml")}
    assert cli("apply", ".", "--phase", "1", cwd=sample_repo).code == 0
    for env, old in before.items():
        new = render(env)
        differ = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        target = next(t for t in data["targets"] if t["path"] == env)
        assert sorted((r["kind"], r["name"]) for r in target["resources"]) == differ


def test_kustomize_targets_are_skipped_without_kustomize_or_kubectl(
    cli, sample_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(shutil.which("git") or "/usr/bin/git", bin_dir / "git")
    monkeypatch.setenv("PATH", str(bin_dir))
    result = cli("diff", ".", "--phase", "1", "--format", "json", "--rendered", cwd=sample_repo)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    for target in data["targets"]:
        if target["kind"] == "kustomize":
            assert target["rendered"] is False
            assert "neither kustomize nor kubectl" in target["note"]
        if target["kind"] == "helm":
            assert target["rendered"] is True
    assert "neither kustomize nor kubectl is on the PATH" in result.err


def test_rendered_without_helm_engine_says_how_to_install(sample_repo: Path) -> None:
    code = (
        "import sys; sys.modules['helm_python'] = None\n"
        "from litemaas_upgrade.cli import main\n"
        "sys.argv = ['litemaas-upgrade', 'diff', '.', '--phase', '1', '--rendered']\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=sample_repo, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode == 2, proc.stderr
    assert "litemaas-upgrade[render]" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    # without --rendered the diff needs no Helm engine
    code = code.replace(", '--rendered'", "")
    proc = subprocess.run([sys.executable, "-c", code], cwd=sample_repo, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode == 0, proc.stderr
    assert "diff --git a/envs/prod-values.yaml" in proc.stdout


def test_chart_noise_labels_are_ignored_by_default_and_configurable(
    cli, helm_repo: Path
) -> None:
    chart = helm_repo / "charts/litemaas/Chart.yaml"
    chart.write_text(chart.read_text().replace("version: 0.1.0", "version: 0.1.1"))
    quiet = cli("diff", ".", "--base", "HEAD", "--rendered", "--exit-code", cwd=helm_repo)
    assert quiet.code == 0, quiet.err
    assert quiet.out == ""
    loud = cli("diff", ".", "--base", "HEAD", "--rendered", "--exit-code", "--format", "json",
               "--ignore-label", "app.kubernetes.io/version", cwd=helm_repo)
    assert loud.code == 1
    fields = {
        (f["path"], f["old"], f["new"])
        for t in json.loads(loud.out)["targets"]
        for r in t["resources"]
        for f in r["fields"]
    }
    assert fields
    assert all((old, new) == ("litemaas-0.1.0", "litemaas-0.1.1") for _, old, new in fields)
    assert all("helm.sh/chart" in path for path, _, _ in fields)
    # and the source diff still shows the edit (exit code 1: there are changes)
    assert cli("diff", ".", "--base", "HEAD", "--exit-code", cwd=helm_repo).code == 1


# -- secrets ----------------------------------------------------------------------------


def change_secrets(repo: Path) -> None:
    """Rotate secrets in values files, add a kustomize Secret and a secretGenerator."""
    prod = repo / "envs/prod-values.yaml"
    prod.write_text(prod.read_text().replace("sk-prod-sample-master-key-456", NEW_SECRETS[0]))
    values = repo / "charts/litemaas/values.yaml"
    values.write_text(values.read_text().replace("sample-pg-password-123", NEW_SECRETS[1]))
    staging = repo / "envs/staging-values.yaml"
    staging.write_text(
        staging.read_text().replace("staging-sample-jwt-secret-789", NEW_SECRETS[2])
    )
    base = repo / "kustomize/base"
    write(base / "db-secret.yaml",
          "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n"
          f"  password: {NEW_SECRETS[3]}\n")
    kustomization = base / "kustomization.yaml"
    text = kustomization.read_text()
    text = text.replace("resources:\n", "resources:\n  - db-secret.yaml\n", 1)
    text += ("secretGenerator:\n  - name: generated\n    literals:\n"
             f"      - API_TOKEN={NEW_SECRETS[4]}\n")
    kustomization.write_text(text)


@pytest.mark.parametrize("rendered", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_in_any_output(cli, sample_repo: Path, fmt: str, rendered: bool) -> None:
    change_secrets(sample_repo)
    kustomization = (sample_repo / "kustomize/base/kustomization.yaml").read_text()
    assert "resources:\n  - db-secret.yaml" in kustomization
    extra = ["--rendered"] if rendered else []
    result = cli("diff", ".", "--base", "HEAD", "--format", fmt, "--exit-code", *extra,
                 cwd=sample_repo)
    assert result.code == 1, result.err  # the secrets did change
    shown = result.out + result.err
    for secret in SAMPLE_SECRETS + NEW_SECRETS:
        assert secret not in shown, (fmt, rendered, secret)
    if fmt == "json" and not rendered:
        return  # images and stages only: no values to show or hide
    assert "<redacted>" in shown
    # the same run with --show-secrets does show them: the check above is not vacuous
    opened = cli("diff", ".", "--base", "HEAD", "--format", fmt, "--show-secrets", *extra,
                 cwd=sample_repo)
    assert opened.code == 0
    assert NEW_SECRETS[0] in opened.out
    assert "<redacted>" not in opened.out


def test_changed_secret_shows_as_changed_with_neither_value(cli, sample_repo: Path) -> None:
    change_secrets(sample_repo)
    out = cli("diff", ".", "--base", "HEAD", cwd=sample_repo).out
    assert "-    masterKey: <redacted>   # rotated by the platform team\n" in out
    assert "+    masterKey: <redacted>   # rotated by the platform team\n" in out
    data = json.loads(cli("diff", ".", "--base", "HEAD", "--rendered", "--format", "json",
                          cwd=sample_repo).out)
    prod = next(t for t in data["targets"] if t["path"] == "envs/prod-values.yaml")
    secret = next(r for r in prod["resources"] if r["name"] == "litemaas-litellm")
    assert secret["kind"] == "Secret"
    assert {"path": "stringData.master-key", "change": "changed", "old": "<redacted>",
            "new": "<redacted>"} in secret["fields"]


@pytest.mark.parametrize(
    "key",
    ["password", "masterKey", "litellmApiKey", "adminApiKeys", "apiKey", "api_key", "token",
     "jwtSecret", "oauthClientSecret", "uiPassword", "credentials", "privateKey",
     "LITELLM_MASTER_KEY", "POSTGRES_PASSWORD", "passwd", "secretKey"],
)
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    ["image", "repository", "tag", "key", "publicKey", "secretName", "secretKeyRef",
     "existingSecret", "imagePullSecrets", "topologyKey", "maxTokens", "username",
     "oauthClientId", "passwordFile", "tokenizer", "DATABASE_URL", "monkey"],
)
def test_not_secret_keys(key: str) -> None:
    assert not is_secret_key(key)


def test_masking_keeps_every_line_and_hides_urls_and_assignments() -> None:
    text = (
        "env:\n"
        "  - name: DB_PASSWORD\n"
        "    value: hunter2\n"
        "  - name: DATABASE_URL\n"
        "    value: postgresql://admin:s3cr3t@db:5432/x\n"
        "args: [--master-key=abc123, --port=4000]\n"
        "privateKey: |\n"
        "  -----BEGIN KEY-----\n"
        "  c2VjcmV0\n"
        "image: quay.io/x/y:1.0\n"
    )
    masked = mask_text(text, "f.yaml")
    assert len(masked.splitlines()) == len(text.splitlines())
    for secret in ("hunter2", "s3cr3t", "abc123", "c2VjcmV0", "BEGIN KEY"):
        assert secret not in masked
    assert "--port=4000" in masked and "image: quay.io/x/y:1.0" in masked
    env = mask_text("API_TOKEN=abc\nLITEMAAS_VERSION=0.2.0\n", "user-values.env")
    assert env == "API_TOKEN=<redacted>\nLITEMAAS_VERSION=0.2.0\n"


# -- jsonpatch and unified: they apply ----------------------------------------------------


def _docs_at(repo: Path, rev: str | None, path: str) -> list:
    text = git(repo, "show", f"{rev}:{path}") if rev else (repo / path).read_text()
    return yaml_docs(text)


@pytest.mark.parametrize("show_secrets", [False, True])
def test_jsonpatch_applies_to_old_documents(cli, sample_repo: Path, show_secrets: bool) -> None:
    extra = ["--show-secrets"] if show_secrets else []
    for phase in ("1", "2"):
        assert cli("apply", ".", "--phase", phase, cwd=sample_repo).code == 0
        if show_secrets:  # a secret change too: applies exactly only with --show-secrets
            prod = sample_repo / "envs/prod-values.yaml"
            prod.write_text(prod.read_text().replace("456", f"456-{phase}"))
        result = cli("diff", ".", "--base", "HEAD", "--format", "jsonpatch", *extra,
                     cwd=sample_repo)
        assert result.code == 0, result.err
        patches = json.loads(result.out)["files"]
        assert patches
        for entry in patches:
            if "skipped" in entry:
                assert not entry["file"].endswith((".yaml", ".yml")), entry
                continue
            old = _docs_at(sample_repo, "HEAD", entry["file"])
            new = _docs_at(sample_repo, None, entry["file"])
            for doc in entry["documents"]:
                i = doc["document"]
                assert jsonpatch.apply_patch(old[i], doc["patch"]) == new[i], entry["file"]
        git(sample_repo, "commit", "-qam", f"phase {phase}")


def test_unified_phase_diff_applies_with_git(cli, sample_repo: Path, tmp_path: Path) -> None:
    expected = tmp_path / "expected"
    shutil.copytree(sample_repo, expected)
    assert cli("apply", ".", "--phase", "1", cwd=expected).code == 0

    plain = cli("diff", ".", "--phase", "1", "--show-secrets", cwd=sample_repo)
    redacted = cli("diff", ".", "--phase", "1", cwd=sample_repo)
    assert "git apply -C1" in redacted.err
    for name, text, args in (("plain", plain.out, []), ("redacted", redacted.out, ["-C1"])):
        copy = tmp_path / name
        shutil.copytree(sample_repo, copy)
        patch = tmp_path / f"{name}.diff"
        patch.write_text(text)
        git(copy, "apply", *args, str(patch))
        for f in git(expected, "diff", "--name-only").split():
            assert (copy / f).read_bytes() == (expected / f).read_bytes(), (name, f)


# -- markdown ---------------------------------------------------------------------------


def big_repo(root: Path, n: int) -> Path:
    shutil.copytree(ROOT / "sample-charts/charts", root / "charts")
    for i in range(n):
        write(root / f"envs/team-{i:03d}-values.yaml",
              f"# team {i}\nbackend:\n  replicaCount: {i % 5 + 1}\nfrontend:\n  replicaCount: 1\n"
              "litellm:\n  image:\n"
              f"    repository: registry.example.com/team-{i:03d}/litellm-non_root\n"
              f"  auth:\n    masterKey: sk-team-{i:03d}-secret\n")
    return init_repo(root)


def test_markdown_of_a_large_repository_stays_under_the_budget(cli, tmp_path: Path) -> None:
    repo = big_repo(tmp_path / "big", 150)
    # The v0.2.0 guide alone: no note of a later phase takes room from the table.
    result = cli("diff", ".", "--phase", "1", "--to", "0.2.0", "--format", "markdown", cwd=repo)
    assert result.code == 0, result.err
    md = result.out
    assert md.splitlines()[0] == MARKER
    assert len(md) <= BUDGET
    # the summary table is whole: one row per moving component of each target
    assert sum(1 for line in md.splitlines() if line.startswith("| `envs/team-")) == 300
    kept = re.findall(r"<details><summary><code>(envs/team-\d+-values.yaml)</code>", md)
    assert 0 < len(kept) < 150
    assert md.count("<details>") == md.count("</details>")
    assert md.count("```diff") * 2 == md.count("```")
    note = next(line for line in md.splitlines() if line.startswith("> **Left out**"))
    assert f"the diffs of {150 - len(kept)} section(s)" in note
    assert "litemaas-upgrade diff . --phase 1" in note
    dropped_named = re.findall(r"`(envs/team-\d+-values.yaml)`", note)
    assert dropped_named and not set(dropped_named) & set(kept)
    assert "sk-team-" not in md
    # Phase 1 of the whole path (the default) is planned up to phase 1: no note of a
    # later phase.
    first = cli("diff", ".", "--phase", "1", "--format", "markdown", cwd=repo)
    assert first.code == 0, first.err
    assert "phase 3" not in first.out and "> warning:" not in first.out
    # Its phase 3 leaves each team's LiteLLM mirror as it is, a warning per target kept
    # whole; the table gives way, and says how many rows it left.
    whole = cli("diff", ".", "--phase", "3", "--format", "markdown", cwd=repo)
    assert whole.code == 0, whole.err
    md = whole.out
    assert len(md) <= BUDGET
    warned = [line for line in md.splitlines() if line.startswith("> warning: envs/team-")]
    assert len(warned) == 150 and all("phase 3: litellm comes from" in w for w in warned)
    rows = sum(1 for line in md.splitlines() if line.startswith("| `envs/team-"))
    assert 0 < rows < 300
    assert f"| … {300 - rows} more row(s) left out |" in md
    note = next(line for line in md.splitlines() if line.startswith("> **Left out**"))
    assert f"{300 - rows} summary row(s)" in note and "the diffs of 150 section(s)" in note


def test_markdown_small_change_is_whole(cli, sample_repo: Path) -> None:
    md = cli("diff", ".", "--phase", "1", "--format", "markdown", cwd=sample_repo).out
    assert md.startswith(MARKER + "\n")
    assert "Left out" not in md
    assert "| `envs/prod-values.yaml` (helm) | backend |" in md


# -- options ----------------------------------------------------------------------------


def test_exit_code_and_no_changes(cli, sample_repo: Path) -> None:
    same = cli("diff", ".", "--base", "HEAD", "--exit-code", cwd=sample_repo)
    assert (same.code, same.out) == (0, "")
    md = cli("diff", ".", "--base", "HEAD", "--format", "markdown", cwd=sample_repo).out
    assert md.startswith(MARKER) and "No changes." in md
    assert cli("diff", ".", "--phase", "1", "--exit-code", cwd=sample_repo).code == 1


def test_usage_errors(cli, sample_repo: Path) -> None:
    assert cli("diff", ".", cwd=sample_repo).code == 2
    assert cli("diff", ".", "--base", "HEAD", "--phase", "1", cwd=sample_repo).code == 2
    # Three phases by default (both guides); the v0.2.0 guide alone has two.
    assert cli("diff", ".", "--phase", "4", cwd=sample_repo).code == 2
    short = cli("diff", ".", "--phase", "3", "--to", "0.2.0", cwd=sample_repo)
    assert short.code == 2 and "--to VERSION chains the later guides' phases" in short.err
    bad = cli("diff", ".", "--base", "no-such-rev", cwd=sample_repo)
    assert bad.code == 2 and "no-such-rev" in bad.err


def test_colour_and_context(cli, sample_repo: Path) -> None:
    coloured = cli("diff", ".", "--phase", "2", "--color", "always", cwd=sample_repo).out
    assert "\033[32m+" in coloured and "\033[31m-" in coloured
    plain = cli("diff", ".", "--phase", "2", "--color", "never", cwd=sample_repo).out
    assert "\033[" not in plain
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == plain
    narrow = cli("diff", ".", "--phase", "2", "--context", "0", cwd=sample_repo).out
    assert not [line for line in narrow.splitlines() if line.startswith(" ")]
