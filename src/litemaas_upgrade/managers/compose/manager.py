"""The compose manager: every compose file, by name (`compose.yaml`, `docker-compose.yml`,
`docker-compose.<anything>.yml`, `compose.<anything>.yaml`, either extension) or by content
(any other YAML file whose top level holds only compose's keys, with a `services:` map of
which one service has an `image:`); each service's `image:`, with `${VAR}`,
`${VAR:-default}` and `${VAR-default}` read as compose reads them when the variable is
unset (the default, with the variable named), or from a `.env` file next to the compose
file when it sets the variable."""

from __future__ import annotations

import posixpath

from ...envfile import EnvValue, can_hold, parse_env
from ...errors import InputError
from ...facts import Cause, Unreadable
from ...imageref import ImageRef, ImageRefError
from ...lazypattern import lazy
from ...model import (
    UNREADABLE,
    Change,
    ComponentState,
    Severity,
    Site,
    Target,
    TargetData,
    unknown_version_note,
)
from ...records import field, record
from ...shellword import word
from ..base import Manager, PhaseStep, ScanContext

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
# docker-compose.prod.yml, compose.override.yaml, docker-compose.standalone.yml, ...
_NAMED = lazy(r"(?:docker-)?compose(?:\.[^/]+)?\.ya?ml")
# The top-level elements of the compose specification (and `x-` extensions): a file with
# any other key is something else (Helm values with a `services:` key, a workload).
TOP_LEVEL = frozenset(
    ("version", "name", "include", "services", "networks", "volumes")
    + ("configs", "secrets", "models")
)


def is_compose_name(rel: str) -> bool:
    # (asked of every file of the repository: a cheap base name, and most names are not
    # worth a match)
    name = rel.rpartition("/")[2].lower()
    return "compose" in name and _NAMED.fullmatch(name) is not None


def looks_like_compose(data: Any) -> bool:
    """A document that is a compose file by its content: only compose's top-level keys,
    and a `services:` map of service maps, one of them with an `image:`."""
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return False
    if any(not (str(k) in TOP_LEVEL or str(k).startswith("x-")) for k in data):
        return False
    services = data["services"].values()
    if not all(isinstance(svc, dict) or svc is None for svc in services):
        return False
    return any(isinstance(svc, dict) and isinstance(svc.get("image"), str) for svc in services)


