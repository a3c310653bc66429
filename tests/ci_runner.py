"""Run a composite GitHub Action's steps as the runner does, offline: `${{ }}` expressions
evaluated (the forms action.yml uses: inputs with their defaults, `github.token`,
`github.action_path`, `steps.ID.outputs.NAME`; any other is an error here, which keeps
action.yml that simple), each `run:` written to a file and run with
`bash --noprofile --norc -eo pipefail FILE` (the runner's `shell: bash`) in the workspace,
with the variables the runner sets (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ENV and
GITHUB_PATH files per step, GITHUB_EVENT_PATH, GITHUB_ACTION_PATH, RUNNER_TEMP, ...). A
step that fails stops the job, as without `if:` it does."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class Job:
    code: int  # 0, or the exit code of the step that failed
    stdout: str  # every step's: workflow commands (annotations) are read from it
    stderr: str
    summary: str  # the job summary: each step's GITHUB_STEP_SUMMARY, in order
    outputs: dict[str, str]  # the action's outputs
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)  # step names


def read_outputs(path: Path) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as the runner reads them."""
    out: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            out[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


def load_action(action_dir: Path) -> dict:
    return YAML(typ="safe").load((action_dir / "action.yml").read_text(encoding="utf-8"))


def run_action(
    action_dir: Path,
    workspace: Path,
    temp: Path,
    *,
    inputs: dict[str, str],
    event: dict,
    token: str,
    server_url: str,
    env: dict[str, str] | None = None,
    preset: dict[str, dict[str, str]] | None = None,
) -> Job:
    """`preset`: outputs for steps (by id) that are taken as already run."""
    action = load_action(action_dir)
    steps_out: dict[str, dict[str, str]] = {}
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs not declared in action.yml: {unknown}"

    def evaluate(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr == "github.token":
                return token
            if expr == "github.action_path":
                return str(action_dir)
            if m := re.fullmatch(r"inputs\.([\w-]+)", expr):
                name = m.group(1)
                assert name in declared, f"{expr}: no such input"
                default = str(declared[name].get("default", ""))
                return inputs.get(name, evaluate(default))
            if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr):
                return steps_out.get(m.group(1), {}).get(m.group(2), "")
            raise AssertionError(f"expression the runner stand-in does not evaluate: {expr}")

        return EXPRESSION.sub(one, text)

    temp.mkdir(parents=True, exist_ok=True)
    runner_temp = temp / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    event_path = temp / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    home = temp / "home"
    home.mkdir(exist_ok=True)
    base_env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": "octo/deploy",
        "GITHUB_SERVER_URL": server_url,
        "GITHUB_API_URL": f"{server_url}/api/v3",
        "GITHUB_ACTION_PATH": str(action_dir),
        "RUNNER_TEMP": str(runner_temp),
        **{k: v for k, v in os.environ.items() if k.startswith("PIP_")},
        **(env or {}),
    }
    job = Job(0, "", "", "", {})
    for index, step in enumerate(action["runs"]["steps"]):
        sid = step.get("id", f"__{index}")
        job.ran.append(step["name"])
        if preset and sid in preset:
            steps_out[sid] = preset[sid]
            continue
        assert step.get("shell") == "bash"
        assert "${{" not in step["run"], "inputs go through env:, never into run:"
        files = {n: temp / f"step{index}-{n}" for n in ("output", "summary", "env", "path")}
        for path in files.values():
            path.write_text("")
        script = temp / f"step{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        step_env = {
            **base_env,
            **{k: evaluate(str(v)) for k, v in (step.get("env") or {}).items()},
            "GITHUB_OUTPUT": str(files["output"]),
            "GITHUB_STEP_SUMMARY": str(files["summary"]),
            "GITHUB_ENV": str(files["env"]),
            "GITHUB_PATH": str(files["path"]),
        }
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        job.stdout += proc.stdout
        job.stderr += proc.stderr
        job.summary += files["summary"].read_text(encoding="utf-8")
        steps_out[sid] = read_outputs(files["output"])
        if proc.returncode != 0:
            job.code = proc.returncode
            break
    job.steps = steps_out
    job.outputs = {
        name: evaluate(str(spec["value"])) for name, spec in (action.get("outputs") or {}).items()
    }
    return job


# -- GitLab CI -----------------------------------------------------------------------------

GITLAB_INPUT = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]")


def load_component(path: Path) -> tuple[dict, dict]:
    """The header (`spec:`) and the jobs, the two YAML documents of a component."""
    header, body = YAML(typ="safe").load_all(path.read_text(encoding="utf-8"))
    return header, body


def interpolate(path: Path, inputs: dict[str, object]) -> dict:
    """The jobs with `$[[ inputs.NAME ]]` replaced, as GitLab does when it includes the
    component: each input checked against its spec (declared, `options`, `type`), its
    default taken when not given."""
    header, body = load_component(path)
    spec = header["spec"]["inputs"]
    assert set(inputs) <= set(spec), f"undeclared inputs: {set(inputs) - set(spec)}"
    values: dict[str, object] = {}
    for name, rule in spec.items():
        value = inputs.get(name, rule.get("default"))
        assert value is not None, f"input {name} is required"
        if rule.get("type") == "boolean":
            assert isinstance(value, bool), f"input {name}: not a boolean"
        if "options" in rule:
            assert value in rule["options"], f"input {name}: {value!r} not in {rule['options']}"
        values[name] = value

    def text(value: object) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    def walk(node: object) -> object:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            return GITLAB_INPUT.sub(lambda m: text(values[m.group(1)]), node)
        return node

    return walk(body)  # type: ignore[return-value]


@dataclass
class GitLabJob:
    code: int
    log: str  # stdout and stderr, as the job log shows them


def run_gitlab_job(
    component: Path,
    job_name: str,
    project_dir: Path,
    *,
    inputs: dict[str, object],
    ci: dict[str, str],
    project_variables: dict[str, str] | None = None,
    before_script: bool = True,
) -> GitLabJob:
    """The job's `before_script` and `script` in one shell, `set -eo pipefail`, as the
    runner's bash runs them, in the project folder. `ci`: the CI_* variables of the
    pipeline; `project_variables`: CI/CD settings variables, which take precedence over the
    job's `variables:`."""
    job = interpolate(component, inputs)[job_name]
    lines = [*(job.get("before_script") or [])] if before_script else []
    lines += job["script"]
    variables = {k: str(v) for k, v in (job.get("variables") or {}).items()}
    home = project_dir.parent / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": str(project_dir),
        **{k: v for k, v in os.environ.items() if k.startswith("PIP_")},
        **ci,
        **variables,
        **(project_variables or {}),
    }
    proc = subprocess.run(
        ["bash", "-c", "set -eo pipefail\n" + "\n".join(lines)],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return GitLabJob(proc.returncode, proc.stdout + proc.stderr)
