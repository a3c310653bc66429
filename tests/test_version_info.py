"""`--version`: the tool's version, every shipped rule set's (name, LiteMaaS release,
schema) and the chart catalog's releases, read with string methods (start-up) and
checked here against what the real loaders read from the same files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from litemaas_upgrade import __version__, versioninfo
from litemaas_upgrade.catalog import load_catalog
from litemaas_upgrade.rules import shipped, shipped_names

DATA = Path(versioninfo.DATA)


def test_version_prints_the_tool_rules_and_catalog(cli) -> None:
    result = cli("--version")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == f"litemaas-upgrade, version {__version__}"
    rules = [line for line in lines if line.startswith("rules ")]
    assert rules == [
        f"rules {r.name}: LiteMaaS {r.release} (schema 1, data/{file})"
        for r, file in zip(shipped(), shipped_names(), strict=True)
    ]
    catalog = load_catalog()
    known = "; ".join(
        f"{chart.name} {', '.join(r.version for r in chart.releases)}" for chart in catalog.charts
    )
    assert lines[-1] == f"catalog (schema 1, data/catalog.yaml): {known}"
    assert "litemaas 0.1.3, 0.2.0" in lines[-1]
    assert len(lines) == 1 + len(shipped_names()) + 1


def test_the_light_reader_agrees_with_yaml_on_every_data_file() -> None:
    """Each rule set's top-level scalars and each catalog's releases, as PyYAML reads them:
    a data file written in a way the string reader misreads fails here, not in --version."""
    sets = versioninfo.rule_sets()
    assert [s["file"] for s in sets] == list(shipped_names())  # the chain order, oldest first
    for s in sets:
        data = yaml.safe_load((DATA / s["file"]).read_text(encoding="utf-8"))
        assert (s["name"], s["release"], s["schema"]) == (
            data["name"],
            data["release"],
            str(data["schema"]),
        )
    [cat] = versioninfo.catalogs()
    data = yaml.safe_load((DATA / "catalog.yaml").read_text(encoding="utf-8"))
    assert cat["charts"] == [
        (name, [r["version"] for r in chart["releases"]]) for name, chart in data["charts"].items()
    ]


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ('release: "0.2.0"', "0.2.0"),
        ("release: '0.4.0'  # the guide's", "0.4.0"),
        ("name: litemaas-0.2.0", "litemaas-0.2.0"),
    ],
)
def test_top_level_scalars(line: str, value: str) -> None:
    key = line.split(":", 1)[0]
    text = f"# {key}: not this\n  {key}: nor this\n{line}\n"
    assert versioninfo._top_level(text)[key] == value


def test_version_is_the_same_through_python_dash_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "litemaas_upgrade", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout == versioninfo.text()
