"""`lint --format rdjson` (reviewdog's Diagnostic Format): validated against reviewdog's
published JSON schema (vendored in tests/data/reviewdog/, with its source), positions in
reviewdog's terms (UTF-8 byte columns), and suggestions proved by applying them as
reviewdog builds a GitHub suggestion (the lines of the range, spliced at the byte
columns) and linting again: the finding is gone."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from conftest import git, init_repo, write
from litemaas_upgrade.lint.formatters import rdjson
from litemaas_upgrade.lint.runner import LintResult, Suppressed
from litemaas_upgrade.model import Finding, Severity, ValueFix

SCHEMA_FILE = Path(__file__).parent / "data" / "reviewdog" / "DiagnosticResult.json"
OLD_LLM = "main-v1.74.7-stable"
NEW_LLM = "main-v1.81.0-stable"
VALUES = "charts/litemaas/values.yaml"


def schema(*, strict: bool = False) -> dict:
    """reviewdog's schema; `strict`: every object closed (the schema allows any other
    key, which would let a misspelt field through: reviewdog would drop it)."""
    loaded = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert loaded["$ref"] == "#/definitions/DiagnosticResult"
    if strict:
        loaded = copy.deepcopy(loaded)
        for definition in loaded["definitions"].values():
            definition["additionalProperties"] = False
            for prop in definition["properties"].values():
                prop.pop("additionalProperties", None)
    return loaded


def validate(log: dict) -> None:
    for strict in (False, True):
        validator = jsonschema.Draft4Validator(schema(strict=strict))
        assert sorted(map(str, validator.iter_errors(log))) == []


def apply_suggestion(repo: Path, path: str, suggestion: dict) -> None:
    """Apply as reviewdog does for GitHub (service/github buildNonLineBasedSuggestion):
    the start line up to the start column, the text, the end line from the end column;
    columns are UTF-8 byte counts."""
    file = repo / path
    data = file.read_bytes()
    lines = data.split(b"\n")
    start, end = suggestion["range"]["start"], suggestion["range"]["end"]
    first, last = lines[start["line"] - 1], lines[end["line"] - 1]
    text = suggestion["text"].encode("utf-8")
    new = first[: start["column"] - 1] + text + last[end["column"] - 1 :]
    lines[start["line"] - 1 : end["line"]] = [new]
    file.write_bytes(b"\n".join(lines))


def chart_repo(tmp_path: Path) -> Path:
    """A folder with the sample chart (a git repository once init_repo has run)."""
    repo = tmp_path / "r"
    shutil.copytree(Path(__file__).parent.parent / "sample-charts" / "charts", repo / "charts")
    return repo


def lint_rdjson(cli, repo: Path, *args: str) -> dict:
    result = cli("lint", ".", *args, "--format", "rdjson", cwd=repo)
    log = json.loads(result.out)
    validate(log)
    return log


def codes_at(log: dict, path: str) -> list[str]:
    return [d["code"]["value"] for d in log["diagnostics"] if d["location"]["path"] == path]


def test_litellm_first_gets_the_tag_to_keep_as_a_suggestion(cli, helm_repo: Path) -> None:
    values = helm_repo / VALUES
    values.write_text(values.read_text().replace(f'tag: "{OLD_LLM}"', f'tag: "{NEW_LLM}"'))
    log = lint_rdjson(cli, helm_repo, "--base", "HEAD")
    assert log["source"] == {"name": "litemaas-upgrade"}
    errors = [d for d in log["diagnostics"] if d["severity"] == "ERROR"]
    assert {d["code"]["value"] for d in errors} == {"LU001"}
    assert len(errors) == 2  # prod and staging both read the chart's default
    for d in errors:
        assert d["location"]["path"] == VALUES
        # The scalar, quotes included: `    tag: "main-v1.81.0-stable"` on line 50.
        scalar = {"start": {"line": 50, "column": 10}, "end": {"line": 50, "column": 31}}
        assert d["location"]["range"] == scalar
        assert d["suggestions"] == [{"range": scalar, "text": f'"{OLD_LLM}"'}]
        assert "Fix: keep litellm at main-v1.74.7-stable" in d["message"]
    apply_suggestion(helm_repo, VALUES, errors[0]["suggestions"][0])
    assert git(helm_repo, "diff", "--stat") == ""  # exactly the change, undone
    after = lint_rdjson(cli, helm_repo, "--base", "HEAD")
    assert "LU001" not in codes_at(after, VALUES)


def test_every_suggestion_on_the_sample_repository_clears_its_finding(
    cli, sample_repo: Path
) -> None:
    """LiteLLM moved first everywhere: override files, chart defaults, a manifest's image
    (renamed by an overlay in one target), an ApplicationSet. Where a suggestion is made,
    applying them all gives back the base files; where none is made (an env default in
    compose, values inside a ConfigMap string), the finding stays."""
    changed = []
    for file in sorted(sample_repo.rglob("*.yaml")):
        text = file.read_text()
        if OLD_LLM in text and ".git" not in file.parts:
            file.write_text(text.replace(OLD_LLM, NEW_LLM))
            changed.append(file.relative_to(sample_repo).as_posix())
    log = lint_rdjson(cli, sample_repo, "--base", "HEAD")
    suggested: dict[tuple[str, int], dict] = {}
    for d in log["diagnostics"]:
        for s in d.get("suggestions", []):
            assert d["code"]["value"] == "LU001"
            suggested[(d["location"]["path"], s["range"]["start"]["line"])] = s
    paths = {path for path, _ in suggested}
    assert {
        VALUES,
        "edge/edge-values.yaml",
        "kustomize/base/litellm-deployment.yaml",
        "gitops/argocd/appset.yaml",
    } <= paths
    manifest = suggested[("kustomize/base/litellm-deployment.yaml", 24)]
    assert manifest["text"] == f"ghcr.io/berriai/litellm-non_root:{OLD_LLM}"
    for (path, _), s in suggested.items():
        apply_suggestion(sample_repo, path, s)
    after = lint_rdjson(cli, sample_repo, "--base", "HEAD")
    for path in paths:
        assert "LU001" not in codes_at(after, path)
        assert git(sample_repo, "diff", "--", path) == ""
    # No suggestion where the tool cannot write the fix as one scalar: still reported.
    assert "LU001" in codes_at(after, "dev-tools/compose.yaml")
    assert "LU001" in codes_at(after, "gitops/flux/values-configmap.yaml")


def test_an_unquoted_tag_gets_quoted_with_byte_columns(cli, tmp_path: Path) -> None:
    """A flow mapping with non-ASCII text before the tag on its line: the columns are
    UTF-8 bytes (reviewdog's), not characters."""
    repo = chart_repo(tmp_path)
    write(
        repo / "envs" / "prod-values.yaml",
        "backend:\n  image: {repository: quay.io/rh-aiservices-bu/litemaas-backend,"
        ' note: "déjà vu", tag: 0.20}\n',
    )
    init_repo(repo)
    log = lint_rdjson(cli, repo)
    [d] = [d for d in log["diagnostics"] if d["code"]["value"] == "LU006"]
    line = (repo / "envs/prod-values.yaml").read_bytes().split(b"\n")[1]
    column = line.index(b"0.20") + 1
    assert column == line.decode().index("0.20") + 1 + 2  # é and à: two bytes each
    assert d["suggestions"] == [
        {
            "range": {
                "start": {"line": 2, "column": column},
                "end": {"line": 2, "column": column + 4},
            },
            "text": '"0.20"',
        }
    ]
    apply_suggestion(repo, "envs/prod-values.yaml", d["suggestions"][0])
    assert 'tag: "0.20"}' in (repo / "envs/prod-values.yaml").read_text()
    after = lint_rdjson(cli, repo)
    assert "LU006" not in codes_at(after, "envs/prod-values.yaml")


def test_a_frontend_apart_from_its_backend_gets_the_backends_tag(cli, tmp_path: Path) -> None:
    repo = chart_repo(tmp_path)
    write(
        repo / "envs" / "prod-values.yaml",
        "backend:\n  image:\n    tag: '0.2.0'\nfrontend:\n  image:\n    tag: '0.1.3'  # why\n",
    )
    init_repo(repo)
    log = lint_rdjson(cli, repo)
    [d] = [d for d in log["diagnostics"] if d["code"]["value"] == "LU003"]
    assert d["suggestions"][0]["text"] == "'0.2.0'"  # the quoting kept
    apply_suggestion(repo, "envs/prod-values.yaml", d["suggestions"][0])
    assert "    tag: '0.2.0'  # why\n" in (repo / "envs/prod-values.yaml").read_text()
    assert "LU003" not in codes_at(lint_rdjson(cli, repo), "envs/prod-values.yaml")


def test_a_frontend_on_the_charts_app_version_gets_no_suggestion(cli, tmp_path: Path) -> None:
    """Its tag comes from appVersion, which moves the chart's every fallback: no edit of
    one scalar is the fix, so none is suggested."""
    repo = chart_repo(tmp_path)
    write(repo / "envs" / "prod-values.yaml", "backend:\n  image:\n    tag: '0.2.0'\n")
    init_repo(repo)
    log = lint_rdjson(cli, repo)
    [d] = [d for d in log["diagnostics"] if d["code"]["value"] == "LU003"]
    assert d["location"]["path"] == "charts/litemaas/Chart.yaml"
    assert "suggestions" not in d


def finding(file: str, line: int, col: int, fix: ValueFix | None, code: str = "LU001") -> Finding:
    return Finding(code, Severity.ERROR, "m", file, line, col, "t", "f", fix)


def result(*findings: Finding, suppressed: tuple[Suppressed, ...] = ()) -> LintResult:
    return LintResult(list(findings), list(suppressed), 1, None)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "v.yaml", f'a:\n  tag: "{NEW_LLM}"\n')
    return tmp_path


