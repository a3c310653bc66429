"""The lint rules own their findings: every code in codes.py has a rule module, and each
module makes its findings from facts (what a manager recorded on a target, or the
components a target deploys), with its own wording and fix. Built here from records, no
repository: what the managers record is tested by the scan and lint suites."""

from __future__ import annotations

from pathlib import Path

import pytest

from litemaas_upgrade import codes
from litemaas_upgrade.facts import (
    Cause,
    DeadImagesEntry,
    Disabled,
    EnvOverridden,
    Notice,
    UnquotedTag,
    Unreadable,
)
from litemaas_upgrade.imageref import ImageRef
from litemaas_upgrade.lint.context import Check, LintContext
from litemaas_upgrade.lint.rules import (
    all_rules,
    env_overridden,
    findings_of,
    images_entry_unused,
    not_deployed,
    plan_unsafe,
    repository_changed,
    rule_for,
    unknown_version,
    unquoted_tag,
    unresolved,
)
from litemaas_upgrade.lint.runner import run_rules
from litemaas_upgrade.model import UNREADABLE, ComponentState, Severity, Site, Target
from litemaas_upgrade.rules import load_rules

RULES = load_rules(None)
ALL_CODES = sorted(v for k, v in vars(codes).items() if k.isupper() and isinstance(v, str))


def target(*facts: object, components: dict[str, ComponentState] | None = None) -> Target:
    t = Target("kustomize", "overlays/prod", "kubectl kustomize overlays/prod")
    t.facts.extend(facts)  # type: ignore[arg-type]
    t.components.update(components or {})
    return t


def state(name: str, image: str | None, version: str | None, note: str = "") -> ComponentState:
    ref = ImageRef.parse(image) if image else None
    ver = RULES.components[name].version_of(ref.tag) if ref and version else None
    site = Site("overlays/prod/kustomization.yaml", 7, 13, "images[0].newTag", "newTag")
    return ComponentState(name, ref, ver, [site], note)


# -- the registry ---------------------------------------------------------------------


def test_every_code_has_a_rule_module() -> None:
    by_code = {r.CODE: r for r in all_rules()}
    assert set(by_code) == set(ALL_CODES)
    for code, rule in by_code.items():
        assert rule.NAME and rule.EXPLANATION.strip(), code
        assert isinstance(rule.SEVERITY, Severity), code
        assert "Fix" in rule.EXPLANATION, f"{code}: the explanation says how to fix it"
        assert rule_for(code) is rule and rule_for(rule.NAME) is rule
    assert len({r.NAME for r in all_rules()}) == len(by_code)


def test_no_rule_passes_findings_on() -> None:
    # The scanner's findings are made by the rules from facts, never copied from a target.
    rules_dir = Path(unknown_version.__file__).parent
    assert not (rules_dir / "_scanned.py").exists()
    for path in rules_dir.glob("*.py"):
        assert "target.findings" not in path.read_text("utf-8"), path.name


# -- facts a manager records ----------------------------------------------------------


def test_lu005_dead_images_entry() -> None:
    fact = DeadImagesEntry(
        "overlays/prod/kustomization.yaml",
        9,
        9,
        1,
        "quay.io/x/litemaas-fronted",
        ("quay.io/x/litemaas-frontend",),
    )
    (f,) = images_entry_unused.of_target(target(fact))
    assert (f.code, f.severity, f.file, f.line, f.col, f.target) == (
        "LU005",
        Severity.WARNING,
        "overlays/prod/kustomization.yaml",
        9,
        9,
        "overlays/prod",
    )
    assert f.message == (
        "images[1] name 'quay.io/x/litemaas-fronted' matches no container; did you mean "
        "quay.io/x/litemaas-frontend?"
    )
    assert "registry included" in f.fix
    bare = DeadImagesEntry("k.yaml", 1, 1, 0, "nginx")
    (g,) = images_entry_unused.of_target(target(bare))
    assert g.message == "images[0] name 'nginx' matches no container"


