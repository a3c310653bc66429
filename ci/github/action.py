"""The GitHub Action's steps after the install (action.yml runs them one by one, with the
environment's python): `lint`, `comment` and `verdict`. Standard library only; the GitHub
API is reached through `gh api` (the GitHub CLI that every hosted runner has), never an
HTTP client of our own.

- lint: `litemaas-upgrade lint --format github` (annotations on stdout, the job summary
  appended by the tool itself); its exit code is an output, so that the diff still runs.
- comment: `litemaas-upgrade diff --format markdown` posted as ONE sticky comment on the
  pull request: the comment whose body starts with the marker and whose author is the
  token's user is updated, else one is created. A read-only token (a fork's pull request,
  or a workflow without `pull-requests: write`) puts the diff in the job summary with a
  note instead, and that alone never fails the check.
- verdict: fail the check when lint did (LU001/LU002; warnings with fail-on: warning) or
  when the diff could not be made.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

MARKER = "<!-- litemaas-upgrade:diff -->"  # the first line of `diff --format markdown`
LIMIT = 65_536  # characters GitHub keeps in a comment body
DEFAULT_BOT = "github-actions[bot]"  # who GITHUB_TOKEN comments as


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def tool() -> str:
    return str(Path(env("LITEMAAS_UPGRADE_BIN")) / "litemaas-upgrade")


def paths() -> list[str]:
    return env("INPUT_PATHS", ".").split() or ["."]


def event() -> dict:
    path = env("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pull_request() -> dict:
    pr = event().get("pull_request")
    return pr if isinstance(pr, dict) else {}


def output(**values: object) -> None:
    with open(env("GITHUB_OUTPUT"), "a", encoding="utf-8") as fh:
        for key, value in values.items():
            fh.write(f"{key}={value}\n")


def summary(text: str) -> None:
    path = env("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text if text.endswith("\n") else text + "\n")


def notice(kind: str, message: str) -> None:
    """A workflow command: shown in the log and on the run's page. The message is escaped
    as the runner wants it, so that text from the repository (a file name in an error)
    cannot end the command and start another."""
    message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    print(f"::{kind} title=litemaas-upgrade::{message}", flush=True)


# -- lint ---------------------------------------------------------------------------------


def lint() -> int:
    fail_on = env("INPUT_FAIL_ON", "error")
    if fail_on not in ("error", "warning"):
        notice("error", f"input fail-on: expected error or warning, got '{fail_on}'")
        return 2
    base = env("INPUT_BASE") or str(pull_request().get("base", {}).get("sha", ""))
    cmd = [tool(), "lint", *paths(), "--format", "github"]
    if base:
        cmd += ["--base", base]
    else:
        notice("warning", "no base (not a pull request, and no base input): state only")
    if fail_on == "warning":
        cmd.append("--fail-on-warn")
    print("$ " + " ".join(cmd), flush=True)
    code = subprocess.run(cmd).returncode
    output(**{"exit-code": code, "base": base})
    return 0


# -- comment ------------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


def gh_env() -> dict[str, str]:
    """`gh` talks to github.com, or to the GitHub Enterprise Server the run is on
    (GITHUB_SERVER_URL), with the action's token."""
    out = dict(os.environ)
    token = env("INPUT_TOKEN")
    host = urlsplit(env("GITHUB_SERVER_URL", "https://github.com")).netloc
    out.update(GH_TOKEN=token, GH_PROMPT_DISABLED="1", GH_NO_UPDATE_NOTIFIER="1")
    if host and host != "github.com":
        out.update(GH_HOST=host, GH_ENTERPRISE_TOKEN=token)
    return out


def gh_api(*args: str) -> str:
    proc = subprocess.run(["gh", "api", *args], capture_output=True, text=True, env=gh_env())
    if proc.returncode != 0:
        text = (proc.stderr or proc.stdout).strip()
        status = 0
        if "(HTTP " in text:
            digits = text.rsplit("(HTTP ", 1)[1][:3]
            status = int(digits) if digits.isdigit() else 0
        raise ApiError(status, text)
    return proc.stdout


def author() -> str:
    """Whose comment is ours: the input, else the token's user (a personal token), else
    the bot that GITHUB_TOKEN writes as (`/user` is refused to an installation token)."""
    if env("INPUT_COMMENT_AUTHOR"):
        return env("INPUT_COMMENT_AUTHOR")
    try:
        return gh_api("user", "--jq", ".login").strip() or DEFAULT_BOT
    except ApiError:
        return DEFAULT_BOT


def find_comment(repo: str, number: int, login: str) -> int | None:
    """The first comment, over every page, that starts with the marker and is by `login`:
    a person quoting or copying the bot's comment is never taken for it."""
    jq = (
        f'.[] | select(.body != null and (.body | startswith("{MARKER}")))'
        " | {id: .id, login: .user.login}"
    )
    found = gh_api("--paginate", f"repos/{repo}/issues/{number}/comments?per_page=100", "--jq", jq)
    for line in found.splitlines():
        item = json.loads(line)
        if item.get("login") == login:
            return int(item["id"])
    return None


