"""Upstream LiteMaaS's preparation step (`deployment/kustomize/preparation.sh`), modelled.

The script sources `user-values.env`, computes a few variables of its own (such as
`NODE_TLS_ENV_BLOCK`), runs `envsubst` over every `*.yaml.template` into `*.yaml.local`,
and renames `kustomization.yaml.local` to `kustomization.yaml`. Those outputs are
gitignored upstream, so a clean clone (or a CI checkout) has only the templates.

This module computes what the script would generate, in memory, for every output that is
not in the repository: the build then reads a view of the source with those files added,
and every place it finds in one of them is mapped back to its template (line and column
are kept: a substitution never adds or removes a line). What cannot be known stays
unknown: a variable that neither the env file nor the script sets, in an image, and a
template whose output does not parse.
"""

from __future__ import annotations

import posixpath
import re
import weakref

from ...envfile import EnvValue, parse_env
from ...errors import InputError
from ...lazypattern import lazy
from ...records import field, record
from ...source import Overlay, Source
from ...yamlio.text import decode
from .names import KFILES, KTEMPLATE

TEMPLATE_SUFFIX = ".yaml.template"
SCRIPT = "preparation.sh"
DEFAULT_ENV = "user-values.env"
ENV_SUFFIXES = (".env", ".env.example")

