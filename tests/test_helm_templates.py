"""LiteLLM charts read the way their own templates render them (issue 13 §4):

- an empty image tag resolves as the chart's image template says (`default
  .Chart.AppVersion`, `default (printf "main-%s" .Chart.AppVersion)`, other prefixes, a
  literal default, a `_helpers.tpl` helper included with the root context), and a form
  the tool does not read is unknown with the reason, never "no tag";
- an image written literally in a template is a site (file:line:col), judged, and
  edited byte-exactly by plan/apply; an expression that names a component is unknown
  when it is the component's only source.

Every image the tool reports is compared with what helm-python-sdk renders through the
project's own render code (diff/render.py)."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import SAMPLES, git, init_repo, write

pytest.importorskip("helm_python")

CHART_YAML = "apiVersion: v2\nname: litellm-helm\nversion: 0.2.0\nappVersion: {app}\n"
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ .Release.Name }}}}-litellm
spec:
  selector:
    matchLabels: {{app: litellm}}
  template:
    metadata:
      labels: {{app: litellm}}
    spec:
      containers:
        - name: litellm
          image: {image}
          imagePullPolicy: IfNotPresent
"""
VALUES = """\
image:
  # Use "ghcr.io/berriai/litellm-database" for optimized image with database
  repository: ghcr.io/berriai/litellm-database
  tag: ""
"""
MAIN = '"{{ .Values.image.repository }}:{{ .Values.image.tag | default (printf "main-%s" .Chart.AppVersion) }}"'  # noqa: E501


def litellm_chart(
    root: Path,
    image: str,
    *,
    app: str = "v1.50.2",
    values: str = VALUES,
    helpers: str = "",
    folder: str = "charts/litellm",
) -> Path:
    chart = root / folder
    write(chart / "Chart.yaml", CHART_YAML.format(app=app))
    write(chart / "values.yaml", values)
    write(chart / "templates/deployment.yaml", DEPLOYMENT.format(image=image))
    if helpers:
        write(chart / "templates/_helpers.tpl", helpers)
    return chart


def scan_json(cli, repo: Path) -> list[dict[str, Any]]:
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code in (0, 1), result.err
    targets: list[dict[str, Any]] = json.loads(result.out)["targets"]
    return targets


def rendered(repo: Path) -> dict[str, dict[str, set[str]]]:
    """{target path: {component: images}} as helm-python-sdk renders each Helm target,
    through diff/render.py (the render `diff --rendered` uses)."""
    from litemaas_upgrade.diff.render import Materializer, render
    from litemaas_upgrade.engine import scan
    from litemaas_upgrade.rules import load_rules
    from litemaas_upgrade.source import WorkTree

    source = WorkTree(repo)
    out: dict[str, dict[str, set[str]]] = {}
    with contextlib.ExitStack() as stack:
        mat = Materializer(stack)
        for target in scan(source, load_rules()).targets:
            if target.kind != "helm":
                continue
            images: dict[str, set[str]] = {}
            for doc in render(target, source, mat):
                for image in _pod_images(doc):
                    last = image.split("@")[0].rsplit("/", 1)[-1]
                    for comp in ("litemaas-backend", "litemaas-frontend", "litellm"):
                        if comp in last:
                            name = comp.replace("litemaas-", "")
                            images.setdefault(name, set()).add(image)
                            break
            out[target.path] = images
    return out


