"""The GitHub Action (action.yml + ci/github/), run as the runner runs its steps
(tests/ci_runner.py), against real pull requests in git repositories made from
sample-charts/, with the real `gh` (Debian's) talking to a local HTTPS server that plays the
GitHub Enterprise API (tests/forge_api.py): annotations, the job summary, one sticky
comment created or updated in place, the size limit, forks and read-only tokens, and a
failing check on a LiteLLM-first pull request.

All but one test take the installed tool from this test environment (the `install` step's
output preset to its bin folder); test_install_step_builds_the_pinned_checkout runs the
real install step on a copy of the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ci_runner import Job, load_action, run_action
from conftest import ROOT, git
from forge_api import Forge, GitHubToken
from pr_changes import floating_frontend, litellm_first, phase_1
from test_lint_formats import VALUES

MARKER = "<!-- litemaas-upgrade:diff -->"
REPO = "octo/deploy"
PR = 7
BOT = "github-actions[bot]"
TOKEN = "ghs_workflow_token"
BIN = str(Path(sys.executable).parent)  # this environment's litemaas-upgrade and python

if shutil.which("gh") is None:
    if os.environ.get("CI"):  # .ci/run installs it: missing there is a failure, not a skip
        raise RuntimeError("gh (the GitHub CLI) is not installed; .ci/run installs it")
    pytest.skip("gh (GitHub CLI) is not installed: apt-get install gh", allow_module_level=True)


@pytest.fixture
def forge(tmp_path: Path) -> Iterator[Forge]:
    forge = Forge(tmp_path)
    forge.github_tokens[TOKEN] = GitHubToken(BOT, installation=True)
    yield forge
    forge.close()


def pull_request(repo: Path, change) -> dict:  # type: ignore[no-untyped-def]
    """Commit `change(repo)` on top of the repository's first commit; the event of the
    pull request that proposes it (the work tree is its head, as checkout leaves it)."""
    base = git(repo, "rev-parse", "HEAD").strip()
    change(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the pull request")
    head = git(repo, "rev-parse", "HEAD").strip()
    return {
        "action": "synchronize",
        "number": PR,
        "pull_request": {
            "number": PR,
            "base": {"sha": base, "ref": "main", "repo": {"full_name": REPO, "fork": False}},
            "head": {"sha": head, "ref": "bump", "repo": {"full_name": REPO, "fork": False}},
        },
    }


def run(forge: Forge, repo: Path, event: dict, token: str = TOKEN, **inputs: str) -> Job:
    return run_action(
        ROOT,
        repo,
        repo.parent / "runner",
        inputs=inputs,
        event=event,
        token=token,
        server_url=forge.url,
        env={"SSL_CERT_FILE": str(forge.ca_file)},
        preset={"install": {"bin": BIN}},
    )


def diff_markdown(repo: Path, base: str) -> str:
    proc = subprocess.run(
        [f"{BIN}/litemaas-upgrade", "diff", ".", "--base", base, "--format", "markdown"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return proc.stdout


def test_a_litellm_first_pull_request_fails_with_annotations_and_a_new_comment(
    forge: Forge, helm_repo: Path
) -> None:
    event = pull_request(helm_repo, litellm_first)
    job = run(forge, helm_repo, event)
    assert job.code == 1, job.stderr  # the check fails: LiteLLM before the backend
    assert job.outputs["lint-exit-code"] == "1"
    errors = [line for line in job.stdout.splitlines() if line.startswith("::error ")]
    assert any(
        line.startswith(f"::error file={VALUES},line=50,col=10,title=LU001") for line in errors
    ), errors
    assert "### ❌ litemaas-upgrade lint" in job.summary
    # one comment, created through gh, whose body is the tool's markdown, unchanged
    posts = forge.sent("POST", f"/api/v3/repos/{REPO}/issues/{PR}/comments")
    assert len(posts) == 1
    assert posts[0].headers["user-agent"].startswith("GitHub CLI")
    assert posts[0].headers["authorization"] == f"token {TOKEN}"
    body = json.loads(posts[0].body)["body"]
    assert body == diff_markdown(helm_repo, event["pull_request"]["base"]["sha"])
    assert body.startswith(MARKER + "\n")
    assert "LU001" in body  # the verdict column
    [comment] = forge.comments[(REPO, PR)]
    assert comment["user"]["login"] == BOT
    assert job.outputs["comment"] == "created"
    assert job.outputs["comment-url"] == comment["html_url"]
    assert f"pull-request comment created: {comment['html_url']}" in job.summary


def test_the_bots_comment_on_page_3_is_updated_and_no_one_elses(
    forge: Forge, helm_repo: Path
) -> None:
    event = pull_request(helm_repo, phase_1)
    people = [
        forge.github_comment(REPO, PR, "alice", "LGTM once the diff is in"),
        # a person who copied the bot's whole comment: it starts with the marker
        forge.github_comment(REPO, PR, "bob", f"{MARKER}\nold diff, copied by hand"),
        forge.github_comment(REPO, PR, "carol", f"> {MARKER}\n> quoting the bot"),
        forge.github_comment(REPO, PR, "renovate[bot]", "not ours, no marker"),
    ]
    ours = forge.github_comment(REPO, PR, BOT, f"{MARKER}\nthe diff of an earlier push")
    later = forge.github_comment(REPO, PR, "alice", "thanks")
    assert forge.comments[(REPO, PR)].index(ours) // forge.page_size == 2  # page 3
    before = {c["id"]: c["body"] for c in [*people, later]}
    job = run(forge, helm_repo, event)
    assert job.code == 0, job.stdout + job.stderr  # phase 1 alone passes
    assert job.outputs["comment"] == "updated"
    assert forge.sent("POST", f"/api/v3/repos/{REPO}/issues/") == []
    [patch] = forge.sent("PATCH")
    assert patch.path == f"/api/v3/repos/{REPO}/issues/comments/{ours['id']}"
    assert ours["body"] == diff_markdown(helm_repo, event["pull_request"]["base"]["sha"])
    assert "phase-1-done" in ours["body"]
    assert {c["id"]: c["body"] for c in [*people, later]} == before
    pages = [r.query.get("page", "1") for r in forge.sent("GET", f"/api/v3/repos/{REPO}")]
    assert pages == ["1", "2", "3"]  # gh followed the Link headers to the end
    # run again: still one comment of ours, updated again, none added
    run(forge, helm_repo, event)
    assert len(forge.sent("PATCH")) == 2 and len(forge.comments[(REPO, PR)]) == 6


def test_a_personal_token_finds_its_own_comment(forge: Forge, helm_repo: Path) -> None:
    forge.github_tokens["ghp_personal"] = GitHubToken("deploy-bot")
    event = pull_request(helm_repo, phase_1)
    forge.github_comment(REPO, PR, BOT, f"{MARKER}\nnot this one: github-actions wrote it")
    mine = forge.github_comment(REPO, PR, "deploy-bot", f"{MARKER}\nan earlier diff")
    job = run(forge, helm_repo, event, token="ghp_personal")
    assert job.outputs["comment"] == "updated", job.stdout
    [patch] = forge.sent("PATCH")
    assert patch.path.endswith(f"/comments/{mine['id']}")


def test_a_fork_pull_request_gets_the_summary_and_annotations_only(
    forge: Forge, helm_repo: Path
) -> None:
    event = pull_request(helm_repo, litellm_first)
    event["pull_request"]["head"]["repo"] = {"full_name": "someone/deploy", "fork": True}
    job = run(forge, helm_repo, event)
    assert forge.requests == []  # nothing is tried with a read-only token
    assert job.code == 1  # for lint's errors, not for the comment
    assert job.outputs["comment"] == "skipped"
    assert any(line.startswith("::error file=") for line in job.stdout.splitlines())
    assert "no pull-request comment: this pull request comes from a fork" in job.summary
    assert "### ❌ litemaas-upgrade lint" in job.summary
    assert MARKER in job.summary  # the diff itself is in the job summary


def test_a_repository_that_is_itself_a_fork_still_gets_its_comment(
    forge: Forge, helm_repo: Path
) -> None:
    event = pull_request(helm_repo, phase_1)
    for side in ("base", "head"):  # both ends in the team's fork of some upstream
        event["pull_request"][side]["repo"]["fork"] = True
    job = run(forge, helm_repo, event)
    assert job.outputs["comment"] == "created", job.stdout + job.stderr
    assert len(forge.sent("POST")) == 1


def test_a_read_only_token_degrades_on_403_without_failing(forge: Forge, helm_repo: Path) -> None:
    forge.github_tokens[TOKEN].can_write = False  # e.g. no `pull-requests: write`
    event = pull_request(helm_repo, phase_1)
    job = run(forge, helm_repo, event)
    [post] = forge.sent("POST")
    assert post.path == f"/api/v3/repos/{REPO}/issues/{PR}/comments"
    assert job.code == 0, job.stdout + job.stderr  # lint passed; a 403 alone never fails
    assert job.outputs["comment"] == "skipped"
    assert "the token may not write comments (HTTP 403" in job.summary
    assert "::notice title=litemaas-upgrade::no pull-request comment" in job.stdout
    assert MARKER in job.summary


def big_values(repo: Path) -> None:
    """Twenty new releases of the chart, each with a values file of 120 settings: a diff
    twice GitHub's limit, which the tool's markdown trims section by section."""
    for n in range(20):
        lines = [f"# release {n}", "backend:", "  extraEnv:"]
        lines += [f"    SETTING_{i:04d}: value-number-{i:04d}-of-release-{n}" for i in range(120)]
        (repo / f"envs/big-{n:02d}-values.yaml").write_text("\n".join(lines) + "\n")


def test_a_diff_over_the_limit_is_posted_trimmed_and_as_the_tool_wrote_it(
    forge: Forge, helm_repo: Path
) -> None:
    event = pull_request(helm_repo, big_values)
    job = run(forge, helm_repo, event)
    [post] = forge.sent("POST")
    body = json.loads(post.body)["body"]
    assert 55_000 < len(body) <= 65_536
    assert "Left out" in body
    assert body == diff_markdown(helm_repo, event["pull_request"]["base"]["sha"])
    assert job.outputs["comment"] == "created", job.stdout + job.stderr


def test_a_body_over_the_limit_is_never_sent(forge: Forge, helm_repo: Path) -> None:
    """The guard behind the tool's own budget: a stand-in for the tool that prints a
    comment one character too long (the real one never does, see the test above)."""
    event = pull_request(helm_repo, phase_1)
    fake = helm_repo.parent / "fake-bin"
    fake.mkdir()
    (fake / "python").symlink_to(sys.executable)
    script = fake / "litemaas-upgrade"
    script.write_text(
        "#!/usr/bin/env bash\n"
        f'[ "$1" = diff ] || exec {BIN}/litemaas-upgrade "$@"\n'
        f"printf '%s\\n' '{MARKER}'\n"
        f"head -c {65_536 - len(MARKER)} /dev/zero | tr '\\0' x\n"
    )
    script.chmod(0o755)
    job = run_action(
        ROOT,
        helm_repo,
        helm_repo.parent / "runner",
        inputs={},
        event=event,
        token=TOKEN,
        server_url=forge.url,
        env={"SSL_CERT_FILE": str(forge.ca_file)},
        preset={"install": {"bin": str(fake)}},
    )
    assert job.code == 1
    assert "over GitHub's 65536" in job.stdout
    assert forge.sent("POST") == [] and forge.sent("PATCH") == []


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1)])
def test_fail_on_warning(forge: Forge, helm_repo: Path, fail_on: str, code: int) -> None:
    event = pull_request(helm_repo, floating_frontend)
    job = run(forge, helm_repo, event, **{"fail-on": fail_on, "comment": "false"})
    assert any(line.startswith("::warning file=envs/staging") for line in job.stdout.splitlines())
    assert job.code == code
    assert forge.requests == []  # comment: false
    assert job.outputs["comment"] == "off"
    assert MARKER in job.summary  # the diff went to the job summary instead


def test_bad_inputs_are_refused(forge: Forge, helm_repo: Path) -> None:
    event = pull_request(helm_repo, phase_1)
    job = run(forge, helm_repo, event, **{"fail-on": "sometimes"})
    assert job.code == 2
    assert "input fail-on: expected error or warning, got 'sometimes'" in job.stdout


def test_an_explicit_base_and_paths(forge: Forge, helm_repo: Path) -> None:
    event = pull_request(helm_repo, litellm_first)
    # paths limited to envs/: its two releases are still judged with the chart they read
    job = run(forge, helm_repo, event, paths="envs", base="HEAD~1")
    assert job.code == 1
    assert "--base HEAD~1" in job.stdout
    [post] = forge.sent("POST")
    assert "`HEAD~1" in json.loads(post.body)["body"]


def test_action_yml_is_valid_by_the_actions_schema() -> None:
    proc = subprocess.run(
        [
            str(Path(BIN) / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-actions",
            str(ROOT / "action.yml"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_yml_inputs_are_all_used_and_only_through_env() -> None:
    action = load_action(ROOT)
    text = (ROOT / "action.yml").read_text()
    for name in action["inputs"]:
        assert f"inputs.{name} }}}}" in text, name
    for step in action["runs"]["steps"]:
        assert "${{" not in step["run"]


def test_install_step_builds_the_pinned_checkout(tmp_path: Path) -> None:
    """The real install step, on a copy of this checkout as `uses:` would fetch it: a
    virtual environment of its own, whose litemaas-upgrade is this version."""
    action = tmp_path / "action"
    files = git(ROOT, "ls-files", "-co", "--exclude-standard").splitlines()
    for name in files:
        if (ROOT / name).is_file():
            (action / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, action / name)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    job = run_action(
        action,
        workspace,
        tmp_path / "runner",
        inputs={},
        event={},
        token=TOKEN,
        server_url="https://127.0.0.1:9",
    )
    bin_dir = Path(job.steps["install"]["bin"])
    assert bin_dir == tmp_path / "runner/runner-temp/litemaas-upgrade-venv/bin"
    version = subprocess.run(
        [
            str(bin_dir / "python"),
            "-c",
            "import litemaas_upgrade; print(litemaas_upgrade.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert version.startswith(str(bin_dir.parent))  # not this environment's copy
    bad = run_action(
        action,
        workspace,
        tmp_path / "runner2",
        inputs={"rendered": "yes"},
        event={},
        token=TOKEN,
        server_url="https://127.0.0.1:9",
    )
    assert bad.code == 2
    assert "input rendered: expected true or false, got 'yes'" in bad.stdout


def test_rendered_diffs_the_rendered_manifests(forge: Forge, helm_repo: Path) -> None:
    """rendered: true passes --rendered to diff (this environment has the render extra,
    as the install step gives the action's own environment)."""
    pytest.importorskip("helm_python")
    event = pull_request(helm_repo, phase_1)
    job = run(forge, helm_repo, event, rendered="true")
    assert job.code == 0, job.stdout + job.stderr
    assert "--format markdown --rendered" in job.stdout
    [post] = forge.sent("POST")
    body = json.loads(post.body)["body"]
    assert body.startswith(MARKER) and "rendered manifests" in body
    assert "quay.io/rh-aiservices-bu/litemaas-backend:0.2.0" in body


def test_a_lint_that_cannot_run_fails_the_check(forge: Forge, helm_repo: Path) -> None:
    event = pull_request(helm_repo, phase_1)
    job = run(forge, helm_repo, event, paths="no-such-folder")
    assert job.code == 2
    assert "no-such-folder: no such file or folder" in job.stderr
    assert "::error title=litemaas-upgrade::lint could not run (exit 2)" in job.stdout
    assert forge.sent("POST") == []  # no diff to post