_VAR = lazy(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_SOURCED = lazy(r"^[ \t]*(?:source|\.)[ \t]+[\"']?([^\s\"';&|]+)", re.MULTILINE)
_ASSIGNED = lazy(r"^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=", re.MULTILINE)
_IMAGE_LINE = lazy(r"^\s*(?:-\s*)?image\s*:")


@record(slots=True)
class Prepared:
    """One folder of the upstream layout: what its preparation step would generate."""

    folder: str
    env_file: str | None  # the env file the substitution reads (maybe the .example)
    env: dict[str, EnvValue]
    env_files: tuple[str, ...]  # every env file of the folder (kept consistent by edits)
    opaque: frozenset[str]  # variables the script computes itself
    script: str | None
    templates: tuple[str, ...]
    generated: dict[str, bytes] = field(default_factory=dict)  # output -> text (absent ones)
    template_of: dict[str, str] = field(default_factory=dict)  # output -> template
    unresolved: dict[tuple[str, int], str] = field(default_factory=dict)  # (template, line)
    broken: dict[str, str] = field(default_factory=dict)  # output -> why it cannot be made

    def reason_at(self, template: str, line: int) -> str | None:
        """Why the image written on this template line is unknown, if it is."""
        return self.unresolved.get((template, line))

    @property
    def files(self) -> tuple[str, ...]:
        """Every committed file the preparation reads."""
        extra = (self.script,) if self.script else ()
        return (*self.templates, *self.env_files, *extra)


@record(slots=True)
class PreparedView:
    """The source as it would be after every folder's preparation step."""

    source: Source
    folders: dict[str, Prepared]
    template_of: dict[str, str]  # generated output (not in the source) -> its template

    def to_template(self, rel: str) -> str:
        return self.template_of.get(rel, rel)

    def prepared_for(self, rel: str) -> Prepared | None:
        return self.folders.get(posixpath.dirname(rel))


def output_of(template: str) -> str:
    """What preparation.sh writes from a template."""
    if posixpath.basename(template) == KTEMPLATE:
        return template[: -len(".template")]
    return template[: -len(".template")] + ".local"


def template_of(output: str) -> str | None:
    if output.endswith(".local"):
        return output[: -len(".local")] + ".template"
    if posixpath.basename(output) == "kustomization.yaml":
        return output + ".template"
    return None


_VIEWS: weakref.WeakKeyDictionary[Source, PreparedView] = weakref.WeakKeyDictionary()


def prepared_view(src: Source) -> PreparedView:
    """The source with every absent generated file added (the same source when there is
    none); computed once per source."""
    view = _VIEWS.get(src)
    if view is not None:
        return view
    by_folder: dict[str, list[str]] = {}
    envs: dict[str, list[str]] = {}  # (gathered here: no folder index on the hook's path)
    for rel in src.files():
        if rel.endswith(TEMPLATE_SUFFIX):
            by_folder.setdefault(posixpath.dirname(rel), []).append(rel)
        elif rel.endswith(ENV_SUFFIXES):
            envs.setdefault(posixpath.dirname(rel), []).append(rel)
    folders: dict[str, Prepared] = {}
    added: dict[str, bytes] = {}
    mapping: dict[str, str] = {}
    for folder, templates in sorted(by_folder.items()):
        prep = _prepare(src, folder, templates, envs.get(folder, []))
        if prep is None:
            continue
        folders[folder] = prep
        added.update(prep.generated)
        mapping.update({out: prep.template_of[out] for out in prep.generated})
    view = PreparedView(Overlay(src, added) if added else src, folders, mapping)
    _VIEWS[src] = view
    return view


def _prepare(src: Source, folder: str, templates: list[str], envs: list[str]) -> Prepared | None:
    def here(name: str) -> str:
        return posixpath.join(folder, name) if folder else name

    has_ktemplate = src.exists(here(KTEMPLATE))
    has_kfile = any(src.exists(here(n)) for n in KFILES)
    if not has_ktemplate and not has_kfile:
        return None  # templates, but no kustomization to build them: not this layout
    script = here(SCRIPT) if src.exists(here(SCRIPT)) else None
    script_text = ""
    if script is not None:
        try:
            script_text = decode(src.read(script), src.display(script)).text
        except InputError:
            script_text = ""
    sourced = _SOURCED.findall(script_text)
    env_name = next((s for s in sourced if not s.startswith("$")), DEFAULT_ENV)
    env_rel = posixpath.normpath(here(env_name))
    env_files = [rel for rel in envs if rel.endswith(".env") or rel == env_rel + ".example"]
    chosen = env_rel if src.exists(env_rel) else None
    if chosen is None and src.exists(env_rel + ".example"):
        chosen = env_rel + ".example"
    env: dict[str, EnvValue] = {}
    if chosen is not None:
        try:
            env = parse_env(src.read(chosen), src.display(chosen))
        except InputError:
            env = {}
    opaque = frozenset(_ASSIGNED.findall(script_text))
    prep = Prepared(
        folder,
        chosen,
        env,
        tuple(sorted(env_files, key=lambda r: (r != chosen, r))),
        opaque,
        script,
        tuple(templates),
    )
    for template in templates:
        out = output_of(template)
        prep.template_of[out] = template
        if src.exists(out):
            continue  # generated already: the build reads it as it is
        try:
            text = decode(src.read(template), src.display(template)).text
        except InputError as exc:
            prep.broken[out] = str(exc)
            continue
        data = _substitute(prep, template, text).encode("utf-8")
        try:
            from ...yamlio.cache import parse

            parse(data, src.display(template))
        except InputError as exc:
            unset = [why for (t, _n), why in sorted(prep.unresolved.items()) if t == template]
            prep.broken[out] = "; ".join(
                [*unset, f"{src.display(template)} does not give valid YAML: {exc}"]
            )
            continue
        prep.generated[out] = data
    return prep


def _substitute(prep: Prepared, template: str, text: str) -> str:
    """envsubst, one line at a time (a value with a line break counts as opaque text, so
    that every line keeps its number)."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if "$" not in line:
            continue
        is_image = bool(_IMAGE_LINE.match(line))

        def value(m: re.Match[str], n: int = n, is_image: bool = is_image) -> str:
            var = m.group(1) or m.group(2)
            known = prep.env.get(var)
            if var in prep.opaque or known is None or "\n" in known.value:
                if is_image:
                    why = (
                        f"${{{var}}} is computed by {SCRIPT}"
                        if var in prep.opaque
                        else f"${{{var}}} is not set in "
                        + (prep.env_file or f"the folder's {DEFAULT_ENV}")
                    )
                    prep.unresolved[(template, n + 1)] = why
                return ""
            return known.value

        lines[n] = _VAR.sub(value, line)
    return "\n".join(lines)


_IMAGE_VALUE = lazy(
    r"^\s*(?:-\s*)?image\s*:\s*(?P<q>[\"']?)(?P<v>[^\"'#\s]+)(?P=q)\s*(?:#.*)?\r?$"
)


def template_image(src: Source, template: str, line: int, written: str) -> tuple[str, str] | None:
    """(variable, what precedes it) when the template's image ends with one `${VAR}`.

    Read as text, since a template need not be YAML until it is filled (a bare
    `${NODE_TLS_ENV_BLOCK}` line): on the same line (what this module generates keeps the
    template's line numbers), else the one image line of the template that `written` (the
    generated image) can come from, for a generated file whose lines moved."""
    try:
        text = decode(src.read(template), src.display(template)).text
    except InputError:
        return None
    lines = text.split("\n")
    if 1 <= line <= len(lines):
        found = _filled_by(lines[line - 1])
        if found is not None:
            return found
    candidates = []
    for each in lines:
        found = _filled_by(each)
        if found is not None and written.startswith(found[1]):
            candidates.append(found)
    return candidates[0] if len(candidates) == 1 else None


def _filled_by(line: str) -> tuple[str, str] | None:
    m = _IMAGE_VALUE.match(line)
    if m is None:
        return None
    value = m.group("v")
    found = list(_VAR.finditer(value))
    if not found or found[-1].end() != len(value) or "$" in value[: found[-1].start()]:
        return None
    last = found[-1]
    return last.group(1) or last.group(2), value[: last.start()]
