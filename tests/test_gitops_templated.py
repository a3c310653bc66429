"""GitOps objects in a chart's templates (an app-of-apps "bootstrap" chart): read as Helm
would shape them, and a component image that a template expression decides is unknown,
with the expression and its line, never guessed. Seen in a held-out real repository
(anatsheh84/MaaS-2.0 at ea790305, `bootstrap/templates/applications/litemaas.yaml`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import SAMPLES, git, init_repo, write

OLD_LLM, NEW_LLM = "main-v1.74.7-stable", "main-v1.81.0-stable"
APP = """\
{{- if .Values.litemaas.enabled }}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: litemaas
  namespace: openshift-gitops
spec:
  source:
    repoURL: {{ .Values.repoURL }}
    targetRevision: {{ .Values.revision }}
    path: charts/litemaas
    helm:
      valuesObject:
        backend:
          image:
            tag: {{ .Values.litemaas.version | quote }}
        frontend:
          image:
            tag: "0.1.3"
        rbac:
          admins:
            {{- range .Values.admins }}
            - {{ . }}
            {{- end }}
  destination:
    namespace: {{ .Values.litemaas.namespace }}
{{- end }}
"""


def _repo(tmp_path: Path, app: str = APP) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLES / "charts/litemaas", repo / "charts/litemaas")
    write(repo / "bootstrap/Chart.yaml", "apiVersion: v2\nname: bootstrap\nversion: 1.0.0\n")
    write(repo / "bootstrap/values.yaml", "litemaas:\n  enabled: true\n  version: \"0.1.3\"\n")
    write(repo / "bootstrap/templates/litemaas.yaml", app)
    return init_repo(repo)


def _target(cli, repo: Path) -> dict:
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.out, result.err
    [target] = [t for t in json.loads(result.out)["targets"] if t["kind"] == "argocd"]
    return target


def test_what_the_template_decides_is_unknown_at_its_line(cli, tmp_path: Path) -> None:
    target = _target(cli, _repo(tmp_path))
    assert target["path"] == "bootstrap/templates/litemaas.yaml"
    comps = target["components"]
    backend = comps["backend"]
    assert backend["image"] is None and backend["version"] is None
    assert "{{ .Values.litemaas.version | quote }}" in backend["note"]
    [site] = backend["sites"]
    assert (site["file"], site["line"], site["col"]) == (target["path"], 16, 18)
    # What the object says in plain text is read as usual, the chart's defaults too.
    assert comps["frontend"]["image"] == "quay.io/rh-aiservices-bu/litemaas-frontend:0.1.3"
    assert comps["litellm"]["image"] == f"ghcr.io/berriai/litellm-non_root:{OLD_LLM}"
    [lu009] = [f for f in target["findings"] if f["code"] == "LU009"]
    assert lu009["line"] == 16 and lu009["severity"] == "warning"


def test_litellm_first_beside_a_templated_backend_is_refused(cli, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    values = repo / "charts/litemaas/values.yaml"
    values.write_text(values.read_text().replace(f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"'))
    git(repo, "add", "-A")
    result = cli("lint", "--base", "HEAD", ".", cwd=repo)
    assert result.code == 1, result.out
    assert "error LU00" in result.out and "[bootstrap/templates/litemaas.yaml]" in result.out


def test_an_action_across_lines_leaves_the_file_unread(cli, tmp_path: Path) -> None:
    one_line = "{{ .Values.litemaas.version | quote }}"
    app = APP.replace(one_line, one_line.replace(" | ", "\n | "))
    repo = _repo(tmp_path, app)
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code in (0, 1), result.err
    assert not [t for t in json.loads(result.out)["targets"] if t["kind"] == "argocd"]


def test_the_pre_commit_hook_refuses_it_too(cli, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    values = repo / "charts/litemaas/values.yaml"
    values.write_text(values.read_text().replace(f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"'))
    git(repo, "add", "-A")
    result = cli("lint", "charts/litemaas/values.yaml", cwd=repo)
    assert result.code == 1, result.out
    assert "[bootstrap/templates/litemaas.yaml]" in result.out
