"""The upgrade rules: components, how to recognise and version their images, the
constraint between them and the phases. Loaded from YAML; validated with clear errors."""

from __future__ import annotations

import re
from pathlib import Path

from .config_check import Checker, checker_for
from .errors import InputError
from .imageref import ImageRef, matches_pattern
from .lazypattern import lazy
from .records import field, record, replace
from .rulesets import Advisory, Move, Requires, parse_extras
from .versions import Version, version_from_tag

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_RULES = "rules.yaml"
# A later guide's rule set, shipped beside rules.yaml: `litemaas-<release>.yaml`.
LATER = re.compile(r"litemaas-(\d+\.\d+\.\d+)\.yaml")
# The rules file's top-level keys (anything else is a typo the tool would ignore).
TOP_KEYS = (
    "schema",
    "name",
    "title",
    "guide",
    "catalog",
    "release",
    "requires",
    "components",
    "constraints",
    "phases",
    "moves",
    "advisories",
    "before",
)


@record(frozen=True)
class HelmHints:
    values: tuple[str, ...]  # where the chart reads the image, e.g. ("backend", "image")
    default_tag: str | None  # "appVersion": an empty tag renders Chart.yaml's appVersion
    enabled: tuple[str, ...] | None  # a boolean value that turns the component off


@record(frozen=True)
class Component:
    name: str
    images: tuple[str, ...]
    versions: tuple[re.Pattern[str], ...]
    follows: str | None
    helm: HelmHints | None
    exclude: tuple[str, ...] = ()  # images matched by `images` that are not this component

    def matches(self, ref: ImageRef) -> bool:
        return any(matches_pattern(ref, p) for p in self.images) and not any(
            matches_pattern(ref, p) for p in self.exclude
        )

    def version_of(self, tag: str | None) -> Version | None:
        try:
            return version_from_tag(tag, self.versions)
        except ValueError:
            return None  # looks versioned but is not readable: treat as unknown, never guess


@record(frozen=True)
class Constraint:
    id: str
    if_component: str
    if_at_least: Version
    then_component: str
    then_at_least: Version
    why: str


@record(frozen=True)
class Phase:
    number: int
    title: str
    set: dict[str, str]
    pin: tuple[str, ...]
    checks: tuple[str, ...]
    rollback: str
    # Components the phase moves to another image repository (the LiteLLM fork), with
    # their tag in `set`: repository and tag are always written together.
    repos: dict[str, str] = field(default_factory=dict)
    rules: str = ""  # the rule set the phase comes from (a chain numbers phases across sets)
    notes: tuple[str, ...] = ()  # what the runbook says beside the moves (Redis, appVersion)


@record(frozen=True)
class Rules:
    name: str
    title: str
    guide: str
    components: dict[str, Component]
    constraints: tuple[Constraint, ...]
    phases: tuple[Phase, ...]
    before: tuple[str, ...]
    source: str  # where the rules came from, for messages
    text: str = field(repr=False, default="")
    catalog: str | None = None  # chart catalog file (`catalog:` key); None: built-in
    release: Version | None = None  # the LiteMaaS version the rule set upgrades to
    requires: Requires | None = None
    moves: tuple[Move, ...] = ()
    advisories: tuple[Advisory, ...] = ()
    # The rule sets a chain was merged from, in order (one: a single rules file).
    chain: tuple[Rules, ...] = field(repr=False, default=())

    def component_of(self, ref: ImageRef) -> str | None:
        for comp in self.components.values():
            if comp.matches(ref):
                return comp.name
        return None

    def target_version(self, phase: Phase, component: str) -> Version | None:
        return self.components[component].version_of(phase.set[component])

    def set_by_option(self, component: str) -> tuple[int, ...]:
        """The phases a --COMPONENT-tag option sets: in a chain, those of the last rule
        set that moves the component (the release gone to; the earlier guides' steps stay
        as they say)."""
        moving = [p for p in self.phases if component in p.set]
        return tuple(p.number for p in moving if p.rules == moving[-1].rules) if moving else ()

    def with_targets(self, overrides: dict[str, str]) -> Rules:
        """The same rules with the target tags the --*-tag options set replaced."""
        if not overrides:
            return self
        chosen = {c: self.set_by_option(c) for c in overrides}
        phases = []
        for phase in self.phases:
            new_set = {
                c: overrides[c] if phase.number in chosen.get(c, ()) else tag
                for c, tag in phase.set.items()
            }
            phases.append(replace(phase, set=new_set))
        return replace(self, phases=tuple(phases))

    def expected_move(self, component: str, old: ImageRef, new: ImageRef) -> Move | None:
        """The declared move (`moves:`) that takes `component` from `old`'s repository to
        `new`'s, if any: LU007 is silent for it."""
        for move in self.moves:
            if move.component == component and move.covers(old, new):
                return move
        return None


