"""A small kustomize (v5) that computes only what decides container images (and a custom
resource's `spec.image`, such as LiteLLMProxy's), and where.

It follows kustomize's order: a kustomization's `resources` (and legacy `bases`) are
built first, each directory by its own kustomization; then its `components`, each of
which adds its resources and runs its transformers over everything accumulated; then its
own transformers in kustomize's builtin order (strategic-merge patches, `patches`, name
prefix/suffix and labels, JSON 6902 patches, `images:`). Every image string carries the
place that wrote it (a manifest line, a patch) and the `images:` entries that changed it,
so a scan can say where each image is decided and a plan can edit exactly that place.

Nothing outside the source root and nothing remote is read; those are reported.

This module holds the resources, the walk through kustomizations (Builder) and which
kustomizations are roots; Builder's patch transformers are in patches.py, the tracked
image strings and the `images:` transformer in images.py.
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Iterator

from ...errors import InputError
from ...facts import Cause, Fact, Unreadable
from ...imageref import ImageRef, ImageRefError
from ...model import Severity, YamlPath
from ...records import field, record
from ...rules import Rules
from ...source import Source
from ...yamlio import YamlDoc, YamlFile
from ..base import joined
from .images import (
    Entry,
    ImagesTransformer,
    Img,
    Origin,
    container_lists,
    custom_spec,
    tag_images,
)
from .names import KFILES, is_remote, kustomization_file
from .patches import PatchTransformers
from .plugins import PLUGIN_KEYS, PluginConfigs
from .roots import refused_by

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any


@record
class Resource:
    kind: str
    api: str
    names: list[str]  # original first, then as prefixes/suffixes changed it
    namespace: str | None
    labels: dict[str, str]
    data: dict[str, Any]
    file: str
    doc: int

    @property
    def name(self) -> str:
        return self.names[-1]

    @property
    def custom(self) -> bool:
        """A custom resource that runs its `spec.image` (see custom_spec)."""
        return custom_spec(self.data) is not None

    def images(self) -> Iterator[tuple[YamlPath, dict[str, Any]]]:
        """The containers (what kustomize's `images:` transforms)."""
        for path, items in container_lists(self.data):
            for i, item in enumerate(items):
                if isinstance(item, dict) and isinstance(item.get("image"), str):
                    yield path + (i,), item

    def component_images(self, rules: Rules) -> Iterator[tuple[str, YamlPath, dict[str, Any]]]:
        """(component, path, container) for each container whose image a component of the
        rules recognises, and (component, ("spec",), spec) for a custom resource's
        `spec.image`; images that do not parse belong to no component."""
        found = list(self.images())
        spec = custom_spec(self.data)
        if spec is not None:
            found.append((("spec",), spec))
        for path, item in found:
            try:
                ref = ImageRef.parse(str(item["image"]))
            except ImageRefError:
                continue
            comp = rules.component_of(ref)
            if comp is not None:
                yield comp, path, item


@record(slots=True)
class Level:
    """What one kustomization (or component) contributed, for findings and phase files."""

    file: str
    entries: list[Entry] = field(default_factory=list)
    used: set[int] = field(default_factory=set)
    remote: bool = False


@record
class Build:
    root: str
    resources: list[Resource] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)  # what the build saw (facts.py)
    files: set[str] = field(default_factory=set)  # every file read
    levels: list[Level] = field(default_factory=list)
    # remote resources and components: (kustomization, node, entry)
    remote: list[tuple[str, Any, str]] = field(default_factory=list)
    # resources a kustomization lists that are not there: (kustomization, node, entry)
    missing: list[tuple[str, Any, str]] = field(default_factory=list)
    refused: bool = False  # kustomize refuses this build: it renders nothing
    refusal: str = ""  # why (the first refusal, as kustomize stops at it)
    # builtin plugins that may change images: (what, the strings of their config)
    unmodelled: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)  # files it reads that are not YAML