def render(res: LintResult, show_suppressed: bool = False) -> dict:
    log = json.loads(rdjson.render(res, show_suppressed=show_suppressed))
    validate(log)
    return log


def test_no_suggestion_where_the_scalar_no_longer_reads_the_old_value(in_tmp: Path) -> None:
    fix = ValueFix("main-v1.80.0-stable", OLD_LLM)  # the file says 1.81.0
    [d] = render(result(finding("v.yaml", 2, 8, fix)))["diagnostics"]
    assert "suggestions" not in d
    assert d["location"]["range"] == {"start": {"line": 2, "column": 8}}
    ok = render(result(finding("v.yaml", 2, 8, ValueFix(NEW_LLM, OLD_LLM))))["diagnostics"]
    assert ok[0]["suggestions"][0]["text"] == f'"{OLD_LLM}"'


def test_no_suggestion_where_findings_disagree_or_nothing_starts_there(in_tmp: Path) -> None:
    one = finding("v.yaml", 2, 8, ValueFix(NEW_LLM, OLD_LLM))
    other = finding("v.yaml", 2, 8, ValueFix(NEW_LLM, "main-v1.74.0-stable"), "LU003")
    log = render(result(one, other))
    assert all("suggestions" not in d for d in log["diagnostics"])
    inside = render(result(finding("v.yaml", 2, 9, ValueFix(NEW_LLM, OLD_LLM))))
    assert "suggestions" not in inside["diagnostics"][0]


