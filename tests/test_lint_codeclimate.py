"""`lint --format codeclimate`: GitLab's Code Quality report. No machine-readable schema is
published for it (neither by GitLab nor by Code Climate), so the test holds the rules of
GitLab's documentation ("Code Quality report format": an array of objects with
description, check_name, fingerprint, severity in info|minor|major|critical|blocker,
location.path, and location.lines.begin or location.positions.begin.line) as a JSON Schema
and validates real runs against it with jsonschema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import git
from litemaas_upgrade.lint.formatters.codeclimate import fingerprints, render
from litemaas_upgrade.lint.runner import LintResult
from litemaas_upgrade.model import Finding, Severity
from test_lint_formats import VALUES, make_change

_POSITIVE = {"type": "integer", "minimum": 1}
GITLAB_CODE_QUALITY = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "type": {"const": "issue"},
            "categories": {"type": "array", "items": {"type": "string"}},
            "location": {
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^/"}},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": _POSITIVE, "end": _POSITIVE},
                    },
                    "positions": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {
                            "begin": {
                                "type": "object",
                                "required": ["line"],
                                "properties": {"line": _POSITIVE},
                            }
                        },
                    },
                },
                "anyOf": [{"required": ["lines"]}, {"required": ["positions"]}],
            },
        },
    },
}


def validate(report: object) -> None:
    jsonschema.Draft7Validator(GITLAB_CODE_QUALITY).validate(report)


def test_a_litellm_first_change_is_a_valid_report(cli, helm_repo: Path) -> None:
    make_change(helm_repo)
    result = cli("lint", ".", "--base", "HEAD", "--format", "codeclimate", cwd=helm_repo)
    assert result.code == 1  # the same exit code as every other format
    assert "2 errors, 1 warning, 1 suppressed in 2 targets" in result.err
    report = json.loads(result.out)
    validate(report)
    critical = [i for i in report if i["severity"] == "critical"]
    assert {i["check_name"] for i in critical} == {"LU001"}
    first = critical[0]
    assert first["location"] == {"path": VALUES, "lines": {"begin": 50}}
    assert first["description"].startswith("LU001 constraint-broken: [envs/")
    assert "litellm is at main-v1.81.0-stable (1.81.0)" in first["description"]
    assert " Fix: keep litellm at main-v1.74.7-stable" in first["description"]
    assert "LiteLLM at 1.81.0 or later" in first["content"]["body"]
    # The floating frontend tag is a warning; the suppressed LU004 is not an issue.
    assert [i["severity"] for i in report if i["check_name"] == "LU011"] == ["major"]
    assert "LU004" not in {i["check_name"] for i in report}
    prints = [i["fingerprint"] for i in report]
    assert len(set(prints)) == len(prints) == 3


def test_fingerprints_survive_a_rerun_and_a_moved_line(cli, helm_repo: Path) -> None:
    make_change(helm_repo)
    git(helm_repo, "add", "-A")
    git(helm_repo, "commit", "-q", "-m", "litellm first")

    def report() -> dict[str, dict]:
        out = cli("lint", ".", "--format", "codeclimate", cwd=helm_repo).out
        return {i["fingerprint"]: i for i in json.loads(out)}

    before = report()
    assert report().keys() == before.keys()
    values = helm_repo / VALUES
    values.write_text("# a comment above everything\n" + values.read_text())
    after = report()
    assert after.keys() == before.keys()  # the same findings, one line lower
    moved = [p for p in before if before[p]["location"]["path"] == VALUES]
    assert moved
    for p in moved:
        assert after[p]["location"]["lines"]["begin"] == before[p]["location"]["lines"]["begin"] + 1


def test_a_clean_repository_is_an_empty_report(cli, helm_repo: Path) -> None:
    result = cli("lint", ".", "--format", "codeclimate", cwd=helm_repo)
    assert result.code == 0
    assert json.loads(result.out) == []


def test_findings_alike_get_distinct_fingerprints() -> None:
    same = Finding("LU009", Severity.ERROR, "cannot read", "a.yaml", 3, 1, "t")
    elsewhere = Finding("LU009", Severity.ERROR, "cannot read", "a.yaml", 9, 1, "t")
    other = Finding("LU004", Severity.WARNING, "floating", "a.yaml", 3, 1, "t")
    prints = fingerprints([same, elsewhere, other, same])
    assert len(set(prints)) == 4
    # a finding alone keeps the print it has beside others
    assert fingerprints([other])[0] == prints[2]


def test_a_finding_without_a_file_points_at_its_target() -> None:
    finding = Finding("LU009", Severity.ERROR, "the build failed", target="overlays/prod")
    report = json.loads(render(LintResult([finding], [], 1, None)))
    validate(report)
    assert report[0]["location"] == {"path": "overlays/prod", "lines": {"begin": 1}}


@pytest.mark.parametrize(
    "broken",
    [
        {"fingerprint": None},
        {"severity": "error"},
        {"location": {"path": "a.yaml"}},
        {"location": {"path": "a.yaml", "lines": {"begin": 0}}},
    ],
)
def test_the_schema_catches_a_broken_report(broken: dict) -> None:
    """The validation above means something: each documented rule refuses its breach."""
    issue = {
        "description": "d",
        "check_name": "LU001",
        "fingerprint": "f",
        "severity": "critical",
        "location": {"path": "a.yaml", "lines": {"begin": 1}},
    }
    validate([issue])
    issue.update(broken)
    issue = {k: v for k, v in issue.items() if v is not None}
    with pytest.raises(jsonschema.ValidationError):
        validate([issue])
