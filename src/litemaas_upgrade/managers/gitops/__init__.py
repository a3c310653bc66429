"""What the GitOps managers (Argo CD, Flux, Kustomize helmCharts) share: finding the
objects in the repository, and turning each declared LiteMaaS release into a target."""

from __future__ import annotations

import abc
import posixpath
from collections.abc import Iterator

from ...errors import InputError
from ...facts import Unreadable
from ...model import Change, Target
from ...records import field, record
from ...yamlio import YamlDoc, YamlFile
from ..base import GITOPS_FILES, GITOPS_MARKERS, Manager, PhaseStep, ScanContext
from ..helm.links import chart_services, release_links
from ..helm.redis import redis_values
from ..helm.release import Release, resolve
from ..helm.unreadable import mark_unreadable
from .charts import not_in_repository

YAML_EXT = (".yaml", ".yml")
KFILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MARKERS, SEARCHED = GITOPS_MARKERS, GITOPS_FILES  # see there


@record
class Declared:
    """A release found in the repository, before resolution."""

    path: str  # target path (display form)
    formed: str
    release: Release
    files: set[str] = field(default_factory=set)
    facts: list[Unreadable] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # values files that are not YAML
    chart_pos: tuple[int, int] = (0, 0)  # line, col of the chart reference in `path`
    # The Helm release's name and namespace, when the object says them (installations:
    # how its chart names the LiteLLM Service, the namespace a short URL resolves in).
    release_name: str = ""
    namespace: str = ""


def objects(ctx: ScanContext, markers: tuple[bytes, ...]) -> Iterator[tuple[str, YamlDoc, dict]]:
    """(file, document, data) of every Kubernetes-looking YAML document in files whose
    bytes contain one of `markers` (a cheap filter before parsing). Files inside a Helm
    chart (templates are not YAML) are skipped."""
    charts = tuple(posixpath.dirname(f) + "/" for f in ctx.source.named("Chart.yaml"))
    for rel in ctx.source.containing(markers, SEARCHED):
        if any(rel.startswith(c) or c == "/" for c in charts):
            # A chart's file: its templates are YAML only once rendered (templated.py).
            found = _templated(ctx, rel, charts)
            if found is not None:
                for doc in found.documents:
                    data = doc.data
                    if isinstance(data, dict) and "kind" in data and "apiVersion" in data:
                        yield rel, doc, data
            continue
        if posixpath.basename(rel) in KFILES:
            try:
                yf = ctx.source.yaml(rel)
            except InputError:
                continue  # the Kustomize manager reports it, as its root's error
        else:
            # Not YAML (a templated Application of an app-of-apps folder without
            # Chart.yaml): skipped with a notice; nothing it says can be read.
            found = ctx.source.yaml_or_skip(rel)
            if found is None:
                continue
            yf = found
        for doc in yf.documents:
            data = doc.data
            if isinstance(data, dict) and "kind" in data and "apiVersion" in data:
                yield rel, doc, data


def _templated(ctx: ScanContext, rel: str, charts: tuple[str, ...]) -> YamlFile | None:
    """A GitOps object in a chart's templates, with its template actions replaced; the
    expressions are kept in the scan's memo for the targets it declares."""
    from .templated import is_template, placeholders

    chart = is_template(rel, charts)
    if chart is None:
        return None
    try:
        made = placeholders(ctx.source.read(rel))
        if made is None:
            return None
        ctx.source.as_yaml[rel] = made[0]
        found = ctx.source.yaml(rel)
        for doc in found.documents:
            doc.data  # noqa: B018 (built here: what does not read stays unread)
    except InputError:
        ctx.source.as_yaml.pop(rel, None)
        return None
    ctx.memo.setdefault("templated", {})[rel] = (chart, made[1])
    return found


def find_object(
    ctx: ScanContext, group: str, kind: str, name: str, markers: tuple[bytes, ...]
) -> tuple[str, YamlDoc, dict] | None:
    for rel, doc, data in objects(ctx, markers):
        meta = data.get("metadata") or {}
        if (
            str(data.get("apiVersion", "")).startswith(group)
            and data.get("kind") == kind
            and isinstance(meta, dict)
            and meta.get("name") == name
        ):
            return rel, doc, data
    return None


