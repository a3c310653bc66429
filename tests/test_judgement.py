"""One judgement (judge.py) for lint, diff, plan and apply: on every layout the suite has
and on crafted cases (unknown backend, floating tag, digest alone, a missing component),
`diff --base`'s verdict equals `lint --base`'s findings, target by target; an unknown
backend next to LiteLLM past the boundary fails closed everywhere; LiteLLM alone has a
stage of its own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES, git, init_repo, write
from litemaas_upgrade import judge
from litemaas_upgrade.imageref import ImageRef
from litemaas_upgrade.model import ComponentState, Stage
from litemaas_upgrade.rules import load_rules
from litemaas_upgrade.stage import stage_of
from litemaas_upgrade.versions import Version

ROOT = Path(__file__).resolve().parents[1]
KUSTOMIZE_FIXTURES = ROOT / "tests" / "fixtures" / "kustomize"
JUDGED = {"LU001", "LU002", "LU003"}

OLD_LITELLM, NEW_LITELLM = "main-v1.74.7-stable", "main-v1.81.0-stable"


def _replace_everywhere(repo: Path, old: str, new: str) -> int:
    """Replace text in every file of the work tree (not .git); how many files changed."""
    n = 0
    for path in repo.rglob("*"):
        if ".git" in path.relative_to(repo).parts or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if old in text:
            path.write_text(text.replace(old, new), encoding="utf-8")
            n += 1
    return n


def _commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, "--allow-empty")


def _verdicts(cli, repo: Path) -> tuple[dict[str, set], dict[str, set]]:
    """{target: {(code, severity)}} from `diff --base HEAD` and from `lint --base HEAD`:
    the judged codes (LU001-LU003) and every error."""
    d = cli("diff", ".", "--base", "HEAD", "--format", "json", cwd=repo)
    assert d.code == 0, d.err
    lint = cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=repo)
    assert lint.code in (0, 1), lint.err
    by_diff: dict[str, set] = {}
    for t in json.loads(d.out)["targets"]:
        found = {(f["code"], f["severity"]) for f in t["lint"]}
        if found:
            by_diff[t["path"]] = found
    by_lint: dict[str, set] = {}
    for f in json.loads(lint.out)["findings"]:
        if f["code"] in JUDGED or f["severity"] == "error":
            by_lint.setdefault(f["target"], set()).add((f["code"], f["severity"]))
    assert (lint.code == 1) == any(
        s == "error" for found in by_lint.values() for _, s in found
    ), lint.err
    return by_diff, by_lint


def _agree(cli, repo: Path) -> dict[str, set]:
    by_diff, by_lint = _verdicts(cli, repo)
    assert by_diff == by_lint
    return by_lint


def _codes(found: dict[str, set]) -> set[str]:
    return {code for codes in found.values() for code, _ in codes}


# --- every layout the suite has, in four moves ---------------------------------------


def _layouts() -> list[tuple[str, Path]]:
    out = [("sample-charts", SAMPLES)]
    out += [(f"kustomize/{p.name}", p) for p in sorted(KUSTOMIZE_FIXTURES.iterdir()) if p.is_dir()]
    return out


@pytest.fixture(params=_layouts(), ids=lambda p: p[0])
def layout_repo(request, tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(request.param[1], repo)
    return init_repo(repo)


def test_litellm_first_diff_equals_lint(cli, layout_repo: Path) -> None:
    moved = _replace_everywhere(layout_repo, OLD_LITELLM, NEW_LITELLM)
    found = _agree(cli, layout_repo)
    if moved:
        assert found, "LiteLLM moved first and nothing said so"


def test_both_phases_at_once_diff_equals_lint(cli, layout_repo: Path) -> None:
    one = cli("apply", ".", "--phase", "1", cwd=layout_repo)
    if one.code != 0:
        # A layout the tool refuses to plan: the refusal says LU012 and why.
        assert "LU012" in one.err, one.err
        return
    two = cli("apply", ".", "--phase", "2", cwd=layout_repo)
    assert two.code == 0, two.err
    found = _agree(cli, layout_repo)
    if "edited" in two.err:
        assert "LU002" in _codes(found)


def test_each_phase_alone_diff_equals_lint(cli, layout_repo: Path) -> None:
    one = cli("apply", ".", "--phase", "1", cwd=layout_repo)
    if one.code != 0:
        assert "LU012" in one.err, one.err
        return
    found = _agree(cli, layout_repo)
    assert not {c for c in _codes(found) if c in ("LU001", "LU002")}
    _commit(layout_repo, "phase 1")
    two = cli("apply", ".", "--phase", "2", cwd=layout_repo)
    assert two.code == 0, two.err
    found = _agree(cli, layout_repo)
    assert not {c for c in _codes(found) if c in ("LU001", "LU002")}


# --- crafted cases -------------------------------------------------------------------

COMPOSE = """\
services:
  litellm:
    image: ghcr.io/berriai/litellm-non_root:{litellm}
{backend}  frontend:
    image: quay.io/rh-aiservices-bu/litemaas-frontend:{frontend}