def test_a_file_that_cannot_be_read_keeps_its_line_only(in_tmp: Path) -> None:
    log = render(result(finding("gone.yaml", 7, 3, ValueFix("x", "y"))))
    [d] = log["diagnostics"]
    assert d["location"] == {"path": "gone.yaml", "range": {"start": {"line": 7}}}
    assert "suggestions" not in d
    no_col = render(result(finding("v.yaml", 2, 0, None)))["diagnostics"][0]
    assert no_col["location"]["range"] == {"start": {"line": 2}}  # not column 1
    no_line = render(result(Finding("LU009", Severity.WARNING, "m", "", 0, 0, "envs/a.yaml")))
    assert no_line["diagnostics"][0]["location"] == {"path": "envs/a.yaml"}
    assert no_line["diagnostics"][0]["severity"] == "WARNING"


def test_suppressed_findings_only_when_asked_and_as_notes(in_tmp: Path) -> None:
    hidden = Suppressed(finding("v.yaml", 2, 8, ValueFix(NEW_LLM, OLD_LLM)), "a test env", 1)
    assert render(result(suppressed=(hidden,)))["diagnostics"] == []
    [d] = render(result(suppressed=(hidden,)), show_suppressed=True)["diagnostics"]
    assert d["severity"] == "INFO"
    assert d["message"].startswith("suppressed (a test env): t: m")
    assert "suggestions" not in d