def test_lu006_unquoted_tag_helm_and_kustomize() -> None:
    helm = UnquotedTag("envs/prod-values.yaml", 12, 10, "backend.image.tag", "0.20", "0.2")
    kust = UnquotedTag("k/kustomization.yaml", 5, 13, "images[0].newTag", "1e3", None)
    first, second = unquoted_tag.of_target(target(helm, kust))
    assert first.message == (
        "backend.image.tag: 0.20 is not a string in YAML; Helm renders it as '0.2'"
    )
    assert first.fix == 'quote it: tag: "0.20"'
    assert (first.severity, first.line, first.col) == (Severity.ERROR, 12, 10)
    assert second.message == (
        "images[0].newTag: 1e3 is not a string in YAML; kustomize refuses the kustomization"
    )
    assert second.fix == 'quote it: newTag: "1e3"'


def test_lu008_env_overridden() -> None:
    fact = EnvOverridden(
        "backend",
        "up/user-values.env",
        "LITEMAAS_VERSION",
        "0.1.3",
        "up/kustomization.yaml",
        0,
        18,
        13,
        "quay.io/rh-aiservices-bu/litemaas-backend:latest",
    )
    (f,) = env_overridden.of_target(target(fact))
    assert f.message == (
        "backend: up/user-values.env sets LITEMAAS_VERSION=0.1.3, but images[0] in "
        "up/kustomization.yaml overrides it: kustomize renders "
        "quay.io/rh-aiservices-bu/litemaas-backend:latest"
    )
    assert (f.code, f.file, f.line, f.col) == ("LU008", "up/kustomization.yaml", 18, 13)
    assert "LITEMAAS_VERSION decides" in f.fix


def test_lu010_disabled_component_and_location() -> None:
    whole = Disabled("litellm", "litellm.enabled")
    part = Disabled("litellm", "migrations.enabled", "migrations.image")
    first, second = not_deployed.of_target(target(whole, part))
    assert first.message == "litellm is not deployed by this release (litellm.enabled: false)"
    assert second.message == (
        "litellm at migrations.image is not deployed by this release (migrations.enabled: false)"
    )
    assert (first.code, first.severity, first.file, first.target) == (
        "LU010",
        Severity.INFO,
        "",
        "overlays/prod",
    )


def test_lu009_unreadable_inputs_with_their_fixes() -> None:
    remote = Unreadable(
        "k/kustomization.yaml", 3, 5, "remote resource x: not fetched", Severity.WARNING
    )
    table = Unreadable(
        "v.yaml",
        4,
        3,
        "litellm.image is a string",
        Severity.ERROR,
        Cause.TABLE_REPLACED,
        "litellm.image",
    )
    dup = Unreadable("v.yaml", 8, 1, "duplicate key backend", Severity.WARNING, Cause.DUPLICATE_KEY)
    found = list(unresolved.of_target(target(remote, table, dup)))
    assert [(f.message, f.severity, f.fix) for f in found] == [
        ("remote resource x: not fetched", Severity.WARNING, ""),
        (
            "litellm.image is a string",
            Severity.ERROR,
            "write it as litellm.image.repository and .tag",
        ),
        ("duplicate key backend", Severity.WARNING, "remove all but one of the duplicated keys"),
    ]
    assert all(f.code == "LU009" and f.target == "overlays/prod" for f in found)


def test_every_cause_has_its_fix() -> None:
    causes = {v for k, v in vars(Cause).items() if k.isupper()}
    assert causes - set(unresolved.FIXES) == {Cause.TABLE_REPLACED}  # worded with its path


def test_lu009_notices_belong_to_no_target() -> None:
    notices = [
        Notice("envs/x-values.yaml", "link-outside"),
        Notice("envs/y-values.yaml", "link"),
        Notice("envs/z-values.yaml", "skipped", "not YAML at 3:11"),
        Unreadable(
            "", 0, 0, "the base HEAD cannot be read (x)", Severity.ERROR, Cause.BASE_UNREADABLE
        ),
    ]
    found = list(unresolved.of_notices(notices))
    assert [(f.severity, f.where(), f.message) for f in found] == [
        (
            Severity.WARNING,
            "envs/x-values.yaml",
            "envs/x-values.yaml is a link that points outside the repository (or nowhere): "
            "not followed",
        ),
        (
            Severity.INFO,
            "envs/y-values.yaml",
            "envs/y-values.yaml is a link: not followed (its target is read where it is)",
        ),
        (Severity.INFO, "envs/z-values.yaml", "skipped: not YAML at 3:11"),
        (Severity.ERROR, "", "the base HEAD cannot be read (x)"),
    ]
    assert all(f.target == "" for f in found)
    assert "fetch-depth: 0" in found[-1].fix


# -- facts the components are ----------------------------------------------------------