"""


def _compose(litellm: str, backend: str | None, frontend: str = "0.1.3") -> str:
    block = (
        f"  backend:\n    image: quay.io/rh-aiservices-bu/litemaas-backend{backend}\n"
        if backend is not None
        else ""
    )
    return COMPOSE.format(litellm=litellm, backend=block, frontend=frontend)


DIGEST = "@sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("backend_before", "backend_after", "codes"),
    [
        (":latest", ":latest", {"LU001"}),  # unverified: the diff said "✅ ok"
        (DIGEST, DIGEST, {"LU001"}),  # digest alone: unverified
        (":0.1.3", ":latest", {"LU001"}),  # the backend moved to a floating tag
        (":0.1.3", ":0.1.3", {"LU001"}),  # the plain forbidden state
        (":0.1.3", ":0.2.0", {"LU002", "LU003"}),  # both at once (frontend left behind)
        (":0.2.0", ":0.2.0", {"LU003"}),  # phase 2 (the frontend left behind: a warning)
        (":0.1.3", None, {"LU002"}),  # backend dropped while LiteLLM crosses
    ],
    ids=["latest", "digest-only", "to-latest", "forbidden", "both-phases", "phase-2", "missing"],
)
def test_crafted_litellm_moves(cli, tmp_path: Path, backend_before, backend_after, codes) -> None:
    repo = tmp_path / "c"
    write(repo / "compose.yaml", _compose(OLD_LITELLM, backend_before))
    init_repo(repo)
    write(repo / "compose.yaml", _compose(NEW_LITELLM, backend_after))
    found = _agree(cli, repo)
    assert _codes(found) == codes


def test_crafted_unknown_chart_backend(cli, tmp_path: Path) -> None:
    """An Argo CD Application of a LiteMaaS chart release the catalog does not know (a
    branch): the backend is unknown, never absent; LiteLLM moved to 1.81.0 next to it is
    an error in lint and in diff alike."""
    repo = tmp_path / "argo"
    app = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: litemaas
spec:
  source:
    repoURL: https://github.com/rh-aiservices-bu/litemaas.git
    targetRevision: some-branch
    path: deployment/helm/litemaas
    helm:
      valuesObject:
        litellm:
          image:
            repository: ghcr.io/berriai/litellm-non_root
            tag: {tag}
  destination:
    namespace: litemaas
"""
    write(repo / "app.yaml", app.format(tag=OLD_LITELLM))
    init_repo(repo)
    scan = json.loads(cli("scan", ".", "--format", "json", cwd=repo).out)
    (target,) = scan["targets"]
    assert target["components"]["backend"]["image"] is None  # unknown, not absent
    write(repo / "app.yaml", app.format(tag=NEW_LITELLM))
    found = _agree(cli, repo)
    assert _codes(found) == {"LU001"}


# --- plan and apply fail closed ------------------------------------------------------


def test_plan_refuses_to_move_litellm_next_to_an_unknown_backend(cli, tmp_path: Path) -> None:
    repo = tmp_path / "argo"
    write(
        repo / "app.yaml",
        """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: litemaas
spec:
  source:
    repoURL: https://github.com/rh-aiservices-bu/litemaas.git
    targetRevision: some-branch
    path: deployment/helm/litemaas
    helm:
      valuesObject:
        litellm:
          image:
            tag: main-v1.74.7-stable
  destination:
    namespace: litemaas
""",
    )
    init_repo(repo)
    before = (repo / "app.yaml").read_bytes()
    for args in (("plan", ".", "--out", str(tmp_path / "out")), ("apply", ".", "--phase", "1")):
        result = cli(*args, cwd=repo)
        assert result.code == 1, result.err
        assert "LU012" in result.err and "cannot be known" in result.err, result.err
        assert "None" not in result.err
        assert "nothing was written" in result.err
    assert (repo / "app.yaml").read_bytes() == before
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_explain_lu012(cli) -> None:
    result = cli("lint", "--explain", "LU012")
    assert result.code == 0, result.err
    assert "plan" in result.out and "unverified" in result.out


