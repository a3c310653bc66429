"""The whole upgrade path as a test: upstream LiteMaaS's own v0.1.3 tree (the committed
fixture of tests/test_upstream_litemaas.py) as a fresh git repository, `plan --to 0.4.0`
writes three phases (the v0.2.0 guide's two, then the v0.4.0 guide's one); each phase,
applied in order and rendered with the real engines (helm-python-sdk for the chart,
`kubectl kustomize` after the real preparation.sh), deploys exactly the images the guides
say for that step, and nothing else in the rendered manifests changes. The images are
checked against the catalog's upstream v0.2.0 and v0.4.0 chart defaults (read from the
upstream tags, data/catalog.yaml), and lint passes each phase's commit."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, git, init_repo

FIXTURE = ROOT / "tests" / "fixtures" / "upstream-litemaas-v0.1.3"
CHART = "deployment/helm/litemaas"
KUSTOMIZE = "deployment/kustomize"
OURS = ("backend", "frontend", "litellm")

needs_tools = pytest.mark.skipif(
    shutil.which("kubectl") is None or shutil.which("envsubst") is None,
    reason="kubectl or envsubst is missing",
)


def catalog_images(version: str) -> dict[str, str]:
    """{component: image} a LiteMaaS release's chart deploys by default (the catalog,
    read from upstream's tag)."""
    from litemaas_upgrade.catalog import catalog_for
    from litemaas_upgrade.rules import load_rules

    chart = catalog_for(load_rules()).chart("litemaas")
    assert chart is not None
    [release] = [r for r in chart.releases if str(r.version) == version]
    out = {}
    for comp in OURS:
        image = release.values[comp]["image"]
        out[comp] = f"{image['repository']}:{image['tag'] or release.app_version}"
    return out


V020 = catalog_images("0.2.0")
V040 = catalog_images("0.4.0")
V013 = catalog_images("0.1.3")
# What each phase deploys: the guides' steps, in the upstream releases' own images.
WANT = {
    1: {**V020, "litellm": V013["litellm"]},  # LiteMaaS 0.2.0, LiteLLM pinned
    2: V020,  # LiteLLM main-v1.81.0-stable: all of upstream v0.2.0
    3: V040,  # LiteMaaS 0.4.0, LiteLLM on the fork: all of upstream v0.4.0
}


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    repo = tmp_path / "litemaas"
    shutil.copytree(FIXTURE, repo, ignore=shutil.ignore_patterns("SOURCE.md"))
    return init_repo(repo)


def render_chart(chart: Path, values: list[Path]) -> tuple[dict[str, str], list[str]]:
    """{component: image} and every other rendered line, as `helm upgrade -f ...` would."""
    import helm_python as helm

    merged: dict = {}
    for path in values:
        _merge(merged, helm.values_from_yaml(path.read_text()))
    manifests = helm.Chart.load(str(chart)).render(merged, name="litemaas", namespace="litemaas")
    return _split("\n".join(manifests[k] for k in sorted(manifests)))


def render_kustomize(repo: Path, folder: str) -> tuple[dict[str, str], list[str]]:
    here = repo / folder
    shutil.copy(here / "user-values.env.example", here / "user-values.env")
    subprocess.run(["bash", "preparation.sh"], cwd=here, check=True, capture_output=True)
    out = subprocess.run(
        ["kubectl", "kustomize", folder], cwd=repo, check=True, capture_output=True, text=True
    ).stdout
    return _split(out)


def _split(text: str) -> tuple[dict[str, str], list[str]]:
    images: dict[str, str] = {}
    rest = []
    for line in text.splitlines():
        value = line.strip().removeprefix("- ")
        if value.startswith("image: "):
            image = value.split(":", 1)[1].strip().strip("\"'")
            for comp in OURS:
                if comp in image:
                    images[comp] = image
                    break
            else:
                rest.append(line)
        else:
            rest.append(line)
    return images, rest


def _merge(dst: dict, src: dict) -> None:
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v)
        else:
            dst[k] = v


def without_versions(lines: list[str], *versions: str) -> list[str]:
    """Rendered lines with the LiteMaaS version words blanked: upstream's Kustomize
    templates also write LITEMAAS_VERSION into the namespace's `app.kubernetes.io/version`
    label, which moves with the version (as the guide's own step moves it), and nothing
    else may. (Upstream's v0.2.0 and v0.4.0 Kustomize trees keep `newTag: latest`, a
    floating tag; the phases set the version there instead: the runbook's note.)"""
    out = []
    for line in lines:
        for v in versions:
            line = line.replace(v, "<version>")
        out.append(line)
    return out