def read_data_file(path: str | None, builtin: str, what: str) -> tuple[str, str]:
    """(text, where it came from) of a user's file, or of the package's built-in one."""
    if path is None:
        # Beside the package's modules (importlib.resources would cost a pre-commit hook
        # ~4 ms of imports for the same file).
        data = Path(__file__).with_name("data") / builtin
        return data.read_text(encoding="utf-8"), f"(built-in) {builtin}"
    from .bounded import read_regular

    # Regular files within the limit per file only (bounded.py): a FIFO or a device
    # given as --rules is refused, not read for ever.
    raw = read_regular(path, path, what)
    try:
        return raw.decode("utf-8"), path
    except UnicodeDecodeError as exc:
        raise InputError(path, f"cannot read {what}: {exc}") from exc


def load_rules(path: str | None = None, to: str | None = None) -> Rules:
    """A user's rules file (it replaces every shipped rule set), or the shipped rule sets
    chained up to the one that upgrades to `to` (None: the latest)."""
    if path is not None:
        return parse_rules(*read_data_file(path, DEFAULT_RULES, "rules file"))
    from .rulesets import merge

    try:
        return merge(chain_to(to))
    except ValueError as exc:
        from .errors import UsageError

        raise UsageError(f"--to {to}: {exc}") from None


def phases_hint(rules: Rules) -> str:
    """What to say when a --phase is past the rules' last: the later guides' phases,
    when the shipped chain was stopped early (--to)."""
    if not rules.chain or len(rules.chain) == len(shipped_names()):
        return ""
    return "; --to VERSION chains the later guides' phases (see `litemaas-upgrade rules`)"


def shipped_names() -> tuple[str, ...]:
    """The shipped rule sets' files, oldest first: rules.yaml (the v0.2.0 guide), then
    every `litemaas-<release>.yaml` beside it by release. A later guide is a new file:
    the chain, and the default release (the latest), move with it."""
    later = []
    for path in Path(__file__).with_name("data").iterdir():
        found = LATER.fullmatch(path.name)
        if found:
            later.append((Version.parse(found.group(1)), path.name))
    return (DEFAULT_RULES, *(name for _v, name in sorted(later)))


def shipped() -> list[Rules]:
    """Every shipped rule set, oldest first, each one's `requires` checked against the
    one before it (a later set inherits the components of the first)."""
    out: list[Rules] = []
    for name in shipped_names():
        text, where = read_data_file(None, name, "rules file")
        rules = parse_rules(text, where, out[0].components if out else None)
        if out:
            want = rules.requires.rules if rules.requires else None
            assert want == out[-1].name, f"{where}: requires {want}, not {out[-1].name}"
        out.append(rules)
    return out


def versions_known(chain: list[Rules]) -> list[str]:
    return [str(r.release) for r in chain if r.release is not None]


def chain_to(to: str | None) -> list[Rules]:
    """The shipped rule sets up to the one that upgrades to `to` (None: all of them).
    Raises ValueError naming the versions known."""
    chain = shipped()
    if to is None:
        return chain
    try:
        want = Version.parse(to)
    except ValueError:
        raise ValueError(f"not a version: {to!r}") from None
    for i, rules in enumerate(chain):
        if rules.release is not None and rules.release == want:
            return chain[: i + 1]
    raise ValueError(
        f"no shipped rules upgrade to {to}: the known targets are "
        f"{', '.join(versions_known(chain))}"
    )