def post(repo: str, number: int, body: str) -> tuple[str, str]:
    login = author()
    existing = find_comment(repo, number, login)
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as fh:
        json.dump({"body": body}, fh, ensure_ascii=False)
        payload = fh.name
    try:
        if existing is not None:
            url = gh_api(
                "-X", "PATCH", f"repos/{repo}/issues/comments/{existing}",
                "--input", payload, "--jq", ".html_url",
            )  # fmt: skip
            return "updated", url.strip()
        url = gh_api(
            "-X", "POST", f"repos/{repo}/issues/{number}/comments",
            "--input", payload, "--jq", ".html_url",
        )  # fmt: skip
        return "created", url.strip()
    finally:
        os.unlink(payload)


def read_only_reason() -> str:
    """Why the token cannot comment, when the event already says so: a `pull_request`
    whose head is in another repository (a fork, or a deleted one) runs with a read-only
    token. `head.repo.fork` alone is not the test: a repository that is itself a fork has
    it true on its own branches' pull requests too."""
    if env("GITHUB_EVENT_NAME") != "pull_request":
        return ""
    pr = pull_request()
    head = (pr.get("head") or {}).get("repo")
    base = (pr.get("base") or {}).get("repo") or {}
    if not isinstance(head, dict) or head.get("full_name") != base.get("full_name"):
        return "this pull request comes from a fork, whose token is read-only"
    return ""


def degrade(body: str, why: str) -> int:
    notice("notice", f"no pull-request comment: {why}; the diff is in the job summary")
    summary(f"> **Note**: no pull-request comment: {why}. The diff is below.\n\n{body}")
    output(**{"comment": "skipped"})
    return 0


def comment() -> int:
    base = env("BASE")
    if not base:
        notice("warning", "no base to diff against (not a pull request): no diff comment")
        output(**{"exit-code": 0, "comment": "skipped"})
        return 0
    cmd = [tool(), "diff", *paths(), "--base", base, "--format", "markdown"]
    if env("INPUT_RENDERED") == "true":
        cmd.append("--rendered")
    print("$ " + " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    sys.stderr.write(proc.stderr)
    output(**{"exit-code": proc.returncode})
    if proc.returncode != 0:
        notice("error", f"diff failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
        return 0  # the verdict step fails the check
    body = proc.stdout
    Path(env("RUNNER_TEMP", tempfile.gettempdir()), "litemaas-upgrade-diff.md").write_text(
        body, encoding="utf-8"
    )
    if not body.startswith(MARKER):
        notice("error", "the diff does not start with its marker; not posted")
        output(**{"comment": "failed"})
        return 1
    if len(body) > LIMIT:  # the tool keeps within it; a comment over it is never sent
        notice("error", f"the diff comment is {len(body)} characters, over GitHub's {LIMIT}")
        output(**{"comment": "failed"})
        return 1
    if env("INPUT_COMMENT", "true") != "true":
        summary(body)
        output(**{"comment": "off"})
        return 0
    number = pull_request().get("number")
    repo = env("GITHUB_REPOSITORY")
    if not isinstance(number, int) or not repo:
        return degrade(body, "this run is not for a pull request")
    why = read_only_reason()
    if why:
        return degrade(body, why)
    if shutil.which("gh") is None:  # every GitHub-hosted runner has it; a self-hosted may not
        return degrade(body, "the GitHub CLI (gh) is not installed on this runner")
    try:
        done, url = post(repo, number, body)
    except ApiError as exc:
        if exc.status == 403:
            return degrade(
                body,
                "the token may not write comments (HTTP 403: a fork's pull request, or no "
                "`pull-requests: write` permission)",
            )
        notice("error", f"the pull-request comment failed: {exc}")
        output(**{"comment": "failed"})
        return 1
    summary(f"litemaas-upgrade diff: pull-request comment {done}: {url}\n")
    output(**{"comment": done, "comment-url": url})
    return 0


# -- verdict ------------------------------------------------------------------------------


def verdict() -> int:
    lint_code = int(env("LINT_EXIT") or 0)
    diff_code = int(env("DIFF_EXIT") or 0)
    if lint_code == 1:
        notice("error", "lint found errors (or warnings, with fail-on: warning): see above")
    elif lint_code:
        notice("error", f"lint could not run (exit {lint_code}): see its step")
    if diff_code:
        notice("error", f"diff could not run (exit {diff_code}): see its step")
    return lint_code or diff_code


def main(argv: list[str]) -> int:
    steps = {"lint": lint, "comment": comment, "verdict": verdict}
    if len(argv) != 1 or argv[0] not in steps:
        print(f"usage: action.py {'|'.join(steps)}", file=sys.stderr)
        return 2
    return steps[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