def test_the_schema_catches_a_broken_log() -> None:
    bad = {"diagnostics": [{"message": "m", "severity": "FATAL"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema()).validate(bad)
    misspelt = {"diagnostics": [{"message": "m", "suggestion": []}]}
    jsonschema.Draft4Validator(schema()).validate(misspelt)  # the published schema allows it
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema(strict=True)).validate(misspelt)


def test_a_clean_run_is_an_empty_result(cli, helm_repo: Path) -> None:
    result_ = cli("lint", ".", "--format", "rdjson", cwd=helm_repo)
    assert result_.code == 0
    log = json.loads(result_.out)
    validate(log)
    assert log == {"source": {"name": "litemaas-upgrade"}, "diagnostics": []}
    assert "0 errors" in result_.err  # the summary goes to stderr, as for json and sarif


def test_a_link_or_a_fifo_is_never_opened(in_tmp: Path, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """A finding may name a file the scan did not read (a link leaving the repository, a
    FIFO): rdjson does not open it (a FIFO would block) and keeps the line alone."""
    import os

    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    outside.write_text(f'a:\n  tag: "{NEW_LLM}"\n')
    os.symlink(outside, in_tmp / "link.yaml")
    os.mkfifo(in_tmp / "fifo.yaml")
    fix = ValueFix(NEW_LLM, OLD_LLM)
    log = render(result(finding("link.yaml", 2, 8, fix), finding("fifo.yaml", 2, 8, fix)))
    for d in log["diagnostics"]:
        assert d["location"]["range"] == {"start": {"line": 2}}
        assert "suggestions" not in d


def test_a_bom_and_crlf_file_gets_reviewdogs_positions(cli, tmp_path: Path) -> None:
    """reviewdog counts the byte-order mark's three bytes in line 1 and lines by `\\n`:
    the suggestion, applied to the file's bytes, quotes the tag and keeps BOM and CRLF."""
    repo = chart_repo(tmp_path)
    values = repo / "envs" / "prod-values.yaml"
    values.parent.mkdir(parents=True)
    values.write_bytes(
        b"\xef\xbb\xbfbackend: {image: {tag: 0.20}}\r\nfrontend:\r\n  image:\r\n    tag: 1e3\r\n"
    )
    init_repo(repo)
    log = lint_rdjson(cli, repo)
    found = {
        d["location"]["range"]["start"]["line"]: d
        for d in log["diagnostics"]
        if d["code"]["value"] == "LU006"
    }
    assert sorted(found) == [1, 4]
    first = found[1]["suggestions"][0]
    assert first["range"]["start"] == {"line": 1, "column": 3 + len("backend: {image: {tag: ") + 1}
    assert first["text"] == '"0.20"'
    assert found[4]["suggestions"][0]["text"] == '"1e3"'
    for line in (4, 1):  # the later line first: each splice leaves the other's place
        apply_suggestion(repo, "envs/prod-values.yaml", found[line]["suggestions"][0])
    assert values.read_bytes() == (
        b'\xef\xbb\xbfbackend: {image: {tag: "0.20"}}\r\nfrontend:\r\n  image:\r\n'
        b'    tag: "1e3"\r\n'
    )
    assert "LU006" not in codes_at(lint_rdjson(cli, repo), "envs/prod-values.yaml")
