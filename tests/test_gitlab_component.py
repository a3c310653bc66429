"""The GitLab CI/CD component (templates/litemaas-upgrade.yml), interpolated and run as
the runner runs a job (tests/ci_runner.py), on merge requests in git repositories made
from sample-charts/, with the real `curl` talking to a local HTTPS server that plays the
GitLab API (tests/forge_api.py): the Code Quality report and the SARIF artifact, ONE merge
request note created or updated in place, the missing or read-only token, and a failing
job on a LiteLLM-first merge request.

All but one test take the installed tool from this test environment (the job's
LITEMAAS_UPGRADE_BIN given as a project variable, the install in before_script left out);
test_before_script_installs_the_package runs the real install."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from ci_runner import GitLabJob, interpolate, load_component, run_gitlab_job
from conftest import ROOT, git
from forge_api import Forge, GitLabToken
from pr_changes import floating_frontend, litellm_first, phase_1
from test_lint_codeclimate import validate as validate_code_quality
from test_lint_formats import VALUES, sarif_schema

if shutil.which("curl") is None:
    if os.environ.get("CI"):  # .ci/run installs it: missing there is a failure, not a skip
        raise RuntimeError("curl is not installed; .ci/run installs it")
    pytest.skip("curl is not installed: apt-get install curl", allow_module_level=True)

COMPONENT = ROOT / "templates/litemaas-upgrade.yml"
JOB = "litemaas-upgrade"
MARKER = "<!-- litemaas-upgrade:diff -->"
PROJECT, MR = "42", 5
BOT = GitLabToken(901, "project_42_bot_litemaas")
BIN = str(Path(sys.executable).parent)
NOTES = f"/api/v4/projects/{PROJECT}/merge_requests/{MR}/notes"


@pytest.fixture
def forge(tmp_path: Path) -> Iterator[Forge]:
    forge = Forge(tmp_path)
    forge.gitlab_tokens["glpat-bot"] = BOT
    yield forge
    forge.close()


def merge_request(repo: Path, change) -> str:  # type: ignore[no-untyped-def]
    """Commit `change(repo)` on the first commit; the merge request's diff base."""
    base = git(repo, "rev-parse", "HEAD").strip()
    change(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the merge request")
    return base


def run(
    forge: Forge, repo: Path, base: str, token: str | None = "glpat-bot", **inputs: object
) -> GitLabJob:
    variables = {"LITEMAAS_UPGRADE_BIN": BIN}
    (repo.parent / "job-tmp").mkdir(exist_ok=True)
    if token is not None:
        variables["LITEMAAS_UPGRADE_TOKEN"] = token
    return run_gitlab_job(
        COMPONENT,
        JOB,
        repo,
        inputs=inputs,
        ci={
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_API_V4_URL": f"{forge.url}/api/v4",
            "CI_SERVER_TLS_CA_FILE": str(forge.ca_file),
            "CI_PROJECT_ID": PROJECT,
            "CI_MERGE_REQUEST_IID": str(MR),
            "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
            "CI_JOB_TOKEN": "job-token-that-cannot-write-notes",
            "TMPDIR": str(repo.parent / "job-tmp"),
        },
        project_variables=variables,
        before_script=False,
    )


def diff_markdown(repo: Path, base: str) -> str:
    return subprocess.run(
        [f"{BIN}/litemaas-upgrade", "diff", ".", "--base", base, "--format", "markdown"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_a_litellm_first_merge_request_fails_with_reports_and_a_new_note(
    forge: Forge, helm_repo: Path
) -> None:
    base = merge_request(helm_repo, litellm_first)
    job = run(forge, helm_repo, base)
    assert job.code == 1, job.log
    assert "lint failed (exit 1)" in job.log
    assert f"{VALUES}:50:10: error LU001" in job.log  # the text findings, for the log
    quality = json.loads((helm_repo / "gl-code-quality-report.json").read_text())
    validate_code_quality(quality)
    assert {i["check_name"] for i in quality if i["severity"] == "critical"} == {"LU001"}
    sarif = json.loads((helm_repo / "litemaas-upgrade.sarif").read_text())
    jsonschema.Draft4Validator(sarif_schema()).validate(sarif)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"LU001"}
    [post] = forge.sent("POST", NOTES)
    assert post.headers["private-token"] == "glpat-bot"
    assert post.headers["user-agent"].startswith("curl/")
    [note] = forge.notes[(PROJECT, MR)]
    assert note["body"] == diff_markdown(helm_repo, base)
    assert note["body"].startswith(MARKER) and "LU001" in note["body"]
    assert note["author"]["id"] == BOT.id
    assert f"merge request note created (note {note['id']})" in job.log
    assert (helm_repo / "litemaas-upgrade-diff.md").read_text() == note["body"]
    assert list((helm_repo.parent / "job-tmp").iterdir()) == []  # the token's file is gone


def test_the_bots_note_on_page_3_is_updated_and_no_one_elses(forge: Forge, helm_repo: Path) -> None:
    base = merge_request(helm_repo, phase_1)
    alice = GitLabToken(7, "alice")
    people = [
        forge.gitlab_note(PROJECT, MR, alice, "please add the diff"),
        forge.gitlab_note(PROJECT, MR, alice, f"{MARKER}\ncopied by hand"),
        forge.gitlab_note(PROJECT, MR, alice, f"> {MARKER}\n> quoted"),
        forge.gitlab_note(PROJECT, MR, BOT, "the bot, without the marker"),
    ]
    ours = forge.gitlab_note(PROJECT, MR, BOT, f"{MARKER}\nan earlier diff")
    before = {n["id"]: n["body"] for n in people}
    job = run(forge, helm_repo, base)
    assert job.code == 0, job.log
    assert forge.sent("POST") == []
    [put] = forge.sent("PUT")
    assert put.path == f"{NOTES}/{ours['id']}"
    assert ours["body"] == diff_markdown(helm_repo, base)
    assert "phase-1-done" in ours["body"]
    assert {n["id"]: n["body"] for n in people} == before
    pages = [r.query["page"] for r in forge.sent("GET", NOTES)]
    assert pages == ["1", "2", "3"]  # X-Next-Page followed to our note
    assert f"merge request note updated (note {ours['id']})" in job.log


def test_without_a_token_the_job_says_why_and_keeps_the_diff(forge: Forge, helm_repo: Path) -> None:
    base = merge_request(helm_repo, phase_1)
    job = run(forge, helm_repo, base, token=None)
    assert job.code == 0, job.log
    assert forge.requests == []
    assert "LITEMAAS_UPGRADE_TOKEN (a token with the api scope) is not set" in job.log
    assert "CI_JOB_TOKEN cannot write notes" in job.log
    diff = (helm_repo / "litemaas-upgrade-diff.md").read_text()
    assert diff == diff_markdown(helm_repo, base)


def test_a_token_that_may_not_write_degrades_without_failing(forge: Forge, helm_repo: Path) -> None:
    forge.gitlab_tokens["glpat-guest"] = GitLabToken(902, "guest", can_write=False)
    base = merge_request(helm_repo, phase_1)
    job = run(forge, helm_repo, base, token="glpat-guest")
    assert job.code == 0, job.log
    [post] = forge.sent("POST", NOTES)
    assert "no merge request note: writing the note was refused (HTTP 403)" in job.log
    assert forge.notes.get((PROJECT, MR)) is None


def test_an_unknown_token_degrades_too(forge: Forge, helm_repo: Path) -> None:
    base = merge_request(helm_repo, phase_1)
    job = run(forge, helm_repo, base, token="glpat-revoked")
    assert job.code == 0, job.log
    assert "the token was refused (HTTP 401)" in job.log
    assert forge.sent("POST") == [] and forge.sent("PUT") == []


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1)])
def test_fail_on_warning(forge: Forge, helm_repo: Path, fail_on: str, code: int) -> None:
    base = merge_request(helm_repo, floating_frontend)
    job = run(forge, helm_repo, base, **{"fail-on": fail_on, "comment": False})
    assert job.code == code, job.log
    quality = json.loads((helm_repo / "gl-code-quality-report.json").read_text())
    assert [i["severity"] for i in quality] == ["major"]
    assert forge.requests == []  # comment: false
    assert "no merge request note (comment off" in job.log


