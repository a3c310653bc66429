"""One unreadable file never sinks the scan: a Go-templated YAML file outside a chart, a
binary file or a non-YAML file is skipped with a notice, unless it decides an image of a
target; then that target carries the error (LU009), the others are still reported, and
scan exits 1."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import init_repo, write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: litellm
spec:
  template:
    spec:
      containers:
        - name: litellm
          image: {image}
"""
TEMPLATED = DEPLOY.replace("name: litellm\nspec", "name: {{{{ .Values.name }}}}\nspec") + (
    "          {{{{- with .Values.env }}}}\n          env: {{{{ toYaml . }}}}\n"
    "          {{{{- end }}}}\n"
)
OLD = "ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable"

# An app-of-apps folder without Chart.yaml: its templates are Go templates.
APP_OF_APPS = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ .Values.name }}
spec:
  source:
    repoURL: {{ .Values.repo }}
    {{- if .Values.path }}
    path: {{ .Values.path }}
    {{- end }}
"""


def _scan(cli, repo: Path) -> tuple[int, dict]:
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.out, result.err
    assert "Traceback" not in result.err
    return result.code, json.loads(result.out)


def test_files_that_decide_nothing_are_skipped_with_a_notice(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "k8s/deploy.yaml", DEPLOY.format(image=OLD))
    write(repo / "apps/templates/app.yaml", APP_OF_APPS)
    write(repo / "apps/values.yaml", "name: x\nrepo: https://example.invalid/r.git\n")
    (repo / "bin").mkdir()
    (repo / "bin/blob.yaml").write_bytes(b"apiVersion: argoproj.io/v1\nkind: Application\n\0\1")
    write(repo / "stack/services.yaml", "services:\n  a:\n    image: x\n  - broken\n")
    init_repo(repo)
    code, out = _scan(cli, repo)
    assert code == 0
    [target] = out["targets"]
    assert target["components"]["litellm"]["image"] == OLD
    notices = {n["file"]: n for n in out["notices"]}
    assert set(notices) == {"apps/templates/app.yaml", "bin/blob.yaml", "stack/services.yaml"}
    assert all(n["code"] == "LU009" and n["severity"] == "info" for n in notices.values())
    assert "Go-template" in notices["apps/templates/app.yaml"]["message"]
    assert "binary file" in notices["bin/blob.yaml"]["message"]
    assert "not YAML at 4:3" in notices["stack/services.yaml"]["message"]
    text = cli("scan", ".", cwd=repo)
    assert text.code == 0 and "k8s  [manifest]" in text.out and "skipped: " in text.out



def test_a_templated_application_beside_overlays_that_share_a_folder(cli, tmp_path: Path) -> None:
    # Seen in a real app-of-apps repository: a kustomization that another one uses makes
    # the Kustomize manager look for GitOps objects that deploy it, and a templated
    # Application whose `{{ }}` reads as a mapping key used to end the scan (exit 3).
    repo = tmp_path / "repo"
    write(repo / "boot/templates/app.yaml", "apiVersion: argoproj.io/v1alpha1\n"
          "kind: Application\nmetadata:\n  name: demo\nspec:\n  source:\n"
          "    repoURL: {{ .Values.repoURL }}\n    path: charts/demo\n")
    write(repo / "m/overlays/http/kustomization.yaml", "resources:\n  - ../../components/sp\n")
    write(repo / "m/components/sp/kustomization.yaml", "resources:\n  - ../../overlays/common\n")
    init_repo(repo)
    code, out = _scan(cli, repo)
    assert code == 1  # the overlay kustomize refuses is its target's error
    [target] = out["targets"]
    assert target["path"] == "m/overlays/http"
    [notice] = out["notices"]
    assert notice["file"] == "boot/templates/app.yaml" and "Go-template" in notice["message"]


def test_a_file_that_decides_an_image_is_its_targets_error(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "k8s/deploy.yaml", DEPLOY.format(image=OLD))
    # A kustomization whose resource is a Go template: kustomize refuses the build.
    write(repo / "kz/kustomization.yaml", "resources:\n  - deploy.yaml\n")
    write(repo / "kz/deploy.yaml", TEMPLATED.format(image=OLD))
    # A folder of manifests where one file is a template that names LiteLLM.
    write(repo / "plain/deploy.yaml", TEMPLATED.format(image=OLD))
    # A compose file that does not parse.
    write(repo / "docker-compose.dev.yml", f"services:\n  proxy:\n    image: {OLD}\n  - x\n")
    init_repo(repo)
    code, out = _scan(cli, repo)
    assert code == 1  # an error was found
    targets = {t["path"]: t for t in out["targets"]}
    assert sorted(targets) == ["docker-compose.dev.yml", "k8s", "kz", "plain"]
    assert targets["k8s"]["components"]["litellm"]["image"] == OLD
    assert not [f for f in targets["k8s"]["findings"] if f["severity"] == "error"]
    for path, line in (("kz", 10), ("plain", 10), ("docker-compose.dev.yml", 3)):
        litellm = targets[path]["components"]["litellm"]
        assert litellm["image"] is None, path  # unknown, never absent
        [site] = litellm["sites"]
        assert site["line"] == line, path
        errors = [f for f in targets[path]["findings"] if f["severity"] == "error"]
        assert [f["code"] for f in errors] == ["LU009"], path
    assert "kustomize cannot build kz" in targets["kz"]["findings"][0]["message"]
    assert "notices" not in out  # each file is its target's error, not a notice too
    # lint says the same: exit 1, the file and the line.
    lint = cli("lint", ".", cwd=repo)
    assert lint.code == 1
    assert "plain/deploy.yaml:10:18: error LU009" in lint.out


# A `*values*.yaml` file that is not YAML, three ways: broken text, a Go template outside
# a chart (helmfile style), a binary file.
BROKEN_VALUES = {
    "envs/broken-values.yaml": b"backend:\n  image:\n    tag: '0.1.3'\n  - broken\n",
    "envs/templated-values.yaml": b"backend:\n  image:\n    tag: {{ .Values.tag }}\n  - x\n",
    "envs/blob-values.yaml": b"backend:\n  image: \0\1\2\n",
}
# Broken text that sets no key of the chart: another tool's values file.
OTHER_VALUES = {"tools/other-values.yaml": b"grafana:\n  admin: [\n"}


def _chart_repo(repo: Path) -> None:
    sample = Path(__file__).resolve().parents[1] / "sample-charts"
    for rel in ("charts/litemaas/Chart.yaml", "charts/litemaas/values.yaml"):
        write(repo / rel, (sample / rel).read_text(encoding="utf-8"))
    write(repo / "envs/prod-values.yaml", "backend:\n  image:\n    tag: '0.1.3'\n")
    for rel, data in {**BROKEN_VALUES, **OTHER_VALUES}.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_bytes(data)


def test_a_values_file_that_is_not_yaml_is_a_notice_or_its_releases_error(
    cli, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    _chart_repo(repo)
    init_repo(repo)
    code, out = _scan(cli, repo)
    assert code == 1  # the broken text that sets the chart's `backend:` is a release's error
    targets = {t["path"]: t for t in out["targets"]}
    assert sorted(targets) == ["envs/broken-values.yaml", "envs/prod-values.yaml"]
    assert targets["envs/prod-values.yaml"]["components"]["backend"]["version"] == "0.1.3"
    broken = targets["envs/broken-values.yaml"]
    errors = [f for f in broken["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["file"], f["line"], f["col"]) for f in errors] == [
        ("LU009", "envs/broken-values.yaml", 4, 3)
    ]
    assert all(c["image"] is None for c in broken["components"].values())
    # A template (helmfile renders it), a binary file, another tool's broken values: notices.
    notices = {n["file"]: n for n in out["notices"]}
    assert set(notices) == {
        "envs/templated-values.yaml",
        "envs/blob-values.yaml",
        "tools/other-values.yaml",
    }
    assert all(n["code"] == "LU009" and n["severity"] == "info" for n in notices.values())
    assert "Go-template" in notices["envs/templated-values.yaml"]["message"]
    assert "binary file" in notices["envs/blob-values.yaml"]["message"]
    assert "not YAML at 3:1" in notices["tools/other-values.yaml"]["message"]
    lint = cli("lint", ".", cwd=repo)
    assert lint.code == 1 and "envs/broken-values.yaml:4:3: error LU009" in lint.out, lint.out


def test_a_values_file_named_with_values_that_is_not_yaml_is_its_targets_error(
    cli, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    _chart_repo(repo)
    init_repo(repo)
    for rel in BROKEN_VALUES:
        result = cli(
            "scan", ".", "--chart", "charts/litemaas", "--values", "envs/prod-values.yaml",
            "--values", rel, "--format", "json", cwd=repo,
        )  # fmt: skip
        assert result.code == 1, (rel, result.err)
        [target] = json.loads(result.out)["targets"]
        errors = [f for f in target["findings"] if f["severity"] == "error"]
        assert [(f["code"], f["file"]) for f in errors] == [("LU009", rel)], errors
        # Fail closed: what the file sets cannot be read, so no image is known.
        assert target["stage"] == "unknown"
        assert all(c["image"] is None for c in target["components"].values()), rel
        assert "notices" not in json.loads(result.out)  # the target's error, not a notice
    # Nothing is planned from it: refused, nothing written.
    out = tmp_path / "out"
    plan = cli(
        "plan", ".", "--chart", "charts/litemaas", "--values", "envs/broken-values.yaml",
        "--out", str(out), cwd=repo,
    )  # fmt: skip
    assert plan.code == 1 and not out.exists(), plan.err


def test_a_values_file_an_argo_cd_application_names_is_its_targets_error(
    cli, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    _chart_repo(repo)
    write(
        repo / "gitops/app.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: lm}\nspec:\n"
        "  source:\n    repoURL: https://git.example.com/ops/deploy.git\n"
        "    path: charts/litemaas\n    targetRevision: main\n"
        "    helm:\n      valueFiles: [../../envs/templated-values.yaml]\n",
    )
    init_repo(repo)
    code, out = _scan(cli, repo)
    assert code == 1
    targets = {t["path"]: t for t in out["targets"]}
    app = targets["gitops/app.yaml"]
    errors = [f for f in app["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["file"], f["line"]) for f in errors] == [
        ("LU009", "envs/templated-values.yaml", 4)
    ]
    assert "Go-template" in errors[0]["message"]
    assert app["components"]["backend"]["image"] is None
    # The other release is still read; the other broken files are still notices.
    assert targets["envs/prod-values.yaml"]["components"]["backend"]["version"] == "0.1.3"
    assert "envs/broken-values.yaml" in targets  # a release of its own, with its error
    notices = {n["file"] for n in out["notices"]}
    assert notices == {"envs/blob-values.yaml", "tools/other-values.yaml"}


def test_a_values_file_the_config_names_that_is_not_yaml_is_its_targets_error(
    cli, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    _chart_repo(repo)
    write(
        repo / ".litemaas-upgrade.yaml",
        "helm:\n  - name: prod\n    chart: charts/litemaas\n"
        "    values: [envs/prod-values.yaml, envs/blob-values.yaml]\n",
    )
    init_repo(repo)
    code, out = _scan(cli, repo)
    assert code == 1
    [target] = out["targets"]
    errors = [f for f in target["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["file"]) for f in errors] == [("LU009", "envs/blob-values.yaml")]
    assert "binary file" in errors[0]["message"]
    assert target["components"]["backend"]["image"] is None