def parse_rules(text: str, source: str, inherit: dict[str, Component] | None = None) -> Rules:
    """One rules file. `inherit`: the components of the rule set it `requires`, used
    when the file names none (a shipped chain); a file used alone names its own."""
    checker, data = checker_for(text, source, "rules")
    if data is None:
        raise InputError(source, "rules file is empty")
    checker.expect(isinstance(data, dict), (), "the rules file must be a mapping")
    checker.expect(data.get("schema") == 1, ("schema",), "unsupported rules schema (expected 1)")
    checker.known_keys(data, TOP_KEYS)
    if "components" not in data and inherit is not None:
        components = dict(inherit)
    else:
        components = _components(checker, data)
    return _rest(checker, data, components, text, source)


def _components(checker: Checker, data: dict) -> dict[str, Component]:
    components: dict[str, Component] = {}
    raw_components = checker.mapping(
        data, "components", (), "expected a mapping of components (a rules file used alone "
        "names its own)"
    )
    for name, raw in raw_components.items():
        at: tuple[str | int, ...] = ("components", name)
        checker.expect(isinstance(raw, dict), at, "a component must be a mapping")
        checker.known_keys(raw, ("images", "exclude", "versions", "follows", "helm"), at)
        images = checker.str_list(raw, "images", at)
        checker.expect(bool(images), at + ("images",), "a component needs at least one image")
        exclude = checker.str_list(raw, "exclude", at) if "exclude" in raw else []
        for key, globs in (("images", images), ("exclude", exclude)):
            for i, glob in enumerate(globs):
                problem = pattern_problem(glob)
                if problem:
                    checker.fail(at + (key, i), f"{glob!r}: {problem}")
        patterns: list[re.Pattern[str]] = []
        for i, pattern in enumerate(checker.str_list(raw, "versions", at)):
            try:
                patterns.append(re.compile(pattern))
            except re.error as exc:
                checker.fail(at + ("versions", i), f"bad regular expression: {exc}")
        helm = None
        if "helm" in raw:
            hraw = checker.mapping(raw, "helm", at)
            hat = at + ("helm",)
            checker.known_keys(hraw, ("values", "default_tag", "enabled"), hat)
            enabled = checker.optional_string(hraw, "enabled", hat)
            helm = HelmHints(
                values=tuple(checker.string(hraw, "values", hat).split(".")),
                default_tag=checker.one_of(hraw, "default_tag", ("appVersion",), hat),
                enabled=tuple(enabled.split(".")) if enabled else None,
            )
        follows = checker.optional_string(raw, "follows", at)
        components[name] = Component(
            name, tuple(images), tuple(patterns), follows, helm, tuple(exclude)
        )
    for comp in components.values():
        if comp.follows is not None and comp.follows not in components:
            checker.fail(
                ("components", comp.name, "follows"), f"unknown component {comp.follows!r}"
            )
    return components