class Builder(PatchTransformers, ImagesTransformer, PluginConfigs):
    def __init__(self, src: Source, root: str) -> None:
        self.src = src
        self.out = Build(root)

    # -- facts ----------------------------------------------------------------------

    def _unreadable(
        self,
        what: str,
        file: str = "",
        node: Any = None,
        severity: Severity = Severity.WARNING,
        cause: str = "",
    ) -> None:
        line, col = (node.line, node.col) if node is not None else (0, 0)
        shown = self.src.display(file) if file else ""
        self.out.facts.append(Unreadable(shown, line, col, what, severity, cause))

    def _refuse(
        self, what: str, file: str = "", node: Any = None, cause: str = Cause.REFUSED_BUILD
    ) -> None:
        """kustomize refuses the whole build: the target is this error (LU009), and what
        the files would deploy is unknown. The walk goes on, to find what they imply."""
        self._unreadable(what, file, node, Severity.ERROR, cause)
        if not self.out.refused:
            self.out.refused, self.out.refusal = True, what

    def _yaml(self, rel: str) -> YamlFile:
        self.out.files.add(rel)
        return self.src.yaml(rel)

    # -- kustomizations -------------------------------------------------------------

    def run(self) -> Build:
        try:
            self.out.resources = self.build_dir(self.out.root, (), None)
        except InputError as exc:
            # A file the build reads is not YAML (a Go template, a binary file):
            # kustomize refuses the whole build, so this root renders nothing.
            self.out.facts.append(
                Unreadable(
                    exc.file,
                    exc.line,
                    exc.col,
                    f"{exc.message}: kustomize cannot build "
                    f"{self.src.display(self.out.root)} with it",
                    Severity.ERROR,
                    Cause.NOT_YAML,
                )
            )
            self.out.unparsed = [r for r in self.out.files if not self._parses(r)]
            self.out.refused = True
            self.out.resources = []
        return self.out

    def _parses(self, rel: str) -> bool:
        try:
            self.src.yaml(rel)
        except InputError:
            return False
        return True

    def _locate(self, folder: str, entry: str, kfile: str, node: Any) -> str | None:
        """The source-relative path an entry names, or None (reported)."""
        rel = joined(folder, entry)
        if rel == ".." or rel.startswith("../") or entry.startswith("/"):
            self._unreadable(
                f"{entry} is outside the repository root: not read; the images it "
                "carries are unknown",
                kfile,
                node,
            )
            return None
        return rel

    def build_dir(
        self,
        folder: str,
        chain: tuple[str, ...],
        via: tuple[str, Any] | None,
        accumulated: list[Resource] | None = None,
        component: bool = False,
    ) -> list[Resource]:
        kfile = kustomization_file(self.src, folder)
        if kfile is None:
            where, node = via if via else ("", None)
            shown = self.src.display(folder)
            if self.src.is_dir(folder):
                why = f"{shown}: no kustomization.yaml there: kustomize refuses the build"
            else:
                why = (
                    f"{shown}: no such folder: kustomize refuses the build (must build at "
                    "directory: not a valid directory)"
                )
            self._refuse(why, where, node, Cause.MISSING_PATH)
            return list(accumulated or [])
        if folder in chain:
            where, node = via if via else ("", None)
            cycle = " -> ".join(self.src.display(c) for c in (*chain, folder))
            self._refuse(f"kustomization cycle: {cycle} (cycle detected)", where, node)
            return list(accumulated or [])
        chain = (*chain, folder)
        doc = self._yaml(kfile).documents[0]
        data = doc.data if isinstance(doc.data, dict) else {}
        if data.get("kind") == "Component" and not component:
            self._unreadable(
                f"{self.src.display(kfile)} is a Component; "
                "list it under components:, not resources:",
                kfile,
            )
        level = Level(kfile)
        self.out.levels.append(level)
        resources = list(accumulated or [])
        own: list[Resource] = []
        for key in ("resources", "bases"):
            items = data.get(key) or []
            for i, entry in enumerate(items if isinstance(items, list) else []):
                if not isinstance(entry, str):
                    continue
                node = doc.find((key, i))
                if is_remote(entry):
                    level.remote = True
                    self.out.remote.append((kfile, node, entry))
                    self._unreadable(
                        f"remote resource {entry}: not fetched; images it carries are "
                        "unknown unless a local images: entry decides them",
                        kfile,
                        node,
                        cause=Cause.REMOTE_RESOURCE,
                    )
                    continue
                rel = self._locate(folder, entry, kfile, node)
                if rel is None:
                    continue
                if self.src.exists(rel):
                    if posixpath.dirname(rel) != folder and not rel.startswith(
                        folder + "/" if folder else ""
                    ):
                        self._unreadable(
                            f"{entry}: kustomize refuses files outside the kustomization's folder",
                            kfile,
                            node,
                            Severity.ERROR,
                        )
                        continue
                    own.extend(self.load_file(rel))
                elif self.src.is_dir(rel):
                    visited = refused_by(rel, chain)
                    if visited is not None and visited != rel:
                        self._refuse(
                            f"{entry}: kustomize refuses the build (cycle detected: "
                            f"{self.src.display(rel)} contains "
                            f"{self.src.display(visited)}, which it is building)",
                            kfile,
                            node,
                        )
                        # Read on: what the folder holds is what the build implies.
                    own.extend(self.build_dir(rel, chain, (kfile, node)))
                else:
                    self.out.missing.append((kfile, node, rel))
                    self._unreadable(
                        f"{entry}: no such file or folder",
                        kfile,
                        node,
                        Severity.ERROR,
                    )
        resources.extend(own)
        comps = data.get("components") or []
        for i, entry in enumerate(comps if isinstance(comps, list) else []):
            node = doc.find(("components", i))
            if not isinstance(entry, str):
                continue
            if is_remote(entry):
                level.remote = True
                self.out.remote.append((kfile, node, entry))
                self._unreadable(
                    f"remote component {entry}: not fetched; images it carries are unknown",
                    kfile,
                    node,
                    cause=Cause.REMOTE_RESOURCE,
                )
                continue
            rel = self._locate(folder, entry, kfile, node)
            if rel is not None:
                resources = self.build_dir(rel, chain, (kfile, node), resources, component=True)
        for key in PLUGIN_KEYS:
            if data.get(key) and not self._plugins(folder, kfile, doc, key, data[key]):
                data = {k: v for k, v in data.items() if k != key}  # said: refused
        for key in ("helmCharts", "transformers", "generators", "replacements"):
            if data.get(key) and self._mentions_images(data.get(key)):
                self._unreadable(
                    f"{key}: not modelled by this tool; it may change images",
                    kfile,
                    doc.find((key,)),
                )
        self.transform(folder, kfile, doc, data, resources, level)
        return resources

    def _mentions_images(self, value: Any) -> bool:
        return "image" in repr(value).lower() or "helm" in repr(value).lower()

    def load_file(self, rel: str) -> list[Resource]:
        out = []
        yf = self._yaml(rel)
        for doc in yf.documents:
            data = doc.data
            if not isinstance(data, dict) or "kind" not in data:
                continue
            out.append(self._resource(rel, doc, data))
        return out

    def _resource(self, rel: str, doc: YamlDoc, data: dict[str, Any]) -> Resource:
        data = copy.deepcopy(data)
        raw_meta = data.get("metadata")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}

        def make(path: YamlPath, value: str) -> Img:
            node = doc.find(path)
            line, col = (node.line, node.col) if node is not None else (0, 0)
            return Img(value, Origin(rel, doc.index, path, line, col, value, "manifest"))

        tag_images(data, make)
        spec = custom_spec(data)
        if spec is not None:
            spec["image"] = make(("spec", "image"), spec["image"])
        raw_labels = meta.get("labels")
        labels: dict[str, Any] = raw_labels if isinstance(raw_labels, dict) else {}
        return Resource(
            str(data.get("kind")),
            str(data.get("apiVersion", "")),
            [str(meta.get("name", ""))],
            meta.get("namespace"),
            {str(k): str(v) for k, v in labels.items()},
            data,
            rel,
            doc.index,
        )

    # -- transformers ---------------------------------------------------------------

    def transform(
        self,
        folder: str,
        kfile: str,
        doc: YamlDoc,
        data: dict[str, Any],
        resources: list[Resource],
        level: Level,
    ) -> None:
        psm = data.get("patchesStrategicMerge") or []
        for i, entry in enumerate(psm if isinstance(psm, list) else []):
            for pdata, make in self._patch_docs(
                folder, kfile, doc, ("patchesStrategicMerge", i), entry
            ):
                if isinstance(pdata, dict):
                    self._smp(
                        pdata, make, resources, None, kfile, doc.find(("patchesStrategicMerge", i))
                    )
        patches = data.get("patches") or []
        for i, entry in enumerate(patches if isinstance(patches, list) else []):
            if not isinstance(entry, dict):
                continue
            at = ("patches", i)
            content = entry.get("path") if "path" in entry else entry.get("patch")
            if not isinstance(content, str):
                continue
            field_at = at + (("path",) if "path" in entry else ("patch",))
            target = entry.get("target") if isinstance(entry.get("target"), dict) else None
            for pdata, make in self._patch_docs(
                folder, kfile, doc, field_at, content, is_path="path" in entry
            ):
                if isinstance(pdata, list):
                    if target is None:
                        continue
                    for res in self._select(resources, target, kfile, doc.find(at)):
                        self._json6902(pdata, make, res, kfile, doc.find(at))
                elif isinstance(pdata, dict):
                    self._smp(pdata, make, resources, target, kfile, doc.find(at))
        prefix = str(data.get("namePrefix") or "")
        suffix = str(data.get("nameSuffix") or "")
        ns = data.get("namespace")
        common = data.get("commonLabels")
        extra: dict[str, Any] = dict(common) if isinstance(common, dict) else {}
        for item in data.get("labels") or []:
            if isinstance(item, dict) and isinstance(item.get("pairs"), dict):
                extra.update(item["pairs"])
        for res in resources:
            if prefix or suffix:
                res.names.append(prefix + res.name + suffix)
            if ns:
                res.namespace = str(ns)
            res.labels.update({str(k): str(v) for k, v in extra.items()})
        pj = data.get("patchesJson6902") or []
        for i, entry in enumerate(pj if isinstance(pj, list) else []):
            if not isinstance(entry, dict) or not isinstance(entry.get("target"), dict):
                continue
            content = entry.get("path") if "path" in entry else entry.get("patch")
            if not isinstance(content, str):
                continue
            field_at = ("patchesJson6902", i, "path" if "path" in entry else "patch")
            for pdata, make in self._patch_docs(
                folder, kfile, doc, field_at, content, is_path="path" in entry
            ):
                if isinstance(pdata, list):
                    for res in self._select(resources, entry["target"], kfile, doc.find(field_at)):
                        self._json6902(pdata, make, res, kfile, doc.find(field_at))
        self._images(kfile, doc, data, resources, level)