# --- the judgement itself ------------------------------------------------------------


def _state(name: str, image: str | None) -> ComponentState:
    rules = load_rules()
    ref = ImageRef.parse(image) if image else None
    version = rules.components[name].version_of(ref.tag) if ref and ref.tag else None
    return ComponentState(name, ref, version)


LITELLM = "ghcr.io/berriai/litellm-non_root:"
BACKEND = "quay.io/rh-aiservices-bu/litemaas-backend:"
FRONTEND = "quay.io/rh-aiservices-bu/litemaas-frontend:"


def _comps(litellm: str | None, backend: str | None, frontend: str | None = None) -> dict:
    out = {}
    for name, prefix, tag in (
        ("litellm", LITELLM, litellm),
        ("backend", BACKEND, backend),
        ("frontend", FRONTEND, frontend),
    ):
        if tag is not None:
            out[name] = _state(name, prefix + tag if tag != "?" else None)
    return out


def test_judge_state_kinds() -> None:
    rules = load_rules()
    kinds = lambda c: sorted(p.kind for p in judge.judge_state(c, rules))  # noqa: E731
    assert kinds(_comps(NEW_LITELLM, "0.1.3")) == [judge.FORBIDDEN]
    assert kinds(_comps(NEW_LITELLM, "latest")) == [judge.UNVERIFIED]
    assert kinds(_comps(NEW_LITELLM, "?")) == [judge.UNVERIFIED]  # unresolved image
    assert kinds(_comps(OLD_LITELLM, "?")) == []  # before the boundary: nothing to fear
    assert kinds(_comps(NEW_LITELLM, None)) == []  # LiteLLM alone
    assert kinds(_comps(NEW_LITELLM, "0.2.0", "0.1.3")) == [judge.FOLLOWER]
    assert kinds(_comps("main-latest", "0.1.3")) == []  # LU004 says it; no state to judge


def test_judge_transition_kinds() -> None:
    rules = load_rules()

    def kinds(before, after):
        return sorted(p.kind for p in judge.judge_transition(before, after, rules))

    assert kinds(_comps(OLD_LITELLM, "0.1.3"), _comps(NEW_LITELLM, "0.2.0")) == [
        judge.BOTH_PHASES
    ]
    assert kinds(_comps(OLD_LITELLM, "latest"), _comps(NEW_LITELLM, "0.2.0")) == [
        judge.BOTH_PHASES  # unknown before counts as before: fail closed
    ]
    assert kinds(_comps(OLD_LITELLM, "0.2.0"), _comps(NEW_LITELLM, "0.2.0")) == []
    assert kinds(_comps(OLD_LITELLM, "0.1.3"), _comps(NEW_LITELLM, "0.1.3")) == [
        judge.FORBIDDEN  # reported once, as the state
    ]
    assert kinds(None, _comps(NEW_LITELLM, "0.2.0")) == []  # a fresh install
    assert kinds(_comps(OLD_LITELLM, "0.1.3"), None) == []  # removed
    for p in judge.judge_transition(
        _comps(OLD_LITELLM, "?"), _comps(NEW_LITELLM, "?"), rules
    ):
        assert "None" not in judge.explain(p, _comps(OLD_LITELLM, "?"), _comps(NEW_LITELLM, "?"))


def test_litellm_only_stage() -> None:
    rules = load_rules()
    assert stage_of(_comps(OLD_LITELLM, None), rules) == Stage("litellm-only")
    assert stage_of(_comps(NEW_LITELLM, None), rules) == Stage("litellm-only")
    assert stage_of(_comps(OLD_LITELLM, "0.1.3", "0.1.3"), rules) == Stage.BEFORE
    assert stage_of(_comps(OLD_LITELLM, "0.2.0", "0.2.0"), rules) == Stage.PHASE1
    assert Version.parse("1.81.0") >= rules.constraints[0].if_at_least


def test_scan_labels_a_litellm_only_target(cli, tmp_path: Path) -> None:
    repo = tmp_path / "l"
    write(repo / "compose.yaml", f"services:\n  litellm:\n    image: {LITELLM}{OLD_LITELLM}\n")
    init_repo(repo)
    out = cli("scan", ".", "--format", "json", cwd=repo)
    assert [t["stage"] for t in json.loads(out.out)["targets"]] == ["litellm-only"]
    text = cli("scan", ".", cwd=repo)
    assert "litellm-only" in text.out and "phase-1-done" not in text.out



