"""One position-aware checker for the rules file, the chart catalog and a repository's
`.litemaas-upgrade.yaml`: a bad value in any of them is an exit-3 error at its
file:line:col, through the command line, with real files in a real repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import init_repo, write

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = (ROOT / "src/litemaas_upgrade/data/rules.yaml").read_text(encoding="utf-8")


def _line_col(text: str, needle: str) -> str:
    """`:line:col:` of the first occurrence of needle (1-based), computed from the text."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f":{line}:{col}:"


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "default_tag: appVersion      # an empty",
            "default_tag: chartVersion      # an empty",
            "chartVersion",
            "expected one of 'appVersion'",
        ),
        ("follows: backend ", "folows: backend ", "folows", "unknown key 'folows'"),
        ("follows: backend ", "follows: [backend] ", "[backend]", "expected a string"),
    ],
)
def test_a_bad_rules_value_is_refused_where_it_is(
    cli, tmp_path: Path, old: str, new: str, needle: str, message: str
) -> None:
    assert SHIPPED.count(old) == 1
    text = SHIPPED.replace(old, new)
    bad = write(tmp_path / "bad-rules.yaml", text)
    result = cli("rules", "--rules", str(bad))
    assert result.code == 3, result.err
    assert f"{bad}{_line_col(text, needle)}" in result.err and message in result.err, result.err
    assert "Traceback" not in result.err


def test_an_unknown_top_level_rules_key_names_the_allowed_keys(cli, tmp_path: Path) -> None:
    text = SHIPPED + "phase: []\n"
    bad = write(tmp_path / "bad-rules.yaml", text)
    result = cli("rules", "--rules", str(bad))
    assert result.code == 3
    line = text.count("\n")  # the key is on the last line, at column 1
    assert f"{bad}:{line}:1: rules: phase: unknown key 'phase'" in result.err, result.err
    assert "allowed: schema, name," in result.err


CATALOG = (
    "schema: 1\ncharts:\n  litemaas:\n    names: [litemaas]\n    releases:\n"
    '      - version: "9.9.9"\n        refs: ["v9.9.9"]\n        appVersion: "9.9.9"\n'
    "        values: {}\n"
)


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ('refs: ["v9.9.9"]', "refs: v9.9.9", "v9.9.9\n", "expected a list of quoted strings"),
        ("values: {}", "values: [a]", "[a]", "expected a mapping"),
        ("appVersion:", "app_version:", "app_version", "unknown key 'app_version'"),
        ('version: "9.9.9"', "version: 9.9", "version: 9.9", "needs a quoted `version`"),
    ],
)
def test_a_bad_catalog_value_is_refused_where_it_is(
    cli, tmp_path: Path, old: str, new: str, needle: str, message: str
) -> None:
    repo = tmp_path / "repo"
    write(repo / "rules/my-rules.yaml", SHIPPED + "\ncatalog: my-catalog.yaml\n")
    assert CATALOG.count(old) == 1
    text = CATALOG.replace(old, new)
    catalog = write(repo / "rules/my-catalog.yaml", text)
    write(
        repo / "app.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec:\n"
        "  source:\n    repoURL: https://github.com/rh-aiservices-bu/litemaas\n"
        "    path: deployment/helm/litemaas\n    targetRevision: v9.9.9\n",
    )
    init_repo(repo)
    result = cli("scan", ".", "--rules", str(repo / "rules/my-rules.yaml"), cwd=repo)
    assert result.code == 3, result.out + result.err
    where = f"{catalog}{_line_col(text, needle)}"
    if needle.startswith("version"):
        where = f"{catalog}:6:9:"  # the release entry itself
    assert where in result.err and message in result.err, result.err
    assert "Traceback" not in result.err


def _chart_repo(repo: Path) -> None:
    sample = ROOT / "sample-charts"
    for rel in ("charts/litemaas/Chart.yaml", "charts/litemaas/values.yaml"):
        write(repo / rel, (sample / rel).read_text(encoding="utf-8"))
    write(repo / "envs/prod-values.yaml", "backend:\n  image:\n    tag: '0.1.3'\n")


@pytest.mark.parametrize(
    ("config", "needle", "message"),
    [
        # An unknown top-level key (a typo of `kustomize`): named, with the allowed keys.
        (
            "kustomise:\n  roots: [deploy]\n",
            "kustomise",
            "config: kustomise: unknown key 'kustomise' (allowed: helm, kustomize, installations)",
        ),
        ("helm: 3\n", "3", "config: helm: expected a list of targets"),
        (
            "helm:\n  - chart: charts/litemaas\n    values: {a: b}\n",
            "{a: b}",
            "config: helm[0].values: expected file names",
        ),
        (
            "helm:\n  - chart: charts/litemaas\n    value: [envs/prod-values.yaml]\n",
            "value:",
            "config: helm[0].value: unknown key 'value' (allowed: name, chart, values,",
        ),
        (
            "helm:\n  - chart: charts/litemaas\n"
            "    values: [envs/prod-values.yaml, envs/gone.yaml]\n",
            "envs/gone.yaml",
            "config: helm[0].values[1]: envs/gone.yaml: not found",
        ),
        (
            "helm:\n  - chart: charts/nowhere\n",
            "charts/nowhere",
            "config: helm[0].chart: charts/nowhere: no Chart.yaml there",
        ),
        (
            "kustomize:\n  roots: [deploy/nowhere]\n",
            "deploy/nowhere",
            "config: kustomize.roots[0]: deploy/nowhere: no kustomization there",
        ),
        ("kustomize:\n  roots: deploy\n", "deploy", "config: kustomize.roots: expected folder"),
        ("- helm\n", "- helm", "config: the config file must be a mapping"),
    ],
)
def test_a_bad_config_value_is_refused_where_it_is(
    cli, tmp_path: Path, config: str, needle: str, message: str
) -> None:
    repo = tmp_path / "repo"
    _chart_repo(repo)
    write(repo / ".litemaas-upgrade.yaml", config)
    init_repo(repo)
    for command in (["scan", "."], ["apply", ".", "--phase", "1", "--dry-run"]):
        result = cli(*command, cwd=repo)
        assert result.code == 3, (command, result.out, result.err)
        where = f".litemaas-upgrade.yaml{_line_col(config, needle)}"
        assert f"{where} {message}" in result.err, result.err
        assert "Traceback" not in result.err


def test_a_valid_config_still_forms_its_targets(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _chart_repo(repo)
    write(
        repo / ".litemaas-upgrade.yaml",
        "helm:\n  - name: prod\n    chart: charts/litemaas\n    values: envs/prod-values.yaml\n"
        "    release: lm\n    namespace: lm-prod\n",
    )
    init_repo(repo)
    result = cli("scan", ".", cwd=repo)
    assert result.code in (0, 1), result.err
    assert "config: prod" in result.out + result.err
