"""Without --to, every command upgrades to the latest release the shipped rules know: the
newest rule set in the package's data folder. A later guide is a new file there, and the
default moves with it, with no code to change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

import litemaas_upgrade.rules as rules_module
from conftest import ROOT, git, init_repo
from litemaas_upgrade.commands.common import Inputs, open_inputs
from litemaas_upgrade.rules import load_rules, shipped_names
from litemaas_upgrade.versions import Version

DATA = ROOT / "src" / "litemaas_upgrade" / "data"
FIXTURE = ROOT / "tests" / "fixtures" / "upstream-litemaas-v0.1.3"


def releases(folder: Path) -> dict[str, str]:
    """{file: release} of every rules file in `folder` (a file with `phases`), read here."""
    out = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "phases" in data:
            out[path.name] = str(data["release"])
    return out


def test_every_rules_file_in_data_is_shipped_and_named_by_its_release() -> None:
    found = releases(DATA)
    assert set(found) == set(shipped_names())
    for name, release in found.items():
        if name != "rules.yaml":
            assert name == f"litemaas-{release}.yaml"


def test_the_default_is_the_newest_shipped_rule_set(cli, tmp_path: Path) -> None:
    newest = max(releases(DATA).values(), key=Version.parse)
    # What the commands resolve without --to (scan, plan, apply, diff), and lint, rules.
    repo = tmp_path / "repo"
    repo.mkdir()
    _source, rules, _options = open_inputs(Inputs([str(repo)]))
    assert str(rules.release) == newest
    assert [r.name for r in rules.chain] == [r.name for r in load_rules().chain]
    assert rules.text == load_rules(to=newest).text
    # plan without --to writes the same plan as with --to the newest release.
    shutil.copytree(FIXTURE, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns("SOURCE.md"))
    init_repo(repo)
    default = cli("plan", ".", "--out", str(tmp_path / "default"), cwd=repo)
    named = cli("plan", ".", "--out", str(tmp_path / "named"), "--to", newest, cwd=repo)
    assert default.code == named.code == 0, default.err
    # (the same phases, steps and commands; the commands name each run's own folder)
    plans = [
        json.loads((tmp_path / d / "plan.json").read_text().replace(str(tmp_path / d), "OUT"))
        for d in ("default", "named")
    ]
    assert plans[0]["phases"] == plans[1]["phases"] and plans[0]["rules"] == plans[1]["rules"]
    phases = len(load_rules(to=newest).phases)
    assert len(plans[0]["phases"]) == phases
    assert git(repo, "status", "--porcelain") == ""  # plan writes nothing in the repository
    # diff and apply number the same phases: the last one's diff is plan's, and apply
    # takes the phases in that order up to it.
    last = cli("diff", ".", "--phase", str(phases), "--show-secrets", cwd=repo)
    assert last.code == 0
    assert last.out == (tmp_path / "default" / f"phase-{phases}.diff").read_text()
    early = cli("apply", ".", "--phase", str(phases), cwd=repo)
    assert early.code == 1 and "apply --phase 1 first" in early.err
    assert early.err.startswith(f"error LU012: phase {phases} is unsafe for this repository")
    assert cli("apply", ".", "--phase", str(phases + 1), cwd=repo).code == 2
    # rules without --to prints the whole chain, up to the newest release.
    printed = cli("rules", cwd=repo)
    assert printed.code == 0
    assert f"#   phase {phases} [litemaas-{newest}]:" in printed.out


def test_a_new_guide_file_moves_the_default_without_code(monkeypatch, tmp_path: Path) -> None:
    """A copy of the package's data folder with one more guide, `litemaas-0.5.0.yaml`
    (requiring the v0.4.0 rule set): the chain and the default take it."""
    package = tmp_path / "litemaas_upgrade"
    shutil.copytree(DATA, package / "data")
    text = (DATA / "litemaas-0.4.0.yaml").read_text(encoding="utf-8")
    for old, new in (
        ("name: litemaas-0.4.0", "name: litemaas-0.5.0"),
        ('release: "0.4.0"', 'release: "0.5.0"'),
        ("rules: litemaas-0.2.0", "rules: litemaas-0.4.0"),
        ('backend: "0.4.0"\n      frontend: "0.4.0"', 'backend: "0.5.0"\n      frontend: "0.5.0"'),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (package / "data" / "litemaas-0.5.0.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(rules_module, "__file__", str(package / "rules.py"))
    assert shipped_names() == ("rules.yaml", "litemaas-0.4.0.yaml", "litemaas-0.5.0.yaml")
    _source, rules, _options = open_inputs(Inputs([str(tmp_path)]))
    assert str(rules.release) == "0.5.0"
    assert [r.name for r in rules.chain] == ["litemaas-0.2.0", "litemaas-0.4.0", "litemaas-0.5.0"]
    assert [p.number for p in rules.phases] == [1, 2, 3, 4]
    assert rules.phases[-1].set["backend"] == "0.5.0"