def _pod_images(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                found += [c["image"] for c in value if isinstance(c, dict) and "image" in c]
            else:
                found += _pod_images(value)
    elif isinstance(node, list):
        for item in node:
            found += _pod_images(item)
    return found


HELPER_MAIN = """\
{{- define "litellm.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default (printf "main-%s" .Chart.AppVersion)) -}}
{{- end }}
"""  # noqa: E501


@pytest.mark.parametrize(
    ("image", "helpers", "app", "expected", "version"),
    [
        pytest.param(
            '"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
            "",
            '"main-v1.74.7-stable"',
            "ghcr.io/berriai/litellm-database:main-v1.74.7-stable",
            "1.74.7",
            id="default-appVersion",
        ),
        pytest.param(
            MAIN,
            "",
            "v1.50.2",
            "ghcr.io/berriai/litellm-database:main-v1.50.2",
            "1.50.2",
            id="main-prefix",
        ),
        pytest.param(
            MAIN + "  # the proxy",
            "",
            "v1.50.2",
            "ghcr.io/berriai/litellm-database:main-v1.50.2",
            "1.50.2",
            id="main-prefix-with-a-comment",
        ),
        pytest.param(
            '"{{ .Values.image.repository }}:{{ default (printf "main-%s-stable" .Chart.AppVersion) .Values.image.tag }}"',  # noqa: E501
            "",
            "v1.74.7",
            "ghcr.io/berriai/litellm-database:main-v1.74.7-stable",
            "1.74.7",
            id="default-first-prefix-and-suffix",
        ),
        pytest.param(
            '"{{ .Values.image.repository }}:{{ .Values.image.tag | default (printf "litellm_stable_release_branch-%s" .Chart.AppVersion) }}"',  # noqa: E501
            "",
            "v1.75.5-stable",
            "ghcr.io/berriai/litellm-database:litellm_stable_release_branch-v1.75.5-stable",
            "1.75.5",  # the shipped rules read the release-branch prefix
            id="stable-branch-prefix",
        ),
        pytest.param(
            '{{ include "litellm.image" . | quote }}',
            HELPER_MAIN,
            "v1.74.7-stable",
            "ghcr.io/berriai/litellm-database:main-v1.74.7-stable",
            "1.74.7",
            id="helper-included",
        ),
        pytest.param(
            '{{ .Values.image.repository }}:{{ .Values.image.tag | default "main-v1.74.7-stable" }}',  # noqa: E501
            "",
            "v9.9.9",
            "ghcr.io/berriai/litellm-database:main-v1.74.7-stable",
            "1.74.7",
            id="literal-default",
        ),
    ],
)
def test_an_empty_tag_renders_as_the_chart_template_says(
    cli, tmp_path: Path, image: str, helpers: str, app: str, expected: str, version: str | None
) -> None:
    repo = tmp_path / "repo"
    litellm_chart(repo, image, app=app, helpers=helpers)
    init_repo(repo)
    [target] = scan_json(cli, repo)
    litellm = target["components"]["litellm"]
    assert litellm["image"] == expected
    assert litellm["version"] == version
    assert "no tag" not in litellm.get("note", "")
    assert rendered(repo) == {"charts/litellm": {"litellm": {expected}}}


def test_the_site_of_a_derived_tag_names_the_template_that_derives_it(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    litellm_chart(repo, MAIN)
    init_repo(repo)
    [target] = scan_json(cli, repo)
    tag_site = target["components"]["litellm"]["sites"][-1]
    assert (tag_site["file"], tag_site["line"], tag_site["col"]) == (
        "charts/litellm/Chart.yaml",
        4,
        13,
    )
    assert (
        "charts/litellm/templates/deployment.yaml:14:18 renders main-<appVersion>"
        in (tag_site["note"])
    )


def test_a_tag_in_an_override_file_wins_over_the_template_default(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    litellm_chart(repo, MAIN)
    write(repo / "envs/prod-values.yaml", 'image:\n  tag: "main-v1.74.7-stable"\n')
    init_repo(repo)
    by_path = {t["path"]: t for t in scan_json(cli, repo)}
    image = "ghcr.io/berriai/litellm-database:main-v1.74.7-stable"
    assert by_path["envs/prod-values.yaml"]["components"]["litellm"]["image"] == image
    assert rendered(repo)["envs/prod-values.yaml"] == {"litellm": {image}}


@pytest.mark.parametrize(
    ("image", "helpers", "reason"),
    [
        pytest.param(
            '{{ include "common.image" (dict "image" .Values.image "chart" .Chart) }}',
            '{{- define "common.image" -}}\n'
            '{{- printf "%s:%s" .image.repository (.image.tag | default (printf "main-%s" '
            ".chart.AppVersion)) -}}\n{{- end }}\n",
            "in a form the tool does not read",
            id="helper-with-its-own-context",
        ),
        pytest.param(
            '"{{ .Values.image.repository }}:{{ .Values.image.tag | default (.Chart.AppVersion | replace "v" "main-v") }}"',  # noqa: E501
            "",
            "in a form the tool does not read",
            id="unknown-pipeline",
        ),
    ],
)
def test_a_form_the_tool_does_not_read_is_unknown_with_the_reason(
    cli, tmp_path: Path, image: str, helpers: str, reason: str
) -> None:
    repo = tmp_path / "repo"
    litellm_chart(repo, image, helpers=helpers)
    init_repo(repo)
    [target] = scan_json(cli, repo)
    litellm = target["components"]["litellm"]
    assert litellm["image"] is None and litellm["version"] is None
    assert reason in litellm["note"]
    assert "charts/litellm/templates/deployment.yaml:14:18" in litellm["note"]
    assert "no tag" not in litellm["note"]
    # A gate does not pass what it cannot see: an error at the template's line.
    result = cli("lint", ".", cwd=repo)
    assert result.code == 1
    assert "charts/litellm/templates/deployment.yaml:14:18: error LU009" in result.out
    # The engine does render an image: the tool says it cannot tell which, never another.
    assert rendered(repo)["charts/litellm"]["litellm"] == {
        "ghcr.io/berriai/litellm-database:main-v1.50.2"
    }


def test_templates_that_render_an_empty_tag_differently_are_unknown(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    chart = litellm_chart(repo, MAIN)
    job = (
        (chart / "templates/deployment.yaml")
        .read_text()
        .replace('(printf "main-%s" .Chart.AppVersion)', ".Chart.AppVersion")
        .replace("kind: Deployment", "kind: StatefulSet")
    )
    write(chart / "templates/statefulset.yaml", job)
    init_repo(repo)
    [target] = scan_json(cli, repo)
    litellm = target["components"]["litellm"]
    assert litellm["image"] is None
    assert "render it differently" in litellm["note"]
    assert rendered(repo)["charts/litellm"]["litellm"] == {
        "ghcr.io/berriai/litellm-database:main-v1.50.2",
        "ghcr.io/berriai/litellm-database:v1.50.2",
    }


def test_a_template_without_a_default_renders_no_tag_and_is_unknown(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    litellm_chart(repo, '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"')
    init_repo(repo)
    [target] = scan_json(cli, repo)
    litellm = target["components"]["litellm"]
    assert litellm["image"] is None
    assert "has no default" in litellm["note"]
    assert rendered(repo)["charts/litellm"]["litellm"] == {"ghcr.io/berriai/litellm-database:"}


# ------------------------------------------------------------ images written in templates

LITERAL = "ghcr.io/berriai/litellm:main-v1.74.7-stable"


def test_an_image_written_in_a_template_is_a_site(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    litellm_chart(repo, LITERAL, values="replicaCount: 1\n")
    init_repo(repo)
    [target] = scan_json(cli, repo)
    litellm = target["components"]["litellm"]
    assert litellm["image"] == LITERAL and litellm["version"] == "1.74.7"
    [site] = litellm["sites"]
    assert (site["file"], site["line"], site["col"], site["decides"]) == (
        "charts/litellm/templates/deployment.yaml",
        14,
        18,
        "image",
    )
    assert rendered(repo) == {"charts/litellm": {"litellm": {LITERAL}}}


def test_an_expression_that_names_litellm_is_not_a_site_but_unknown(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    litellm_chart(
        repo, '"ghcr.io/berriai/litellm:{{ .Values.litellmTag }}"', values="litellmTag: v1\n"
    )
    init_repo(repo)
    [target] = scan_json(cli, repo)
    litellm = target["components"]["litellm"]
    assert litellm["image"] is None
    assert "does not evaluate" in litellm["note"]
    assert litellm["sites"][0]["line"] == 14
    result = cli("lint", ".", cwd=repo)
    assert result.code == 1
    assert "charts/litellm/templates/deployment.yaml:14:18: error LU009" in result.out


def litemaas_with_literal_litellm(root: Path) -> Path:
    """The sample LiteMaaS chart with LiteLLM's image written in its template instead of
    read from values.yaml (quoted, with a comment after it)."""
    chart = root / "charts/litemaas"
    shutil.copytree(SAMPLES / "charts/litemaas", chart)
    tpl = chart / "templates/litellm-deployment.yaml"
    text = tpl.read_text()
    old = '"{{ .Values.litellm.image.repository }}:{{ .Values.litellm.image.tag }}"'
    assert old in text
    tpl.write_text(
        text.replace(old, '"ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable"  # pinned')
    )
    values = chart / "values.yaml"
    vtext = values.read_text()
    start = vtext.index("  image:\n    repository: ghcr.io/berriai/litellm-non_root")
    end = vtext.index("\n", vtext.index("tag:", start)) + 1
    values.write_text(vtext[:start] + vtext[end:])
    return chart


def test_plan_edits_an_image_written_in_a_template_byte_exactly(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    chart = litemaas_with_literal_litellm(repo)
    crlf = chart / "templates/litellm-deployment.yaml"
    crlf.write_bytes(crlf.read_bytes().replace(b"\n", b"\r\n"))  # CRLF stays CRLF
    init_repo(repo)
    [target] = [t for t in scan_json(cli, repo) if t["kind"] == "helm"]
    assert target["components"]["litellm"]["image"] == (
        "ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable"
    )
    tpl = repo / "charts/litemaas/templates/litellm-deployment.yaml"
    before = tpl.read_bytes()
    result = cli("apply", ".", "--phase", "1", cwd=repo)
    assert result.code == 0, result.err
    assert tpl.read_bytes() == before  # phase 1: the literal is explicit already
    result = cli("apply", ".", "--phase", "2", cwd=repo)
    assert result.code == 0, result.err
    after = tpl.read_bytes()
    assert after == before.replace(b"main-v1.74.7-stable", b"main-v1.81.0-stable")
    assert b'"ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable"  # pinned\r\n' in after
    images = rendered(repo)["charts/litemaas"]
    assert images["litellm"] == {"ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable"}
    assert images["backend"] == {"quay.io/rh-aiservices-bu/litemaas-backend:0.2.0"}


def test_lint_refuses_litellm_first_in_a_template(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    litemaas_with_literal_litellm(repo)
    init_repo(repo)
    tpl = repo / "charts/litemaas/templates/litellm-deployment.yaml"
    tpl.write_text(tpl.read_text().replace("main-v1.74.7-stable", "main-v1.81.0-stable"))
    git(repo, "commit", "-qam", "litellm first")
    result = cli("lint", ".", "--base", "HEAD~1", cwd=repo)
    assert result.code == 1
    assert "charts/litemaas/templates/litellm-deployment.yaml:" in result.out
    assert "LU001" in result.out


# ------------------------------------------- a LiteLLM chart vendored beside LiteMaaS's


def umbrella(root: Path) -> Path:
    """An umbrella chart: the sample LiteMaaS chart (its own LiteLLM off) and a
    litellm-helm-style chart whose empty tag renders `main-<appVersion>`."""
    chart = root / "platform"
    write(
        chart / "Chart.yaml",
        "apiVersion: v2\nname: platform\nversion: 1.0.0\ndependencies:\n"
        "  - name: litemaas\n    version: 0.1.0\n  - name: litellm-helm\n    version: 0.2.0\n"
        "    alias: proxy\n",
    )
    write(chart / "values.yaml", "litemaas:\n  litellm:\n    enabled: false\n")
    shutil.copytree(SAMPLES / "charts/litemaas", chart / "charts/litemaas")
    litellm_chart(chart, MAIN, app="v1.74.7-stable", folder="charts/litellm-helm")
    return chart


def test_a_vendored_litellm_chart_derives_its_tag_from_its_own_appversion(
    cli, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    umbrella(repo)
    init_repo(repo)
    [target] = scan_json(cli, repo)
    image = "ghcr.io/berriai/litellm-database:main-v1.74.7-stable"
    assert target["components"]["litellm"]["image"] == image
    assert target["stage"] == "before-upgrade"
    assert rendered(repo)["platform"]["litellm"] == {image}


def test_plan_pins_and_moves_a_derived_tag_in_the_values_file(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    chart = umbrella(repo)
    init_repo(repo)
    meta = (chart / "charts/litellm-helm/Chart.yaml").read_bytes()
    result = cli("apply", ".", "--phase", "1", cwd=repo)
    assert result.code == 0, result.err
    values = (chart / "values.yaml").read_text()
    assert values.startswith("litemaas:\n  litellm:\n    enabled: false\n")
    # Phase 1 pins the tag the template derives today, explicitly, in the values file.
    assert values.endswith("proxy:\n  image:\n    tag: main-v1.74.7-stable\n")
    assert rendered(repo)["platform"]["litellm"] == {
        "ghcr.io/berriai/litellm-database:main-v1.74.7-stable"
    }
    result = cli("apply", ".", "--phase", "2", cwd=repo)
    assert result.code == 0, result.err
    assert rendered(repo)["platform"]["litellm"] == {
        "ghcr.io/berriai/litellm-database:main-v1.81.0-stable"
    }
    # The appVersion fallback stays as the chart has it.
    assert (chart / "charts/litellm-helm/Chart.yaml").read_bytes() == meta


def test_lint_refuses_litellm_first_through_the_appversion(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    chart = umbrella(repo)
    init_repo(repo)
    meta = chart / "charts/litellm-helm/Chart.yaml"
    meta.write_text(meta.read_text().replace("v1.74.7-stable", "v1.81.0-stable"))
    git(repo, "commit", "-qam", "litellm first, by the chart's appVersion")
    result = cli("lint", ".", "--base", "HEAD~1", cwd=repo)
    assert result.code == 1
    assert "LU001" in result.out
    assert "platform/charts/litellm-helm/Chart.yaml:4:13" in result.out


# ------------------------------------------------------------- the corpus's LiteLLM charts

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
CORPUS_CHARTS = [
    "DriveX-Mobility-Private-Limited--litellm-k8s-charts",
    "RichardoC--litellm_helm-chart",
    "ShaunMaher--litellm",
    "itk-dev--helm-charts",
    "ullbergm--openshift",
    "zopdev--helm-charts",
]


@pytest.mark.parametrize("entry", CORPUS_CHARTS)
def test_the_corpus_litellm_charts_render_what_the_tool_reports(cli, entry: str) -> None:
    """Each real LiteLLM chart of the corpus: the image the tool reports is the one the
    project's render code (helm-python-sdk) renders, for its only container of LiteLLM."""
    folder = CORPUS / entry
    [target] = [t for t in scan_json(cli, folder) if t["kind"] == "helm"]
    image = target["components"]["litellm"]["image"]
    assert image is not None and ":" in image.rsplit("/", 1)[-1]
    assert rendered(folder)[target["path"]] == {"litellm": {image}}


def test_kustomize_images_apply_to_an_image_written_in_a_template(cli, tmp_path: Path) -> None:
    """A kustomization inflating a vendored chart (`helmCharts:`) whose template writes
    LiteLLM's image: its `images:` entry renames that image as it would any other. (No
    engine here: kustomize inflates charts with a helm binary, which the build machines
    do not have.)"""
    repo = tmp_path / "repo"
    litemaas_with_literal_litellm(repo / "k")
    write(
        repo / "k/kustomization.yaml",
        "helmCharts:\n  - name: litemaas\n    releaseName: litemaas\n"
        "images:\n  - name: ghcr.io/berriai/litellm-non_root\n"
        "    newName: registry.example.com/mirror/litellm-non_root\n",
    )
    init_repo(repo)
    by_kind = {t["kind"]: t for t in scan_json(cli, repo)}
    litellm = by_kind["kustomize-helm"]["components"]["litellm"]
    assert litellm["image"] == "registry.example.com/mirror/litellm-non_root:main-v1.74.7-stable"
    assert litellm["version"] == "1.74.7"
    assert litellm["sites"][0]["file"] == "k/charts/litemaas/templates/litellm-deployment.yaml"