def test_lu009_unreadable_image_from_the_component() -> None:
    bad = state("backend", None, None, f"{UNREADABLE}: invalid tag 'bad tag!'")
    (f,) = unresolved.of_target(target(components={"backend": bad}))
    assert (f.code, f.severity, f.line) == ("LU009", Severity.ERROR, 7)
    assert f.message == f"backend: {UNREADABLE}: invalid tag 'bad tag!'"


def test_lu004_unknown_version_in_scan_and_lint_words() -> None:
    floating = state(
        "litellm",
        "ghcr.io/berriai/litellm-non_root:main-latest",
        None,
        "floating tag 'main-latest': the version cannot be known",
    )
    t = target(components={"litellm": floating})
    (scanned,) = unknown_version.of_target(t)
    assert scanned.message == (
        "litellm: ghcr.io/berriai/litellm-non_root:main-latest — floating tag 'main-latest': "
        "the version cannot be known"
    )
    assert scanned.fix == "pin a versioned tag instead of a floating one"
    (linted,) = unknown_version.check(LintContext(RULES, [Check(t)]))
    assert linted.message.startswith("litellm is ghcr.io/berriai/litellm-non_root:main-latest:")
    assert (linted.file, linted.line, linted.col) == ("overlays/prod/kustomization.yaml", 7, 13)


def test_lu007_repository_changed_against_the_base() -> None:
    before = target(
        components={
            "litellm": state("litellm", "ghcr.io/berriai/litellm-non_root:main-v1.74.7-stable", "x")
        }
    )
    now = target(
        components={
            "litellm": state(
                "litellm", "registry.example.com/m/litellm-non_root:main-v1.74.7-stable", "x"
            )
        }
    )
    (f,) = repository_changed.check(LintContext(RULES, [Check(now, before)]))
    assert f.code == "LU007"
    assert f.message == (
        "litellm's image repository changes: ghcr.io/berriai/litellm-non_root -> "
        "registry.example.com/m/litellm-non_root"
    )
    assert list(repository_changed.check(LintContext(RULES, [Check(now, None)]))) == []


def test_lu007_is_silent_for_the_move_a_guide_declares() -> None:
    """The v0.4.0 guide moves LiteLLM to the LiteMaaS fork (`moves:`): expected, not
    reported; the same fork reached from a mirror, or another repository, still is."""
    fork = "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom"
    now = target(components={"litellm": state("litellm", fork, "1.81.0")})
    upstream = target(
        components={
            "litellm": state(
                "litellm", "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable", "1.81.0"
            )
        }
    )
    assert list(repository_changed.check(LintContext(RULES, [Check(now, upstream)]))) == []
    mirror = target(
        components={
            "litellm": state(
                "litellm", "registry.example.com/m/litellm-non_root:main-v1.81.0-stable", "1.81.0"
            )
        }
    )
    (f,) = repository_changed.check(LintContext(RULES, [Check(now, mirror)]))
    assert f.code == "LU007" and "registry.example.com/m/litellm-non_root -> quay.io" in f.message
    # Rules without the v0.4.0 guide declare no move: the fork is noted as any other.
    only_first = load_rules(None, "0.2.0")
    (g,) = repository_changed.check(LintContext(only_first, [Check(now, upstream)]))
    assert g.code == "LU007"


LITELLM = "ghcr.io/berriai/litellm-non_root:"


def test_lu012_judges_only_the_steps_the_engine_computed() -> None:
    old_backend = state("backend", "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3", "x")
    before = target(
        components={
            "backend": old_backend,
            "litellm": state("litellm", LITELLM + "main-v1.74.7-stable", "x"),
        }
    )
    after = target(
        components={
            "backend": old_backend,
            "litellm": state("litellm", LITELLM + "main-v1.81.0-stable", "x"),
        }
    )
    step = Check(after, before, where="phase 1", scan=False, computed=True)
    (f,) = plan_unsafe.check(LintContext(RULES, [step]))
    assert (f.code, f.severity, f.target) == ("LU012", Severity.ERROR, "overlays/prod")
    assert f.message == (
        "phase 1 is unsafe for overlays/prod: it would deploy litellm "
        "main-v1.81.0-stable with backend 0.1.3 (the rules require backend >= 0.2.0 once "
        "litellm >= 1.81.0; litellm-needs-backend)"
    )
    assert f.fix == "check the --*-tag options and the rules' phases"
    # The same states in the repository or in a plan file are LU001/LU002's, not LU012's.
    linted = Check(after, before, where="plan phase 1", scan=False)
    assert list(plan_unsafe.check(LintContext(RULES, [linted, Check(after, before)]))) == []


