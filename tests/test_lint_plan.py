"""`lint --plan`: the plan `plan --out` writes passes; a hand-written plan that moves
both phases in one step, or whose step ends in the forbidden state, is refused with the
position inside the plan file."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write

OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"
BACKEND = "quay.io/rh-aiservices-bu/litemaas-backend"
FRONTEND = "quay.io/rh-aiservices-bu/litemaas-frontend"
LITELLM = "ghcr.io/berriai/litellm-non_root"


def images(backend: str, litellm: str, frontend: str | None = None) -> dict:
    return {
        "backend": {"image": f"{BACKEND}:{backend}", "tag": backend},
        "frontend": {"image": f"{FRONTEND}:{frontend or backend}", "tag": frontend or backend},
        "litellm": {"image": f"{LITELLM}:{litellm}", "tag": litellm},
    }


def plan_file(path: Path, *phases: list[tuple[dict, dict]]) -> Path:
    data = {
        "phases": [
            {
                "phase": n,
                "steps": [
                    {"target": "envs/prod-values.yaml", "before": b, "after": a} for b, a in p
                ],
            }
            for n, p in enumerate(phases, 1)
        ]
    }
    return write(path, json.dumps(data, indent=2) + "\n")


def test_the_written_plan_passes(cli, helm_repo: Path, tmp_path: Path) -> None:
    assert cli("plan", ".", "--out", str(tmp_path / "up"), cwd=helm_repo).code == 0
    result = cli("lint", "--plan", str(tmp_path / "up/plan.json"), cwd=helm_repo)
    assert result.code == 0, result.out
    assert "in 2 targets" in result.out  # two releases (two steps each, counted once)
    assert "changes checked against the plan's steps" in result.out


def test_a_step_that_moves_both_phases_is_refused(cli, tmp_path: Path) -> None:
    path = plan_file(tmp_path / "plan.json", [(images("0.1.3", OLD_LLM), images("0.2.0", NEW_LLM))])
    result = cli("lint", "--plan", str(path), "--format", "json", cwd=tmp_path)
    assert result.code == 1
    [f] = json.loads(result.out)["findings"]
    assert f["code"] == "LU002"
    assert f["target"] == "envs/prod-values.yaml"
    assert f["message"].startswith("plan phase 1: litellm moves main-v1.74.7-stable")
    assert "before the step backend is before 0.2.0" in f["message"]
    # The position of `"tag": "main-v1.81.0-stable"` under steps[0].after.litellm.
    lines = path.read_text().splitlines()
    assert lines[f["line"] - 1][f["col"] - 1 :].startswith(f'"{NEW_LLM}"')
    assert '"after"' in "\n".join(lines[: f["line"]])
    assert f["file"] == "plan.json"


def test_a_step_ending_in_the_forbidden_state_is_refused(cli, tmp_path: Path) -> None:
    path = plan_file(
        tmp_path / "plan.json",
        [(images("0.1.3", OLD_LLM), images("0.1.3", NEW_LLM))],
    )
    result = cli("lint", "--plan", str(path), "--format", "json", cwd=tmp_path)
    assert result.code == 1
    [f] = json.loads(result.out)["findings"]
    assert f["code"] == "LU001"
    assert "the plan must not deploy this state" in f["fix"]


def test_two_proper_phases_by_hand_pass(cli, tmp_path: Path) -> None:
    path = plan_file(
        tmp_path / "plan.json",
        [(images("0.1.3", OLD_LLM), images("0.2.0", OLD_LLM))],
        [(images("0.2.0", OLD_LLM), images("0.2.0", NEW_LLM))],
    )
    assert cli("lint", "--plan", str(path), cwd=tmp_path).code == 0


def test_versions_alone_are_enough(cli, tmp_path: Path) -> None:
    before = {"backend": {"version": "0.1.3"}, "litellm": {"version": "1.74.7"}}
    after = {"backend": {"version": "0.2.0"}, "litellm": {"version": "1.81.0"}}
    path = plan_file(tmp_path / "plan.json", [(before, after)])
    result = cli("lint", "--plan", str(path), "--format", "json", cwd=tmp_path)
    assert [f["code"] for f in json.loads(result.out)["findings"]] == ["LU002"]


def test_unreadable_plans_exit_3_with_a_position(cli, tmp_path: Path) -> None:
    missing = cli("lint", "--plan", "nope.json", cwd=tmp_path)
    assert missing.code == 3 and "nope.json: cannot read the plan" in missing.err
    write(tmp_path / "broken.json", '{"phases": [\n  {"steps": [}\n]}\n')
    broken = cli("lint", "--plan", "broken.json", cwd=tmp_path)
    assert broken.code == 3 and "broken.json:2:14: not JSON" in broken.err
    write(tmp_path / "shape.json", '{"phases": [\n  {"steps": [\n    {"before": {}}\n  ]}\n]}\n')
    shape = cli("lint", "--plan", "shape.json", cwd=tmp_path)
    assert shape.code == 3
    assert "shape.json:3:5: phases[0].steps[0]: a step must be an object" in shape.err
    write(tmp_path / "other.json", '{"targets": []}\n')
    other = cli("lint", "--plan", "other.json", cwd=tmp_path)
    assert other.code == 3 and "not a plan file" in other.err