# Any interpolation compose knows: `${NAME...}` or `$NAME`.
_VAR_ANY = lazy(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")
_VAR = lazy(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")


@record(slots=True)
class Service:
    name: str
    raw: str  # the image string as written
    image: str  # interpolated
    var: str | None = None
    var_match: tuple[int, int] | None = None  # span of the default inside raw
    env: EnvValue | None = None  # the .env line that sets the variable


@record(slots=True)
class ComposeData(TargetData):
    file: str
    env_file: str | None
    services: dict[str, list[Service]] = field(default_factory=dict)


class ComposeManager(Manager):
    kind = "compose"

    def extract(self, ctx: ScanContext) -> list[Target]:
        out: list[Target] = []
        pending: set[str] = set()
        scoped = ctx.options.only is not None
        for rel in self._candidates(ctx):
            if ctx.is_claimed(rel):
                continue
            env_rel = posixpath.join(posixpath.dirname(rel), ".env")
            if not ctx.affects({rel, env_rel}):
                pending.add(rel)  # scoped: neither it nor its .env changed
                continue
            target = self._target(ctx, rel)
            if target.components:
                out.append(target)
                ctx.claimed.add(rel)
        if pending or scoped:
            decided: dict[str, bool] = {}

            def would_claim(rel: str) -> bool:
                # Scoped scans look for compose files by content only among the changed
                # files; another one is asked about here, when another manager wants it.
                if rel not in pending and not (
                    scoped and rel.endswith((".yaml", ".yml")) and self._by_content(ctx, rel)
                ):
                    return False
                if rel not in decided:
                    decided[rel] = bool(self._target(ctx, rel).components)
                return decided[rel]

            ctx.deferred.append(would_claim)
        return out

    def _candidates(self, ctx: ScanContext) -> list[str]:
        """Compose files by name, and other YAML files that are compose files by content
        (outside charts: a chart's values may have a `services:` map)."""
        src = ctx.source
        named = [rel for rel in src.files() if is_compose_name(rel)]
        only = ctx.options.only
        if only is None:
            # One search of the repository (`git grep` at a revision), then a parse of
            # the few files it finds.
            found = src.containing((b"services:",), (".yaml", ".yml"))
        else:  # scoped: the changed files, and those beside a changed .env
            envs = {posixpath.dirname(o) for o in only if posixpath.basename(o) == ".env"}
            found = [
                rel
                for rel in src.files()
                if rel.endswith((".yaml", ".yml"))
                and (rel in only or posixpath.dirname(rel) in envs)
            ]
        others = [rel for rel in found if self._by_content(ctx, rel)]
        return sorted(set(named + others))

    def _by_content(self, ctx: ScanContext, rel: str) -> bool:
        if is_compose_name(rel):
            return False  # found by name
        charts = ctx.memo.get("compose-charts")
        if charts is None:
            named = ctx.source.named("Chart.yaml")
            charts = ctx.memo["compose-charts"] = tuple(posixpath.dirname(f) + "/" for f in named)
        if any(rel.startswith(c) or c == "/" for c in charts):
            return False  # a chart's file: values may well have a `services:` map
        return _by_content(ctx.source, rel)

    def _target(self, ctx: ScanContext, rel: str) -> Target:
        src = ctx.source
        yf = src.yaml_or_skip(rel)
        if yf is None:
            return self._unparsed(ctx, rel)
        docs = yf.documents
        doc = docs[0] if docs else None
        if doc is None:
            return Target(self.kind, src.display(rel), f"compose file {src.display(rel)}")
        data = doc.data if isinstance(doc.data, dict) else {}
        env_rel = posixpath.join(posixpath.dirname(rel), ".env")
        env = parse_env(src.read(env_rel), src.display(env_rel)) if src.exists(env_rel) else {}
        cdata = ComposeData(rel, env_rel if env else None)
        target = Target(self.kind, src.display(rel), f"compose file {src.display(rel)}", data=cdata)
        raw = data.get("services")
        services: dict[str, Any] = raw if isinstance(raw, dict) else {}
        for name, svc in services.items():
            if not isinstance(svc, dict) or not isinstance(svc.get("image"), str):
                continue
            raw = svc["image"]
            try:
                service = _interpolate(str(name), raw, env)
                ref = ImageRef.parse(service.image)
            except (ImageRefError, InputError) as exc:
                # Fail closed: an image compose cannot resolve here (an unset variable
                # with no default, an interpolation form not read) is an unknown
                # component when its name says which, never a missing one.
                self._unresolved(ctx, doc, target, str(name), raw, str(exc))
                continue
            comp = ctx.rules.component_of(ref)
            if comp is None:
                continue
            cdata.services.setdefault(comp, []).append(service)
            if comp in target.components:
                continue
            node = doc.find(("services", str(name), "image"))
            sites = [
                Site(
                    src.display(rel),
                    node.line if node else 0,
                    node.col if node else 0,
                    f"services.{name}.image",
                    "image",
                    f"${{{service.var}}} unset: default" if service.var and not service.env else "",
                )
            ]
            if service.env is not None:
                sites.append(
                    Site(
                        src.display(env_rel),
                        service.env.line,
                        service.env.col,
                        service.var or "",
                        "env",
                        ".env next to the compose file",
                    )
                )
            version = ctx.rules.components[comp].version_of(ref.tag)
            note = "" if version else unknown_version_note(ref, ref.tag)
            if service.var and service.env is None:
                note = (note + "; " if note else "") + (
                    f"the tag comes from ${{{service.var}}}'s default; setting {service.var} "
                    "in the environment changes it"
                )
            target.components[comp] = ComponentState(comp, ref, version, sites, note)
        from ...installations.compose import compose_facts  # (installations)

        target.facts.extend(compose_facts(src.display(rel), doc, cdata.services))
        return target

    def _unresolved(
        self, ctx: ScanContext, doc: Any, target: Target, name: str, raw: str, why: str
    ) -> None:
        """A service image that cannot be resolved: its component (read from what is
        written, variables left out) is unknown, with the reason."""
        written = _VAR_ANY.sub("", raw).strip("/:@")
        try:
            comp = ctx.rules.component_of(ImageRef.parse(written))
        except ImageRefError:
            comp = None
        if comp is None or comp in target.components:
            return
        node = doc.find(("services", name, "image"))
        site = Site(
            target.path,
            node.line if node else 0,
            node.col if node else 0,
            f"services.{name}.image",
            "image",
        )
        note = f"{UNREADABLE}: {raw!r} does not resolve to an image reference ({why})"
        target.components[comp] = ComponentState(comp, None, None, [site], note)

    def _unparsed(self, ctx: ScanContext, rel: str) -> Target:
        """A compose file that is not YAML: skipped with a notice (no components), or,
        when it names a component image, a target whose error that is (LU009)."""
        from ...sniff import named_images, unknown_named

        src = ctx.source
        shown = src.display(rel)
        target = Target(self.kind, shown, f"compose file {shown}", data=ComposeData(rel, None))
        names = named_images(src.read(rel), ctx.rules)
        if not names:
            return target
        why = src.skipped.pop(rel, "not YAML")
        target.facts.append(
            Unreadable(
                shown,
                names[0].line,
                names[0].col,
                f"{shown}: {why}; it names " + ", ".join(f"{n.component} {n.image}" for n in names),
                Severity.ERROR,
                Cause.NOT_YAML,
            )
        )
        unknown_named(ctx, target, [rel])
        return target

    def changes(self, ctx: ScanContext, target: Target, step: PhaseStep) -> list[Change]:
        data = target.data_as(ComposeData)
        out: list[Change] = []
        for comp, tag in step.set.items():
            for svc in data.services.get(comp, []):
                why = f"{comp} to {tag}"
                repo = step.repos.get(comp)
                old_name = ImageRef.parse(svc.image).name
                if svc.env is not None and data.env_file and can_hold(tag, svc.env.quote):
                    out.append(
                        Change(
                            data.env_file,
                            0,
                            (),
                            tag,
                            comp,
                            why + f" ({svc.var} in .env)",
                            (svc.env.start, svc.env.end),
                            svc.env.value,
                        )
                    )
                    if repo is not None and svc.raw.startswith(old_name + ":"):
                        # The .env file holds the tag; the repository is in the image line.
                        new = repo + svc.raw[len(old_name) :]
                        out.append(
                            Change(data.file, 0, ("services", svc.name, "image"), new, comp, why)
                        )
                    continue
                if svc.var_match is not None:
                    start, end = svc.var_match
                    new = svc.raw[:start] + tag + svc.raw[end:]
                    if repo is not None and new.startswith(old_name + ":"):
                        new = repo + new[len(old_name) :]  # the name is literal text
                else:
                    ref = ImageRef.parse(svc.image).with_tag(tag).with_digest(None)
                    new = str(ref.with_name(repo) if repo is not None else ref)
                out.append(Change(data.file, 0, ("services", svc.name, "image"), new, comp, why))
        return out

    def phase_files(
        self, ctx: ScanContext, target: Target, step: PhaseStep, tags: dict[str, str]
    ) -> dict[str, str]:
        data = target.data_as(ComposeData)
        lines = [
            f"# litemaas-upgrade: phase {step.phase.number} override for {target.path}",
            f"# {step.phase.title}",
            "# docker compose -f <compose file> -f <this file> up -d",
            "services:",
        ]
        count = 0
        for comp, tag in sorted(tags.items()):
            for svc in data.services.get(comp, []):
                ref = ImageRef.parse(svc.image).with_tag(tag).with_digest(None)
                lines += [f"  {svc.name}:", f'    image: "{ref}"']
                count += 1
        if not count:
            return {}
        slug = data.file.replace("/", "__").strip("._") or "compose"
        return {f"compose/{slug}": "\n".join(lines) + "\n"}

    def deploy_command(self, target: Target, phase_file: str | None) -> str:
        cmd = f"docker compose -f {word(target.path)}"
        if phase_file:
            cmd += f" -f {word(phase_file)}"
        return cmd + " up -d"


def _interpolate(name: str, raw: str, env: dict[str, EnvValue]) -> Service:
    m = _VAR.search(raw)
    if m is None:
        if "$" in raw:
            raise InputError(raw, "unsupported interpolation in an image")
        return Service(name, raw, raw)
    var = m.group("name")
    default = m.group("default") or ""
    value = env[var].value if var in env else default
    if var in env and m.group("op") == ":-" and not value:
        value = default
    image = raw[: m.start()] + value + raw[m.end() :]
    span = m.span("default") if m.group("default") is not None else None
    return Service(name, raw, image, var, span, env.get(var))


def _by_content(src: Any, rel: str) -> bool:
    """A YAML file that is a compose file by its content; a cheap look at the bytes first
    (a top-level `services:` line and an `image:`), parsed only then."""
    try:
        raw = src.read(rel)
    except InputError:
        return False
    if b"image:" not in raw or not (raw.startswith(b"services:") or b"\nservices:" in raw):
        return False
    yf = src.yaml_or_skip(rel)  # not YAML: skipped, with a notice
    return yf is not None and len(yf.documents) == 1 and looks_like_compose(yf.documents[0].data)