def test_lu012_both_sides_at_once_reads_as_a_sentence() -> None:
    # Both sides crossing in one phase: the sentence says what the change does itself
    # (no "it would deploy litellm reaches ..."), and a tag equal to the boundary is not
    # repeated beside it.
    before = target(
        components={
            "backend": state("backend", "quay.io/rh-aiservices-bu/litemaas-backend:0.1.3", "x"),
            "litellm": state("litellm", LITELLM + "main-v1.74.7-stable", "x"),
        }
    )
    after = target(
        components={
            "backend": state("backend", "quay.io/rh-aiservices-bu/litemaas-backend:0.2.0", "x"),
            "litellm": state("litellm", LITELLM + "main-v1.81.0-stable", "x"),
        }
    )
    step = Check(after, before, where="phase 1", scan=False, computed=True)
    (f,) = plan_unsafe.check(LintContext(RULES, [step]))
    assert f.message == (
        "phase 1 is unsafe for overlays/prod: litellm reaches 1.81.0 (main-v1.81.0-stable) "
        "in the same change that finds backend at 0.1.3, not yet past 0.2.0: deploy them "
        "as two phases"
    )
    plain = target(
        components={**after.components, "litellm": state("litellm", LITELLM + "1.81.0", "x")}
    )
    step = Check(plain, before, where="phase 1", scan=False, computed=True)
    (g,) = plan_unsafe.check(LintContext(RULES, [step]))
    assert "litellm reaches 1.81.0 in the same change" in g.message


def test_lu012_backend_unknown_is_unverified() -> None:
    floating = state(
        "backend", "quay.io/rh-aiservices-bu/litemaas-backend:latest", None, "floating tag"
    )
    before = target(
        components={
            "backend": floating,
            "litellm": state("litellm", LITELLM + "main-v1.74.7-stable", "x"),
        }
    )
    after = target(
        components={
            "backend": floating,
            "litellm": state("litellm", LITELLM + "main-v1.81.0-stable", "x"),
        }
    )
    step = Check(after, before, where="phase 2", scan=False, computed=True)
    (f,) = plan_unsafe.check(LintContext(RULES, [step]))
    assert f.code == "LU012"
    assert "make the backend's version readable" in f.fix


def test_lu011_suppression_without_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "v.yaml").write_text("a: 1  # litemaas-upgrade: ignore LU004\n")
    ctx = LintContext(RULES, [], files=["v.yaml"])
    result = run_rules(ctx)
    (f,) = result.findings
    assert (f.code, f.file, f.line) == ("LU011", "v.yaml", 1)
    assert "silences nothing" in f.message


# -- scan's findings are the rules' ----------------------------------------------------


def test_findings_of_runs_every_fact_rule_in_file_order() -> None:
    t = target(
        Unreadable("b.yaml", 2, 1, "stale", Severity.WARNING, Cause.STALE_GENERATED),
        DeadImagesEntry("a.yaml", 9, 9, 0, "nginx"),
        Disabled("litellm", "litellm.enabled"),
        UnquotedTag("a.yaml", 3, 10, "images[0].newTag", "1.0", None),
    )
    found = findings_of(t)
    assert [(f.file, f.line, f.code) for f in found] == [
        ("", 0, "LU010"),
        ("a.yaml", 3, "LU006"),
        ("a.yaml", 9, "LU005"),
        ("b.yaml", 2, "LU009"),
    ]
    assert found[-1].fix == "regenerate it from its template (preparation.sh)"


def test_lint_words_the_same_facts_as_scan() -> None:
    # A finding made from a fact is the same in `scan` and `lint` (lint adds only the
    # rules that judge states and changes).
    t = target(DeadImagesEntry("a.yaml", 9, 9, 0, "nginx"), Disabled("litellm", "litellm.enabled"))
    linted = run_rules(LintContext(RULES, [Check(t)])).findings
    assert set(findings_of(t)) <= set(linted)
    plan_step = run_rules(LintContext(RULES, [Check(t, where="plan phase 1", scan=False)])).findings
    assert not any(f.code in ("LU005", "LU010") for f in plan_step)