@needs_tools
def test_plan_to_0_4_0_walks_both_guides_and_each_phase_deploys_what_they_say(
    cli, upstream: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan"
    result = cli("plan", ".", "--out", str(out), "--to", "0.4.0", cwd=upstream)
    assert result.code == 0, result.err
    for n in (1, 2, 3):
        assert f"phase {n}: 3 target(s)" in result.err
    plan = json.loads((out / "plan.json").read_text())
    assert [(p["phase"], p["rules"]) for p in plan["phases"]] == [
        (1, "litemaas-0.2.0"),
        (2, "litemaas-0.2.0"),
        (3, "litemaas-0.4.0"),
    ]
    assert plan["phases"][2]["repos"] == {"litellm": "quay.io/rh-aiservices-bu/litellm-non-root"}
    # The plan file passes lint's check of its steps; the same steps with the fork's
    # repository and upstream's tag are refused (LU015).
    plan_file = out / "plan.json"
    assert cli("lint", "--plan", str(plan_file), cwd=upstream).code == 0
    text = plan_file.read_text()
    bad = tmp_path / "bad-plan.json"
    bad.write_text(
        text.replace(
            '"quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom"',
            '"quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable"',
        ).replace('"main-v1.81.0-stable-custom"', '"main-v1.81.0-stable"')
    )
    refused = cli("lint", "--plan", str(bad), cwd=upstream)
    assert refused.code == 1 and "LU015" in refused.out, refused.out
    runbook = (out / "RUNBOOK.md").read_text()
    assert "## Phase 3: Update LiteMaaS to v0.4.0 and LiteLLM to the LiteMaaS fork" in runbook
    assert "Before this phase (litemaas-0.4.0," in runbook
    assert "Redis is optional (the guide)" in runbook  # why no Redis is rendered below
    assert "this phase sets the backend and frontend tags explicitly" in runbook

    chart = upstream / CHART
    images, chart_before = render_chart(chart, [])
    assert images == V013
    k_images, k_before = render_kustomize(upstream, KUSTOMIZE)
    versions = ("0.1.3", "0.2.0", "0.4.0")
    for n in (1, 2, 3):
        # The thin values file `helm upgrade -f` takes, over the chart as it is before.
        [thin] = (out / f"phase-{n}" / "_deploy" / "values").iterdir()
        deployed, _ = render_chart(chart, [thin])
        assert deployed == WANT[n], n
        # The phase's edits, as the runbook says: git apply, in order.
        git(upstream, "apply", str(out / f"phase-{n}.diff"))
        lint = cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=upstream)
        errors = [f for f in json.loads(lint.out)["findings"] if f["severity"] == "error"]
        assert lint.code == 0 and errors == [], (n, lint.out)
        codes = {f["code"] for f in json.loads(lint.out)["findings"]}
        assert "LU007" not in codes  # the fork is the v0.4.0 guide's declared move
        git(upstream, "commit", "-qam", f"phase {n}")
        images, chart_after = render_chart(chart, [])
        assert images == WANT[n], n
        assert chart_after == chart_before, f"phase {n} changed more than images (helm)"
        k_images, k_after = render_kustomize(upstream, KUSTOMIZE)
        assert k_images == WANT[n], n
        assert without_versions(k_after, *versions) == without_versions(k_before, *versions), n
    scan = cli("scan", ".", "--to", "0.4.0", "--format", "json", cwd=upstream)
    stages = {t["path"]: t["stage"] for t in json.loads(scan.out)["targets"]}
    assert stages[CHART] == stages[KUSTOMIZE] == "upgraded"


def test_a_target_part_way_starts_where_it_is(cli, upstream: Path, tmp_path: Path) -> None:
    """After the v0.2.0 guide's two phases, `plan --to 0.4.0` has only phase 3 to do (the
    phases keep their numbers, as `apply --phase 3` names them)."""
    for n in (1, 2):
        assert cli("apply", ".", "--phase", str(n), cwd=upstream).code == 0
        git(upstream, "commit", "-qam", f"phase {n}")
    out = tmp_path / "plan"
    result = cli("plan", ".", "--out", str(out), "--to", "0.4.0", cwd=upstream)
    assert result.code == 0, result.err
    assert "phase 1: nothing to do" in result.err and "phase 2: nothing to do" in result.err
    assert "phase 3: 3 target(s)" in result.err
    dry = cli("diff", ".", "--phase", "3", "--to", "0.4.0", cwd=upstream)
    assert dry.code == 0 and "+    repository: quay.io/rh-aiservices-bu/litellm-non-root" in dry.out
    assert cli("apply", ".", "--phase", "3", "--to", "0.4.0", cwd=upstream).code == 0
    text = (upstream / CHART / "values.yaml").read_text()
    assert (
        "repository: quay.io/rh-aiservices-bu/litellm-non-root\n"
        '    tag: "main-v1.81.0-stable-custom"' in text
    )
    # Without --to, the whole path too (the latest the rules know): nothing is left to do.
    again = cli("apply", ".", "--phase", "3", cwd=upstream)
    assert again.code == 0 and "phase 3: nothing to do" in again.err, again.err
    # The first guide alone: phase 3 is no phase.
    refused = cli("apply", ".", "--phase", "3", "--to", "0.2.0", cwd=upstream)
    assert refused.code == 2 and "--to VERSION chains the later guides' phases" in refused.err


def test_the_tool_s_own_pin_moves_with_the_repository(cli, tmp_path: Path) -> None:
    """The trap of issue 16: phase 1 pins litellm.image.tag in an override file, phase 2
    moves the pin; phase 3 must set the fork's repository beside it (or the chart's new
    default repository would meet the old tag: LU015)."""
    repo = tmp_path / "deploy"
    shutil.copytree(FIXTURE / CHART, repo / "chart")
    (repo / "prod-values.yaml").write_text("backend:\n  replicas: 2\n")
    init_repo(repo)
    out = tmp_path / "plan"
    result = cli("plan", ".", "--out", str(out), "--to", "0.4.0", cwd=repo)
    assert result.code == 0, result.err
    three = (out / "phase-3.diff").read_text()
    assert "+    repository: quay.io/rh-aiservices-bu/litellm-non-root" in three
    assert "+    tag: main-v1.81.0-stable-custom" in three or (
        '+    tag: "main-v1.81.0-stable-custom"' in three
    )
    for n in (1, 2, 3):
        git(repo, "apply", str(out / f"phase-{n}.diff"))
        lint = cli("lint", ".", "--base", "HEAD", cwd=repo)
        assert lint.code == 0, (n, lint.out)
        git(repo, "commit", "-qam", f"phase {n}")
    images, _ = render_chart(repo / "chart", [repo / "prod-values.yaml"])
    assert images == V040