class GitOpsManager(Manager, abc.ABC):
    kind = "gitops"

    @abc.abstractmethod
    def declared(self, ctx: ScanContext) -> list[Declared]:
        """The LiteMaaS releases this kind of object declares in the repository."""

    def _declared(self, ctx: ScanContext) -> list[Declared]:
        # Claimed first, extracted later: found once per scan (a context reads one source).
        found: list[Declared] | None = ctx.memo.get(self.kind)
        if found is None:
            found = ctx.memo[self.kind] = self.declared(ctx)
        return found

    def claim(self, ctx: ScanContext) -> set[str]:
        out: set[str] = set()
        for d in self._declared(ctx):
            out |= d.files
        return out

    def extract(self, ctx: ScanContext) -> list[Target]:
        targets = []
        seen: dict[str, int] = {}
        for d in self._declared(ctx):
            n = seen.get(d.path, 0)
            seen[d.path] = n + 1
            path = d.path if n == 0 else f"{d.path}#{n + 1}"
            target = Target(kind=self.kind, path=path, formed=d.formed, data=d.release)
            target.facts.extend(d.facts)
            resolve(ctx, target, d.release)
            for rel, (chart, exprs) in ctx.memo.get("templated", {}).items():
                if rel in d.files:
                    from .templated import restore, unknown_where_templated

                    unknown_where_templated(target, ctx.source.display(rel), chart, exprs)
                    target.formed = restore(target.formed, exprs)
                    d.release.deploy = restore(d.release.deploy, exprs)
                    d.files.add(posixpath.join(chart, "values.yaml"))
            target.facts.extend(release_links(ctx, target, d.release, d.namespace))
            target.facts.extend(redis_values(ctx, target, d.release))
            at = (d.path, *d.chart_pos)
            target.facts.extend(
                chart_services(target, d.release, d.release_name, d.namespace, at)
            )
            not_in_repository(ctx, target, d.release.chart, d.path, *d.chart_pos)
            if d.broken:
                mark_unreadable(ctx, target, d.broken)
            target.files = sorted(d.files | {la.file for la in d.release.layers if la.file})
            targets.append(target)
        return targets

    def changes(self, ctx: ScanContext, target: Target, step: PhaseStep) -> list[Change]:
        # (plan only: not loaded by lint's pre-commit run)
        from ..helm.update import changes
        from .anchors import shared_edits

        planned = changes(ctx, target, target.data_as(Release), step)
        out: list[Change] = []
        for rel in dict.fromkeys(c.file for c in planned):
            mine = [c for c in planned if c.file == rel]
            if ctx.source.exists(rel):
                docs = ctx.source.yaml(rel).documents
                mine = shared_edits(docs, mine + _digests(docs, mine))
            out.extend(mine)
        return out


def _digests(docs: list[YamlDoc], planned: list[Change]) -> list[Change]:
    """A tag that moves beside a `digest:` (app-template renders `repository:tag@digest`)
    would still pull the old image: the digest is emptied with it."""
    out = []
    for c in planned:
        if c.span is not None or c.edit is not None or not c.path or c.path[-1] != "tag":
            continue
        if c.doc >= len(docs):
            continue
        tag = docs[c.doc].find(c.path)
        digest = docs[c.doc].find(c.path[:-1] + ("digest",))
        if tag is None or digest is None or digest.kind != "scalar" or not digest.value:
            continue
        if tag.kind == "scalar" and tag.value == c.value:
            continue  # pinned where it is: the digest still names that image
        out.append(
            Change(
                c.file,
                c.doc,
                c.path[:-1] + ("digest",),
                "",
                c.component,
                f"{c.component}: the digest of the old image goes with its tag",
            )
        )
    return out

    def deploy_command(self, target: Target, phase_file: str | None) -> str:
        rel = target.data_as(Release)
        return rel.deploy
