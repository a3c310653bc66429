"""Rule sets as data: one per published upgrade guide, chained from any release to the
latest (`requires`), with declared repository moves; every key checked at line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, write
from litemaas_upgrade.errors import InputError, UsageError
from litemaas_upgrade.imageref import ImageRef
from litemaas_upgrade.rules import load_rules, parse_rules

DATA = ROOT / "src/litemaas_upgrade/data"
FIRST = (DATA / "rules.yaml").read_text()
SECOND = (DATA / "litemaas-0.4.0.yaml").read_text()
FORK = "quay.io/rh-aiservices-bu/litellm-non-root"


def test_the_shipped_chain_numbers_every_guides_phases_in_order() -> None:
    rules = load_rules()
    assert [r.name for r in rules.chain] == ["litemaas-0.2.0", "litemaas-0.4.0"]
    assert [(p.number, p.rules) for p in rules.phases] == [
        (1, "litemaas-0.2.0"),
        (2, "litemaas-0.2.0"),
        (3, "litemaas-0.4.0"),
    ]
    third = rules.phases[2]
    assert third.set == {
        "backend": "0.4.0",
        "frontend": "0.4.0",
        "litellm": "main-v1.81.0-stable-custom",
    }
    assert third.repos == {"litellm": FORK}
    # The constraints of both guides: LiteLLM 1.81 needs backend 0.2.0; backend 0.4.0
    # starts from LiteLLM 1.81 (the v0.4.0 guide's "first follow the v0.2.0 guide").
    assert [c.id for c in rules.constraints] == [
        "litellm-needs-backend",
        "litemaas-0.4.0-after-litellm-1.81",
    ]
    req = rules.chain[1].requires
    assert req is not None and req.rules == "litemaas-0.2.0"
    assert {k: str(v) for k, v in req.at_least.items()} == {"backend": "0.2.0", "litellm": "1.81.0"}
    # The later set uses the first one's components (it names none of its own).
    assert rules.chain[1].components is rules.chain[0].components or (
        rules.chain[1].components == rules.chain[0].components
    )


def test_to_stops_the_chain_and_names_the_known_targets() -> None:
    only = load_rules(to="0.2.0")
    assert [p.number for p in only.phases] == [1, 2] and only.name == "litemaas-0.2.0"
    assert load_rules(to="v0.4.0").name == "litemaas-0.2.0 -> litemaas-0.4.0"
    with pytest.raises(UsageError, match="known targets are 0.2.0, 0.4.0"):
        load_rules(to="0.3.1")


def test_a_declared_move_covers_only_its_repositories() -> None:
    rules = load_rules()
    old = ImageRef.parse("ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable")
    new = ImageRef.parse(f"{FORK}:main-v1.81.0-stable-custom")
    assert rules.expected_move("litellm", old, new) is not None
    mirror = ImageRef.parse("registry.example.com/mirror/litellm-non_root:main-v1.81.0-stable")
    assert rules.expected_move("litellm", old, mirror) is None
    assert rules.expected_move("backend", old, new) is None
    assert load_rules(to="0.2.0").expected_move("litellm", old, new) is None


def test_a_rule_set_used_alone_names_its_components(tmp_path: Path) -> None:
    bad = write(tmp_path / "later.yaml", SECOND)
    with pytest.raises(InputError, match="a rules file used alone names its own"):
        load_rules(str(bad))


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ('release: "0.4.0"', 'release: "four"', ":10:10", "not a version"),
        ("rules: litemaas-0.2.0", "rules: [x]", ":15:10", "expected the id of a rule set"),
        ('backend: "0.2.0", litellm', 'backnd: "0.2.0", litellm', ":16:14", "unknown component"),
        ("    to: quay.io", "    too: quay.io", ":31:5", "unknown key 'too'"),
        (
            "        repository: quay.io/rh-aiservices-bu/litellm-non-root\n",
            "        repository: Quay.io/X\n",
            ":43:21",
            "lowercase",
        ),
        (
            '        tag: "main-v1.81.0-stable-custom"',
            "        tag: 1.81",
            ":44:14",
            "a target tag must be a non-empty string",
        ),
    ],
)
def test_malformed_rule_sets_are_refused_at_line_and_column(
    tmp_path: Path, old: str, new: str, where: str, message: str
) -> None:
    assert old in SECOND
    text = SECOND.replace(old, new, 1)
    path = write(tmp_path / "bad.yaml", text)
    with pytest.raises(InputError) as caught:
        parse_rules(text, str(path), load_rules(to="0.2.0").components)
    assert f"{path}{where}" in str(caught.value) and message in str(caught.value)