def _rest(
    checker: Checker, data: dict, components: dict[str, Component], text: str, source: str
) -> Rules:
    def version(value: Any, at: tuple[str | int, ...]) -> Version:
        try:
            return Version.parse(str(value))
        except ValueError:
            checker.fail(at, f"not a version: {value!r}")

    constraints = []
    raw_constraints = data.get("constraints") or []
    checker.expect(isinstance(raw_constraints, list), ("constraints",), "expected a list")
    for i, raw in enumerate(raw_constraints):
        at = ("constraints", i)
        checker.expect(isinstance(raw, dict), at, "a constraint must be a mapping")
        checker.known_keys(raw, ("id", "if", "then", "why"), at)
        cond = checker.mapping(raw, "if", at)
        then = checker.mapping(raw, "then", at)
        for part, key in ((cond, "if"), (then, "then")):
            checker.expect(
                part.get("component") in components,
                at + (key, "component"),
                f"unknown component {part.get('component')!r}",
            )
        constraints.append(
            Constraint(
                id=str(raw.get("id", f"constraint-{i + 1}")),
                if_component=cond["component"],
                if_at_least=version(cond.get("at_least"), at + ("if", "at_least")),
                then_component=then["component"],
                then_at_least=version(then.get("at_least"), at + ("then", "at_least")),
                why=str(raw.get("why", "")).strip(),
            )
        )

    name = str(data.get("name", "rules"))
    phases = []
    raw_phases = data.get("phases")
    checker.expect(isinstance(raw_phases, list) and bool(raw_phases), ("phases",), "phases missing")
    assert isinstance(raw_phases, list)
    for i, raw in enumerate(raw_phases):
        at = ("phases", i)
        checker.expect(isinstance(raw, dict), at, "a phase must be a mapping")
        checker.known_keys(raw, ("title", "set", "pin", "notes", "checks", "rollback"), at)
        notes = checker.str_list(raw, "notes", at) if "notes" in raw else []
        sets: dict[str, str] = {}
        repos: dict[str, str] = {}
        for comp_name, tag in checker.mapping(raw, "set", at).items():
            sat: tuple[str | int, ...] = at + ("set", comp_name)
            checker.expect(comp_name in components, sat, "unknown component")
            if isinstance(tag, dict):
                # Another repository: the repository and its tag, always together.
                checker.known_keys(tag, ("repository", "tag"), sat)
                repos[comp_name] = checker.string(tag, "repository", sat)
                problem = pattern_problem(repos[comp_name])
                checker.expect(not problem or "every image" in problem, sat + ("repository",),
                               f"{repos[comp_name]!r}: {problem}")
                tag = tag.get("tag")
                sat = sat + ("tag",)
            checker.expect(
                isinstance(tag, str) and bool(tag),
                sat,
                "a target tag must be a non-empty string (quote it)",
            )
            sets[comp_name] = tag
        pins = checker.str_list(raw, "pin", at) if "pin" in raw else []
        for j, comp_name in enumerate(pins):
            checker.expect(comp_name in components, at + ("pin", j), "unknown component")
        phases.append(
            Phase(
                number=i + 1,
                title=str(raw.get("title", f"Phase {i + 1}")),
                set=sets,
                pin=tuple(pins),
                checks=tuple(str(c) for c in raw.get("checks") or []),
                rollback=str(raw.get("rollback", "")).strip(),
                repos=repos,
                rules=name,
                notes=tuple(notes),
            )
        )
    extras = parse_extras(checker, data, components, version)
    return Rules(
        name=name,
        title=str(data.get("title", data.get("name", "rules"))),
        guide=str(data.get("guide", "")),
        components=components,
        constraints=tuple(constraints),
        phases=tuple(phases),
        before=tuple(str(b) for b in data.get("before") or []),
        source=source,
        text=text,
        catalog=_catalog_path(data.get("catalog"), source, checker),
        release=extras.release,
        requires=extras.requires,
        moves=extras.moves,
        advisories=extras.advisories,
    )


# What an image pattern may hold: the characters of image names, `*`, `?` and `[...]`.
_PATTERN_CHARS = lazy(r"[a-z0-9._\-/*?\[\]!:]+")


def pattern_problem(pattern: str) -> str:
    """Why a glob of `images`/`exclude` can never be what the rules mean ("" if none):
    it is matched against image names, lowercase and without tag or digest."""
    if not pattern.strip():
        return "an empty pattern"
    if "@" in pattern or ":" in pattern.rsplit("/", 1)[-1]:
        return "a pattern matches image names: leave out the tag and digest"
    if pattern != pattern.lower():
        return "image names are lowercase: this pattern matches nothing"
    if not _PATTERN_CHARS.fullmatch(pattern):
        return "only the characters of image names, '/', '*', '?' and '[...]' are allowed"
    if pattern.strip("*/") == "":
        return "this pattern matches every image"
    if "" in pattern.split("/"):
        return "an empty path segment ('//', or '/' at either end)"
    return ""


def _catalog_path(value: Any, source: str, checker: Checker) -> str | None:
    """The chart catalog named by the rules (relative to a rules file), or None: built-in."""
    if value is None:
        return None
    checker.expect(isinstance(value, str) and bool(value), ("catalog",), "expected a file name")
    if source.startswith("(built-in)"):
        return None if value == "catalog.yaml" else str(value)
    return str(Path(source).parent / str(value))