# --- releases the tool knows, and never a downgrade -----------------------------------

ARGO_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: litemaas
spec:
  source:
    repoURL: https://github.com/rh-aiservices-bu/litemaas.git
    targetRevision: {rev}
    path: deployment/helm/litemaas
"""


@pytest.mark.parametrize(
    ("rev", "backend", "litellm"),
    [
        ("v0.1.3", "0.1.3", "ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable"),
        ("v0.2.0", "0.2.0", "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable"),
        ("v0.2.1", "0.2.1", "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable"),
        ("v0.3.1", "0.3.1", "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable"),
        (
            "v0.4.0",
            "0.4.0",
            "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom",
        ),
    ],
)
def test_catalog_knows_every_release(cli, tmp_path: Path, rev, backend, litellm) -> None:
    """Values read from upstream's chart at each tag (data/catalog.yaml records where)."""
    repo = tmp_path / "a"
    write(repo / "app.yaml", ARGO_APP.format(rev=rev))
    init_repo(repo)
    (target,) = json.loads(cli("scan", ".", "--format", "json", cwd=repo).out)["targets"]
    comps = target["components"]
    assert comps["backend"]["image"] == f"quay.io/rh-aiservices-bu/litemaas-backend:{backend}"
    assert comps["frontend"]["image"] == f"quay.io/rh-aiservices-bu/litemaas-frontend:{backend}"
    assert comps["litellm"]["image"] == litellm


@pytest.mark.parametrize("rev", ["v0.2.1", "v0.3.1", "v0.4.0"])
def test_never_plans_a_downgrade(cli, tmp_path: Path, rev: str) -> None:
    repo = tmp_path / "a"
    write(repo / "app.yaml", ARGO_APP.format(rev=rev))
    init_repo(repo)
    before = (repo / "app.yaml").read_bytes()
    version = rev.lstrip("v")
    # The v0.2.0 guide alone: every release here is past it, nothing to do.
    result = cli("plan", ".", "--out", str(tmp_path / "out"), "--to", "0.2.0", cwd=repo)
    assert result.code == 0, result.err
    assert "phase 1: nothing to do" in result.err and "phase 2: nothing to do" in result.err
    assert f"backend is already at {version}, past 0.2.0: left as it is" in result.err
    assert "None" not in result.err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert all(not ph["steps"] for ph in plan["phases"]), plan
    assert (repo / "app.yaml").read_bytes() == before
    assert "None" not in (tmp_path / "out" / "RUNBOOK.md").read_text()
    # The whole path (the default): phases 1 and 2 still leave it; phase 3 moves it up to
    # the v0.4.0 chart, never down, and has nothing to do at 0.4.0.
    result = cli("plan", ".", "--out", str(tmp_path / "whole"), cwd=repo)
    assert result.code == 0, result.err
    assert "phase 1: nothing to do" in result.err and "phase 2: nothing to do" in result.err
    assert f"backend is already at {version}, past 0.2.0: left as it is" in result.err
    assert "None" not in result.err
    plan = json.loads((tmp_path / "whole" / "plan.json").read_text())
    assert [len(ph["steps"]) for ph in plan["phases"]] == [0, 0, 0 if rev == "v0.4.0" else 1]
    diff = (tmp_path / "whole" / "phase-3.diff").read_text()
    if rev == "v0.4.0":
        assert "phase 3: nothing to do" in result.err and diff == ""
    else:
        [step] = plan["phases"][2]["steps"]
        assert step["set"]["backend"] == "0.4.0" and step["stage_after"] == "upgraded"
        assert f"-    targetRevision: {rev}\n+    targetRevision: v0.4.0\n" in diff
    assert (repo / "app.yaml").read_bytes() == before
    assert "None" not in (tmp_path / "whole" / "RUNBOOK.md").read_text()


def test_a_branch_is_not_pinned_back(cli, tmp_path: Path) -> None:
    """`targetRevision: main`: a release the tool cannot know. Nothing is pinned to 0.2.0
    (which may be a downgrade), and LiteLLM is not moved next to the unknown backend."""
    repo = tmp_path / "a"
    write(repo / "app.yaml", ARGO_APP.format(rev="main"))
    init_repo(repo)
    before = (repo / "app.yaml").read_bytes()
    result = cli("apply", ".", "--phase", "1", cwd=repo)
    assert result.code == 1 and "LU012" in result.err, result.err
    assert (repo / "app.yaml").read_bytes() == before