def build_roots(
    src: Source, config: dict[str, Any] | None = None, gitops: Source | None = None
) -> tuple[list[str], dict[str, str]]:
    """Kustomization folders that no other kustomization uses (and are not components),
    those deployed although another one builds on them (see roots.py), and every
    kustomization folder -> its file. `gitops`: the view whose Argo CD and Flux objects
    are read (the repository as it is, when `src` adds generated files to it)."""
    from .roots import deployed

    folders: dict[str, str] = {}
    for rel in src.files():
        if posixpath.basename(rel) in KFILES:
            folder = posixpath.dirname(rel)
            folders.setdefault(folder, rel)
    used: set[str] = set()
    edges: dict[str, list[str]] = {}
    components: set[str] = set()
    for folder, kfile in folders.items():
        try:
            docs = src.yaml(kfile).documents
        except InputError:
            continue  # a root of its own, whose build reports the error
        data = docs[0].data if docs else None
        if not isinstance(data, dict):
            continue
        if data.get("kind") == "Component":
            components.add(folder)
        for key in ("resources", "bases", "components"):
            items = data.get(key) or []
            for entry in items if isinstance(items, list) else []:
                if isinstance(entry, str) and not is_remote(entry):
                    rel = joined(folder, entry)
                    if rel in folders and refused_by(rel, (folder,)):
                        continue  # kustomize refuses it (cycle detected): not a use
                    used.add(rel)
                    edges.setdefault(folder, []).append(rel)
    also = deployed(gitops or src, folders, used, config) - components
    roots = sorted(f for f in folders if (f not in used or f in also) and f not in components)
    # Folders that only a cycle uses are built too, so that the cycle is reported.
    reached = set(roots)
    todo = list(roots)
    while todo:
        here = todo.pop()
        for nxt in edges.get(here, ()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    roots += sorted(f for f in folders if f not in reached and f not in components)
    return sorted(roots), folders
