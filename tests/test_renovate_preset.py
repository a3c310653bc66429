"""The Renovate preset (renovate/litemaas.json) cannot drift from the tool's own rules.

Fast and offline: no npm, no Renovate. The preset's patterns are read as Renovate reads
them (`/regex/` strings) and compiled in Python after a check that they keep to what RE2
and JavaScript share; its image patterns must classify the images the catalog and the
rules know exactly as the rules do; its version gates must sit where the rules' constraints
do. `scripts/renovate-check` proves the same preset with the real Renovate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from litemaas_upgrade.imageref import ImageRef
from litemaas_upgrade.rules import chain_to
from litemaas_upgrade.versions import Version

ROOT = Path(__file__).resolve().parents[1]
PRESET = json.loads((ROOT / "renovate" / "litemaas.json").read_text(encoding="utf-8"))
CATALOG = ROOT / "src" / "litemaas_upgrade" / "data" / "catalog.yaml"
RULES = chain_to(None)  # every shipped rule set, oldest first
COMPONENTS = RULES[0].components

PATTERN_KEYS = ("matchPackageNames", "matchDepNames", "matchCurrentValue", "matchNewValue")
# Constructs RE2 refuses (lookaround, backreferences, atomic groups, possessive quantifiers).
NOT_RE2 = re.compile(r"\(\?[=!]|\(\?<[=!]|\\[1-9]|\\k<|\(\?>|[*+?}][+]")


def rules_of(**has: object) -> list[dict]:
    return [r for r in PRESET["packageRules"] if all(r.get(k) == v for k, v in has.items())]


def regex_strings() -> list[tuple[str, str]]:
    out = []
    for i, rule in enumerate(PRESET["packageRules"]):
        for key in PATTERN_KEYS:
            values = rule.get(key, [])
            for value in [values] if isinstance(values, str) else values:
                if value.startswith("/"):
                    out.append((f"packageRules[{i}].{key}", value))
        if str(rule.get("versioning", "")).startswith("regex:"):
            out.append((f"packageRules[{i}].versioning", rule["versioning"]))
    return out


def to_python(pattern: str) -> re.Pattern[str]:
    """A Renovate pattern (`/body/` or `regex:body`) as Python compiles it."""
    if pattern.startswith("regex:"):
        body = pattern[len("regex:") :]
    else:
        assert re.fullmatch(r"/.*/i?", pattern, re.S), f"not a /regex/: {pattern}"
        body = pattern[1 : pattern.rindex("/")]
    assert not NOT_RE2.search(body), f"outside what RE2 accepts: {pattern}"
    return re.compile(body.replace("(?<", "(?P<"), re.I if pattern.endswith("/i") else 0)


def matches_any(patterns: list[str], name: str) -> bool:
    # Renovate's matchPackageNames: a `/regex/` or an exact name (no glob is used here).
    return any(
        to_python(p).search(name) if p.startswith("/") else p == name for p in patterns
    )


def group_of(image: str) -> str | None:
    """The groupName the preset gives an image (the last matching rule that sets one)."""
    group = None
    for rule in PRESET["packageRules"]:
        if "groupName" in rule and "docker" in rule.get("matchDatasources", []):
            if matches_any(rule.get("matchPackageNames", []), image):
                group = rule["groupName"]
    return group


def catalog_images() -> set[str]:
    text = CATALOG.read_text(encoding="utf-8")
    return set(re.findall(r"repository: ([\w./:-]+)", text))


def test_the_preset_is_json_with_the_schema_and_rules() -> None:
    assert PRESET["$schema"] == "https://docs.renovatebot.com/renovate-schema.json"
    assert PRESET["dependencyDashboard"] is True  # approval needs the dashboard
    assert len(PRESET["packageRules"]) >= 4
    for rule in PRESET["packageRules"]:
        assert rule["description"]
        assert any(k.startswith("match") for k in rule), rule


def test_every_regex_compiles_within_the_re2_subset() -> None:
    found = regex_strings()
    assert len(found) >= 8
    for where, pattern in found:
        assert to_python(pattern), where


@pytest.mark.parametrize("bad", ["/(?=a)b/", "/(?!1)/", "/(?<=x)y/", "/(a)\\1/", "/(?>a)/"])
def test_the_re2_subset_check_refuses_what_re2_cannot_run(bad: str) -> None:
    with pytest.raises(AssertionError):
        to_python(bad)


# Images the rules and DESIGN name (upstream, the fork, mirrors with ports) and images that
# are none of the components (the chart's others, a misspelling, a look-alike).
KNOWN = {
    "ghcr.io/berriai/litellm", "ghcr.io/berriai/litellm-database",
    "ghcr.io/berriai/litellm-non_root",
    "quay.io/rh-aiservices-bu/litellm-non-root", "registry.example.com/mirror/litellm-non_root",
    "registry.example.com:5000/mirror/litellm-non_root", "litellm", "tool-litellm",
    "quay.io/rh-aiservices-bu/litemaas-backend", "quay.io/rh-aiservices-bu/litemaas-frontend",
    "registry.example.com/mirror/litemaas-backend", "postgres", "bitnami/kubectl", "busybox",
    "quay.io/rh-aiservices-bu/litemaas-fronted", "quay.io/rh-aiservices-bu/litemaas-backend-dev",
    "quay.io/rh-aiservices-bu/charts/litemaas",
}


def test_the_catalog_images_are_among_those_checked() -> None:
    images = catalog_images()
    assert images >= {"quay.io/rh-aiservices-bu/litemaas-backend",
                      "ghcr.io/berriai/litellm-non_root",
                      "quay.io/rh-aiservices-bu/litellm-non-root"}
    assert images <= KNOWN, images - KNOWN


@pytest.mark.parametrize("image", sorted(KNOWN))
def test_the_preset_groups_an_image_as_the_rules_classify_it(image: str) -> None:
    component = RULES[0].component_of(ImageRef.parse(image))
    want = {"backend": "LiteMaaS backend and frontend", "frontend": "LiteMaaS backend and frontend",
            "litellm": "LiteLLM", None: None}[component]
    assert group_of(image) == want, (image, component)


def test_the_litellm_versioning_reads_tags_as_the_rules_do() -> None:
    (rule,) = [r for r in PRESET["packageRules"] if "versioning" in r]
    versioning = to_python(rule["versioning"])
    litellm = COMPONENTS["litellm"]
    tags = re.findall(r'tag: "(main-v[^"]+)"', CATALOG.read_text(encoding="utf-8"))
    tags += ["main-v1.74.7-stable", "main-v1.81.0-stable-custom", "main-v1.80.15-stable"]
    for tag in tags:
        m = versioning.fullmatch(tag)
        assert m, tag
        release = ".".join(m.group("major", "minor", "patch"))
        assert Version.parse(release) == litellm.version_of(tag)
    for tag, suffix in (("main-v1.81.0-stable", "stable"),
                        ("main-v1.81.0-stable-custom", "stable-custom")):
        # Renovate never changes the compatibility part: -stable stays -stable.
        assert versioning.fullmatch(tag).group("compatibility") == suffix
    # Floating and other-scheme tags are not versions to Renovate: never updated.
    for tag in ("main-stable", "main-latest", "v1.80.5.rc.2", "latest"):
        assert not versioning.fullmatch(tag), tag


def litellm_gate() -> Version:
    """The LiteLLM version a rules constraint holds until the backend moves (1.81.0)."""
    (at,) = {c.if_at_least for r in RULES for c in r.constraints if c.if_component == "litellm"}
    return at


def phase_1_target() -> Version:
    """The backend version the first guide moves to (0.2.0): past it is the next guide's
    path, which starts from LiteLLM 1.81 (LU016 in the tool)."""
    first = RULES[0]
    (target,) = {first.target_version(ph, "backend") for ph in first.phases if "backend" in ph.set}
    assert RULES[1].requires is not None
    assert RULES[1].requires.at_least["backend"] == target
    return target


def approval_rule(image: str) -> dict:
    (rule,) = [r for r in rules_of(dependencyDashboardApproval=True)
               if matches_any(r.get("matchPackageNames", []), image)]
    return rule


def grid(fmt: str) -> list[tuple[Version, str]]:
    out = []
    for major in range(0, 3):
        for minor in [*range(0, 12), *range(70, 130)]:
            for patch in (0, 1, 7, 12):
                version = Version.parse(f"{major}.{minor}.{patch}")
                out.append((version, fmt.format(version.text)))
    return out


def test_the_litellm_hold_sits_at_the_rules_constraint() -> None:
    """Approval exactly for a move from below 1.81.0 to 1.81.0 or above."""
    at = litellm_gate()
    assert at == Version.parse("1.81.0")
    rule = approval_rule("ghcr.io/berriai/litellm-non_root")
    new, current = to_python(rule["matchNewValue"]), to_python(rule["matchCurrentValue"])
    for version, tag in grid("main-v{}-stable"):
        assert bool(new.search(tag)) == (version >= at), tag
        assert bool(current.search(tag)) == (version < at), tag


def test_litemaas_stops_at_the_first_guide_and_holds_past_it() -> None:
    """From 0.1.x Renovate may offer 0.2.0 and nothing later; a move past 0.2.0 waits."""
    target = phase_1_target()
    assert target == Version.parse("0.2.0")
    image = "quay.io/rh-aiservices-bu/litemaas-backend"
    rule = approval_rule(image)
    new, current = to_python(rule["matchNewValue"]), to_python(rule["matchCurrentValue"])
    (first,) = [r for r in PRESET["packageRules"]
                if "allowedVersions" in r and matches_any(r["matchPackageNames"], image)]
    allowed, from_ = to_python(first["allowedVersions"]), to_python(first["matchCurrentValue"])
    for version, tag in grid("{}"):
        assert bool(new.search(tag)) == (version > target), tag
        assert bool(current.search(tag)) == (version <= target), tag
        assert bool(allowed.search(tag)) == (version <= target), tag
        assert bool(from_.search(tag)) == (version < target), tag


def test_litemaas_comes_before_litellm_and_litellm_never_automerges() -> None:
    (litemaas,) = rules_of(groupName="LiteMaaS backend and frontend")
    (litellm,) = rules_of(groupName="LiteLLM")
    assert litemaas["prPriority"] > litellm["prPriority"]
    assert litellm["automerge"] is False
    assert "dependencyDashboardApproval" not in litemaas  # the first PR opens by itself
    (chart,) = rules_of(groupName="LiteMaaS Helm chart")
    assert chart["dependencyDashboardApproval"] is True
    assert matches_any(chart["matchDepNames"], "litemaas")
    assert matches_any(chart["matchDepNames"], "https://github.com/rh-aiservices-bu/litemaas.git")
    assert matches_any(chart["matchDepNames"], "quay.io/rh-aiservices-bu/charts/litemaas")
    assert not matches_any(chart["matchDepNames"], "quay.io/rh-aiservices-bu/litemaas-backend")