def test_a_chart_default_not_in_the_repository_is_unknown(cli, tmp_path: Path) -> None:
    """An umbrella chart that depends on the LiteMaaS chart without vendoring it: the
    images that chart's defaults decide are unknown (with the reason), never absent; the
    plan refuses to move LiteLLM next to them."""
    repo = tmp_path / "u"
    write(
        repo / "platform/Chart.yaml",
        "apiVersion: v2\nname: platform\nversion: 1.0.0\ndependencies:\n"
        "  - name: litemaas\n    version: 0.1.0\n    repository: https://example.com/charts\n",
    )
    write(repo / "platform/values.yaml", "litemaas:\n  route:\n    enabled: true\n")
    init_repo(repo)
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    (target,) = json.loads(result.out)["targets"]
    assert target["stage"] == "unknown"
    for name in ("backend", "frontend", "litellm"):
        comp = target["components"][name]
        assert comp["image"] is None
        assert "litemaas 0.1.0" in comp["note"] and "not in this repository" in comp["note"]
    (dep,) = [f for f in target["findings"] if "depends on" in f["message"]]
    assert (dep["code"], dep["severity"]) == ("LU009", "warning")
    assert dep["file"] == "platform/Chart.yaml"
    assert "litemaas 0.1.0, which is not in this repository" in dep["message"]
    assert dep["fix"].startswith("vendor the dependency (`helm dependency build`")
    plan = cli("plan", ".", "--out", str(tmp_path / "out"), cwd=repo)
    assert plan.code == 1 and "LU012" in plan.err, plan.err


def test_markdown_marks_litellm_first_next_to_a_floating_backend(cli, tmp_path: Path) -> None:
    """The issue's case: LiteLLM to 1.81.0 with the backend on `latest` printed "✅ ok"."""
    repo = tmp_path / "m"
    write(repo / "compose.yaml", _compose(OLD_LITELLM, ":latest"))
    init_repo(repo)
    write(repo / "compose.yaml", _compose(NEW_LITELLM, ":latest"))
    md = cli("diff", ".", "--base", "HEAD", "--format", "markdown", cwd=repo)
    assert md.code == 0, md.err
    row = next(line for line in md.out.splitlines() if "| litellm |" in line)
    assert row.endswith("| ❌ LU001 |") and "✅" not in md.out
    assert cli("lint", ".", "--base", "HEAD", cwd=repo).code == 1


def test_litellm_first_in_an_umbrella_without_its_dependency(cli, tmp_path: Path) -> None:
    """The umbrella's values pin LiteLLM's tag while the LiteMaaS chart it depends on is
    not vendored (`charts/*.tgz` gitignored): the tag still tells LiteLLM's version, the
    backend is unknown, and moving LiteLLM past the boundary is refused by lint and diff
    alike."""
    repo = tmp_path / "u"
    write(
        repo / "platform/Chart.yaml",
        "apiVersion: v2\nname: platform\nversion: 1.0.0\ndependencies:\n"
        "  - name: litemaas\n    alias: llm\n    version: 0.1.0\n"
        "    repository: https://example.com/charts\n",
    )
    values = "llm:\n  litellm:\n    image:\n      tag: {tag}\n"
    write(repo / "platform/values.yaml", values.format(tag=OLD_LITELLM))
    init_repo(repo)
    (target,) = json.loads(cli("scan", ".", "--format", "json", cwd=repo).out)["targets"]
    assert target["components"]["litellm"]["version"] == "1.74.7"
    assert target["components"]["backend"]["version"] is None
    assert "None" not in cli("scan", ".", cwd=repo).out
    write(repo / "platform/values.yaml", values.format(tag=NEW_LITELLM))
    found = _agree(cli, repo)
    assert _codes(found) == {"LU001"}


def test_a_suppressed_finding_is_silenced_in_diff_as_in_lint(cli, tmp_path: Path) -> None:
    repo = tmp_path / "s"
    write(repo / "compose.yaml", _compose(OLD_LITELLM, ":0.1.3"))
    init_repo(repo)
    text = _compose(NEW_LITELLM, ":0.1.3").replace(
        f"litellm-non_root:{NEW_LITELLM}\n",
        f"litellm-non_root:{NEW_LITELLM}  # litemaas-upgrade: ignore LU001 lab only\n",
    )
    write(repo / "compose.yaml", text)
    found = _agree(cli, repo)
    assert "LU001" not in _codes(found)
    lint = json.loads(cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=repo).out)
    assert lint["summary"]["suppressed"] == 1
