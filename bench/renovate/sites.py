"""Compare the image sites Renovate extracts with the sites litemaas-upgrade finds and edits.

A *site* is a place in a file, compared by (file, line). Renovate's extracted dependencies
carry no line numbers, so each one is found in its file the way Renovate's own replacement
finds it: the YAML scalar whose value is the dependency's `replaceString` (or
`currentValue`), under a key that holds an image or a version, first unclaimed one first.
A dependency read from a `{repository, tag}` map or a kustomize `images:` entry covers every
line of that map, since Renovate decides the image from all of them.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from litemaas_upgrade.imageref import ImageRef, ImageRefError
from litemaas_upgrade.rules import Rules

# Keys whose scalar a Renovate manager reads as an image, a tag or a chart version.
IMAGE_KEYS = {"image", "tag", "newTag", "newName", "name", "targetRevision", "version"}
# Keys that decide an image together, in one map (helm-values, kustomize images:).
MAP_KEYS = {"registry", "repository", "tag", "image", "name", "newName", "newTag", "digest"}


@dataclass
class ToolSite:
    file: str
    line: int
    path: str
    components: set[str] = field(default_factory=set)
    decides: set[str] = field(default_factory=set)
    notes: set[str] = field(default_factory=set)
    edits: list[str] = field(default_factory=list)  # "phase 1: 0.1.3 -> 0.2.0"


@dataclass
class RenovateDep:
    manager: str
    file: str
    index: int  # position among the file's dependencies (matches the lookup run's)
    dep_name: str
    current: str | None
    replace: str | None
    datasource: str | None
    skip: str | None
    component: str | None  # backend, frontend, litellm, chart; None: not LiteMaaS
    line: int | None = None
    path: str = ""
    covers: set[int] = field(default_factory=set)
    proposal: str = ""  # from the lookup run: "-> 0.2.1 (renovate/litemaas)" or why not


@dataclass
class Row:
    file: str
    line: int | None
    path: str
    component: str
    tool: str  # "site", "edited: ...", "-"
    renovate: str  # "manager depName=value", "-"
    verdict: str  # same | only-tool | only-Renovate
    reason: str = ""
    edited: bool = False
    explained: bool = True


def image_name(text: str) -> str:
    """The image name in an image reference as written (`reg:5000/a/b:tag@sha` -> `reg:5000/a/b`),
    cut before a `${VAR}`."""
    text = text.split("${", 1)[0].split("@", 1)[0]
    slash = text.rfind("/")
    colon = text.rfind(":")
    return text[:colon] if colon > slash else text


def component_of(rules: Rules, dep_name: str, datasource: str | None) -> str | None:
    """The tool's own component for an image name (its rules' patterns), or `chart` for a
    reference to the LiteMaaS chart (a Helm chart, OCI artifact or git repository)."""
    last = dep_name.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1]
    if last == "litemaas" and datasource in ("helm", "docker", "git-tags", "github-tags", None):
        return "chart"
    if datasource not in ("docker", None):
        return None
    try:
        return rules.component_of(ImageRef.parse(image_name(dep_name)))
    except ImageRefError:
        return None


def tool_sites(scan: dict) -> dict[tuple[str, int], ToolSite]:
    sites: dict[tuple[str, int], ToolSite] = {}
    for target in scan["targets"]:
        for comp, info in target["components"].items():
            for s in info["sites"]:
                key = (s["file"], s["line"])
                site = sites.setdefault(key, ToolSite(s["file"], s["line"], s["path"]))
                site.components.add(comp)
                site.decides.add(s.get("decides", ""))
                if s.get("note"):
                    site.notes.add(s["note"])
    return sites


def add_edits(
    sites: dict[tuple[str, int], ToolSite], plan: dict, phase: int, root: Path
) -> list[str]:
    """Mark the sites a plan phase edits (existing scalars only: `from` set); return the keys
    it inserts, which no tool reading the files before could find. Each edit's `from` must
    be on its line in `root`, or the plan and the tree disagree (an error here)."""
    inserted: list[str] = []
    for step in plan["phases"][phase - 1]["steps"]:
        for change in step["changes"]:
            what = f"phase {phase}: {change.get('from')} -> {change['value']}"
            if change.get("from") is None:
                inserted.append(f"{change['file']}:{change['line']} {change['path']} ({what})")
                continue
            text = (root / change["file"]).read_text().splitlines()
            if change["from"] not in text[change["line"] - 1]:
                raise SystemExit(
                    f"plan.json says {change['file']}:{change['line']} holds {change['from']!r},"
                    f" the tree has {text[change['line'] - 1]!r}"
                )
            key = (change["file"], change["line"])
            site = sites.setdefault(key, ToolSite(change["file"], change["line"], change["path"]))
            site.components.add(change.get("component") or "chart")
            if what not in site.edits:
                site.edits.append(what)
    return inserted


def renovate_deps(extracted: dict, rules: Rules) -> list[RenovateDep]:
    deps = []
    for manager, package_files in extracted.items():
        for pf in package_files:
            for i, dep in enumerate(pf.get("deps", [])):
                if dep.get("datasource") == "kubernetes-api":
                    continue  # apiVersion of a manifest, not an image
                name = dep.get("depName") or image_name(dep.get("replaceString") or "")
                deps.append(
                    RenovateDep(
                        manager=manager,
                        file=pf["packageFile"],
                        index=i,
                        dep_name=name,
                        current=dep.get("currentValue"),
                        replace=dep.get("replaceString"),
                        datasource=dep.get("datasource"),
                        skip=dep.get("skipReason"),
                        component=component_of(rules, name, dep.get("datasource")),
                    )
                )
    return deps


@dataclass
class _Scalar:
    key: str
    value: str
    line: int
    path: str
    siblings: set[int]  # lines of the image keys of the same map


def _scalars(node: Node, path: str, out: list[_Scalar]) -> None:
    if isinstance(node, MappingNode):
        image_lines = {
            k.start_mark.line + 1
            for k, v in node.value
            if isinstance(k, ScalarNode) and k.value in MAP_KEYS and isinstance(v, ScalarNode)
        }
        for k, v in node.value:
            key = str(k.value)
            sub = f"{path}.{key}" if path else key
            if isinstance(v, ScalarNode):
                if key in IMAGE_KEYS:
                    line = v.start_mark.line + 1
                    siblings = image_lines if key in MAP_KEYS else {line}
                    out.append(_Scalar(key, str(v.value), line, sub, siblings | {line}))
            else:
                _scalars(v, sub, out)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _scalars(item, f"{path}[{i}]", out)


def locate(deps: list[RenovateDep], root: Path) -> None:
    """Give each dependency its line, path and covered lines (see the module docstring)."""
    by_file: dict[str, list[_Scalar]] = {}
    yaml = YAML(typ="rt")
    for dep in deps:
        if dep.file not in by_file:
            found: list[_Scalar] = []
            for doc in yaml.compose_all((root / dep.file).read_text()):
                if doc is not None:
                    _scalars(doc, "", found)
            by_file[dep.file] = found
        candidates = by_file[dep.file]
        for want in (dep.replace, dep.current):
            if not want:
                continue
            hit = next((s for s in candidates if s.value == want), None)
            if hit is not None:
                candidates.remove(hit)
                dep.line, dep.path, dep.covers = hit.line, hit.path, hit.siblings
                break
        if dep.line is None and dep.current == "" and dep.replace == "":
            # An empty tag (`tag: ""`, the chart renders appVersion): the next empty `tag`.
            hit = next((s for s in candidates if s.key == "tag" and s.value == ""), None)
            if hit is not None:
                candidates.remove(hit)
                dep.line, dep.path, dep.covers = hit.line, hit.path, hit.siblings


@dataclass(frozen=True)
class Explanation:
    # "tool": a site Renovate misses; "renovate": a dependency the tool has no site for.
    side: str
    file: str  # glob over the file
    path: str  # glob over the YAML path (tool) or the located path / depName (Renovate)
    reason: str


def explain(explanations: list[Explanation], side: str, file: str, path: str,
            used: set[Explanation] | None = None) -> str | None:
    for e in explanations:
        if e.side != side:
            continue
        if fnmatch.fnmatchcase(file, e.file) and fnmatch.fnmatchcase(path, e.path):
            if used is not None:
                used.add(e)
            return e.reason
    return None


def compare(
    sites: dict[tuple[str, int], ToolSite],
    deps: list[RenovateDep],
    explanations: list[Explanation],
    used: set[Explanation],
) -> list[Row]:
    ours = [d for d in deps if d.component is not None]
    covered: dict[tuple[str, int], RenovateDep] = {}
    for dep in ours:
        for line in dep.covers:
            covered.setdefault((dep.file, line), dep)
    rows: list[Row] = []
    for key in sorted(sites):
        site = sites[key]
        comp = ",".join(sorted(site.components))
        tool = "; ".join(site.edits) if site.edits else "site"
        found = covered.get(key)
        if found is not None and not found.skip:
            rows.append(
                Row(site.file, site.line, site.path, comp, tool, _dep_text(found), "same",
                    edited=bool(site.edits))
            )
            continue
        reason = explain(explanations, "tool", site.file, site.path, used)
        # Only an edited site must be explained; a site the tool merely reads says so.
        fallback = "UNEXPLAINED" if site.edits else "not edited by the tool; no reason recorded"
        rows.append(
            Row(site.file, site.line, site.path, comp, tool,
                _dep_text(found) if found is not None else "-", "only-tool",
                reason=reason or fallback, edited=bool(site.edits),
                explained=reason is not None or not site.edits)
        )
    for dep in ours:
        if any((dep.file, line) in sites for line in dep.covers):
            continue
        reason = explain(explanations, "renovate", dep.file, dep.path or dep.dep_name, used)
        rows.append(
            Row(dep.file, dep.line, dep.path or "(not located)", dep.component or "", "-",
                _dep_text(dep), "only-Renovate", reason=reason or "UNEXPLAINED",
                explained=reason is not None)
        )
    rows.sort(key=lambda r: (r.file, r.line or 0))
    return rows


def _dep_text(dep: RenovateDep) -> str:
    value = dep.current if dep.current is not None else "(no tag)"
    text = f"{dep.manager} {dep.dep_name}={value or chr(34) * 2}"
    if dep.skip:
        text += f" [skip: {dep.skip}]"
    if dep.proposal:
        text += f" {dep.proposal}"
    return text


def table(rows: list[Row]) -> str:
    out = ["| site | component | litemaas-upgrade | Renovate (extract; lookup) | verdict | why |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        where = f"`{r.file}:{r.line}` `{r.path}`" if r.line else f"`{r.file}` `{r.path}`"
        why = r.reason.replace("|", "\\|")
        renovate = r.renovate.replace("|", "/")
        out.append(f"| {where} | {r.component} | {r.tool} | {renovate} | {r.verdict} | {why} |")
    return "\n".join(out)