def test_a_lint_that_cannot_run_fails_the_job_with_a_readable_report(
    forge: Forge, helm_repo: Path
) -> None:
    base = merge_request(helm_repo, phase_1)
    job = run(forge, helm_repo, base, paths="no-such-folder")
    assert job.code == 2, job.log
    assert "no-such-folder: no such file or folder" in job.log
    assert json.loads((helm_repo / "gl-code-quality-report.json").read_text()) == []
    assert forge.requests == []  # no diff, no note


def test_the_component_validates_by_the_gitlab_ci_schema(tmp_path: Path) -> None:
    """check-jsonschema's vendored GitLab CI schema (offline), on the header and on the
    jobs as interpolated with the defaults: what GitLab checks when it includes it."""
    header, _ = load_component(COMPONENT)
    jobs = interpolate(COMPONENT, {})
    for name, doc in (("header.json", header), ("jobs.json", jobs)):
        (tmp_path / name).write_text(json.dumps(doc))
        proc = subprocess.run(
            [f"{BIN}/check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", tmp_path / name],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    job = jobs[JOB]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    # every input is used, each through the job's variables, never spliced into a script
    text = COMPONENT.read_text().split("\n---\n", 1)[1]
    for name in header["spec"]["inputs"]:
        assert f"$[[ inputs.{name} ]]" in text, name
    assert "$[[" not in "\n".join(job["script"] + job["before_script"])


def test_a_wrong_input_is_refused_as_gitlab_refuses_it() -> None:
    with pytest.raises(AssertionError, match="not in"):
        interpolate(COMPONENT, {"fail-on": "sometimes"})
    with pytest.raises(AssertionError, match="not a boolean"):
        interpolate(COMPONENT, {"comment": "yes"})


def test_before_script_installs_the_package(tmp_path: Path) -> None:
    """The real install, from a copy of this checkout given as the `package` input (as a
    git URL would be), into the environment the job then runs."""
    source = tmp_path / "source"
    for name in git(ROOT, "ls-files", "-co", "--exclude-standard").splitlines():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    project = tmp_path / "project"
    shutil.copytree(ROOT / "sample-charts/charts", project / "charts")
    git_init = ["git", "init", "-q", "-b", "main"]
    subprocess.run(git_init, cwd=project, check=True)
    venv_bin = tmp_path / "venv/bin"
    job = run_gitlab_job(
        COMPONENT,
        JOB,
        project,
        inputs={"package": str(source), "comment": False},
        ci={"CI_PIPELINE_SOURCE": "merge_request_event"},
        project_variables={"LITEMAAS_UPGRADE_BIN": str(venv_bin)},
    )
    assert job.code == 0, job.log
    where = subprocess.run(
        [venv_bin / "python", "-c", "import litemaas_upgrade; print(litemaas_upgrade.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(venv_bin.parent))
    assert json.loads((project / "gl-code-quality-report.json").read_text()) == []
    assert "no base (not a merge request pipeline): no diff" in job.log


def test_the_pinned_versions_agree_with_the_package() -> None:
    """The component installs the release it is tagged as, and docs/ci.md pins both
    integrations at that release."""
    from litemaas_upgrade import __version__

    header, _ = load_component(COMPONENT)
    assert header["spec"]["inputs"]["version"]["default"] == __version__
    ci = (ROOT / "docs/ci.md").read_text()
    assert f"OWNER/litemaas-upgrade@v{__version__}\n" in ci
    assert f"/litemaas-upgrade/litemaas-upgrade@{__version__}\n" in ci
