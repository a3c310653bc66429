"""A small kustomize (v5) that computes only what decides container images, and where.

It follows kustomize's order: a kustomization's `resources` (and legacy `bases`) are
built first, each directory by its own kustomization; then its `components`, each of
which adds its resources and runs its transformers over everything accumulated; then its
own transformers in kustomize's builtin order (strategic-merge patches, `patches`, name
prefix/suffix and labels, JSON 6902 patches, `images:`). Every image string carries the
place that wrote it (a manifest line, a patch) and the `images:` entries that changed it,
so a scan can say where each image is decided and a plan can edit exactly that place.

Nothing outside the source root and nothing remote is read; those are reported.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Callable, Iterator

from ...errors import InputError
from ...facts import Cause, DeadImagesEntry, Fact, UnquotedTag, Unreadable
from ...imageref import ImageRef, ImageRefError
from ...model import Severity, YamlPath, format_path
from ...records import field, record
from ...rules import Rules
from ...source import Source
from ...yamlio import YamlDoc, YamlFile
from .names import KFILES, is_remote, kustomization_file, split
from .roots import refused_by

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

CONTAINER_KEYS = ("containers", "initContainers")

# kustomize's image.IsImageMatched: the entry name is used as a regular expression.
_TAG_RE = r"(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?"


# ------------------------------------------------------------------ image strings


@record(frozen=True, slots=True)
class Origin:
    """Where an image string was written."""

    file: str  # relative to the source root
    doc: int
    path: YamlPath  # of the scalar in that document; () for text inside a string
    line: int
    col: int
    text: str  # the image string as written there
    what: str  # "manifest" | "patch"
    span: tuple[int, int] | None = None  # for text inside an inline patch: chars in file

    @property
    def editable(self) -> bool:
        return bool(self.path) or self.span is not None


@record(frozen=True, slots=True)
class Entry:
    """One `images:` entry of one kustomization."""

    file: str
    index: int
    name: str
    new_name: str | None
    new_tag: str | None
    digest: str | None
    at: dict[str, tuple[int, int]]  # field -> (line, col)
    tag_is_str: bool = True

    @property
    def sets_tag(self) -> bool:
        return bool(self.new_tag) or bool(self.digest)

    def matches(self, image: str) -> bool:
        try:
            return re.fullmatch(self.name + _TAG_RE, image) is not None
        except re.error:
            return False

    def apply(self, image: str) -> str:
        name, tag, digest = split(image)
        if self.new_name:
            name = self.new_name
        if self.new_tag and self.digest:
            tag, digest = self.new_tag, self.digest
        elif self.new_tag:
            tag, digest = self.new_tag, ""
        elif self.digest:
            tag, digest = "", self.digest
        return name + (":" + tag if tag else "") + ("@" + digest if digest else "")


class Img(str):
    """An image string that remembers where it was written and what changed it."""

    origin: Origin
    applied: tuple[Entry, ...]

    def __new__(cls, value: str, origin: Origin, applied: tuple[Entry, ...] = ()) -> Img:
        self = super().__new__(cls, value)
        self.origin = origin
        self.applied = applied
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Img:
        return self

    @property
    def tag_entry(self) -> Entry | None:
        """The last `images:` entry that decided the tag or digest, if any."""
        return _tag_entry(self.applied)

    def tracked(self) -> Tracked:
        """Where it was written and what changed it, without the string (what a target
        keeps: a str subclass carries a whole attribute dict)."""
        return Tracked(self.origin, self.applied)


@record(frozen=True, slots=True)
class Tracked:
    origin: Origin
    applied: tuple[Entry, ...]

    @property
    def tag_entry(self) -> Entry | None:
        """The last `images:` entry that decided the tag or digest, if any."""
        return _tag_entry(self.applied)


def _tag_entry(applied: tuple[Entry, ...]) -> Entry | None:
    for entry in reversed(applied):
        if entry.sets_tag:
            return entry
    return None


def container_lists(data: Any, path: YamlPath = ()) -> Iterator[tuple[YamlPath, list[Any]]]:
    """Every `containers` / `initContainers` list anywhere (kustomize's legacy images
    filter updates them in every kind)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in CONTAINER_KEYS and isinstance(value, list):
                yield path + (key,), value
            else:
                yield from container_lists(value, path + (str(key),))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from container_lists(value, path + (i,))


# API groups whose objects name an image they do not run (Flux image automation, Argo CD
# Image Updater): their `spec.image` is a repository to watch, not a deployment.
WATCHING_GROUPS = ("image.toolkit.fluxcd.io", "argocd-image-updater.argoproj.io")
# Objects whose spec describes something else's pods (a chart's values, a build).
NOT_DEPLOYING = frozenset({"HelmRelease", "Application", "ApplicationSet", "Kustomization"})


def custom_spec(data: Any) -> dict[str, Any] | None:
    """The spec of a custom resource that runs the image its `spec.image` names (the
    LiteLLM operator's LiteLLMProxy), or None. kustomize's `images:` leaves that field
    alone: only containers are its business."""
    if not isinstance(data, dict) or data.get("kind") in NOT_DEPLOYING:
        return None
    group = str(data.get("apiVersion", "")).rpartition("/")[0]
    if "." not in group or group in WATCHING_GROUPS:
        return None  # built-in kinds run containers, never a `spec.image`
    spec = data.get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("image"), str):
        return spec
    return None


def tag_images(data: Any, make: Callable[[YamlPath, str], Img | None], base: YamlPath = ()) -> None:
    """Replace the image strings of every container below `data` by tracked ones."""
    for path, items in container_lists(data):
        for i, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("image"), str):
                if not isinstance(item["image"], Img):
                    img = make(base + path + (i, "image"), item["image"])
                    if img is not None:
                        item["image"] = img


# ------------------------------------------------------------------ resources


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
    remote: list[str] = field(default_factory=list)
    # resources a kustomization lists that are not there: (kustomization, node, entry)
    missing: list[tuple[str, Any, str]] = field(default_factory=list)
    refused: bool = False  # kustomize refuses this build: it renders nothing
    unparsed: list[str] = field(default_factory=list)  # files it reads that are not YAML


class Builder:
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
        rel = (
            posixpath.normpath(posixpath.join(folder, entry))
            if folder
            else posixpath.normpath(entry)
        )
        if rel == "..":
            rel = "../"
        if rel.startswith("../") or rel == ".." or entry.startswith("/"):
            self._unreadable(
                f"{entry} is outside the repository root: not read; the images it "
                "carries are unknown",
                kfile,
                node,
            )
            return None
        return "" if rel == "." else rel

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
            self._unreadable(
                f"{self.src.display(folder)}: no kustomization.yaml there",
                where,
                node,
            )
            return list(accumulated or [])
        if folder in chain:
            where, node = via if via else ("", None)
            cycle = " -> ".join(self.src.display(c) for c in (*chain, folder))
            self._unreadable(f"kustomization cycle: {cycle}", where, node, Severity.ERROR)
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
                    self.out.remote.append(entry)
                    self._unreadable(
                        f"remote resource {entry}: not fetched; images it carries are "
                        "unknown unless a local images: entry decides them",
                        kfile,
                        node,
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
                        self.out.refused = True
                        self._unreadable(
                            f"{entry}: kustomize refuses the build (cycle detected: "
                            f"{self.src.display(rel)} contains "
                            f"{self.src.display(visited)}, which it is building)",
                            kfile,
                            node,
                            Severity.ERROR,
                            Cause.REFUSED_BUILD,
                        )
                        continue
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
                self.out.remote.append(entry)
                self._unreadable(f"remote component {entry}: not fetched", kfile, node)
                continue
            rel = self._locate(folder, entry, kfile, node)
            if rel is not None:
                resources = self.build_dir(rel, chain, (kfile, node), resources, component=True)
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

    # -- images: --------------------------------------------------------------------

    def _images(
        self,
        kfile: str,
        doc: YamlDoc,
        data: dict[str, Any],
        resources: list[Resource],
        level: Level,
    ) -> None:
        items = data.get("images") or []
        for i, raw in enumerate(items if isinstance(items, list) else []):
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                continue
            at: dict[str, tuple[int, int]] = {}
            for key in ("name", "newName", "newTag", "digest"):
                node = doc.find(("images", i, key))
                if node is not None:
                    at[key] = (node.line, node.col)
            tag_node = doc.find(("images", i, "newTag"))
            tag_is_str = (
                tag_node is None
                or tag_node.kind != "scalar"
                or tag_node.tag.endswith(":str")
                or tag_node.tag.endswith(":null")
            )
            if not tag_is_str and tag_node is not None:
                self.out.facts.append(
                    UnquotedTag(
                        self.src.display(kfile),
                        tag_node.line,
                        tag_node.col,
                        f"images[{i}].newTag",
                        str(tag_node.value),
                        None,
                    )
                )
            entry = Entry(
                kfile,
                i,
                raw["name"],
                _str(raw.get("newName")),
                _str(raw.get("newTag")),
                _str(raw.get("digest")),
                at,
                tag_is_str,
            )
            level.entries.append(entry)
            for res in resources:
                for _path, item in res.images():
                    image = item["image"]
                    if not entry.matches(image):
                        continue
                    level.used.add(i)
                    new = entry.apply(image)
                    if isinstance(image, Img):
                        item["image"] = Img(new, image.origin, (*image.applied, entry))
                    else:
                        item["image"] = new
        seen = sorted({split(item["image"])[0] for res in resources for _p, item in res.images()})
        for entry in level.entries:
            if entry.index in level.used or level.remote:
                continue  # with a remote resource, the UNRESOLVED finding says it all
            node = doc.find(("images", entry.index, "name"))
            import difflib  # for the message only

            close = difflib.get_close_matches(entry.name, seen, n=3, cutoff=0.6)
            base = entry.name.rsplit("/", 1)[-1]
            close += [s for s in seen if s.rsplit("/", 1)[-1] == base and s not in close]
            line, col = (node.line, node.col) if node is not None else (0, 0)
            self.out.facts.append(
                DeadImagesEntry(
                    self.src.display(kfile), line, col, entry.index, entry.name, tuple(close)
                )
            )

    # -- patches --------------------------------------------------------------------

    def _patch_docs(
        self,
        folder: str,
        kfile: str,
        kdoc: YamlDoc,
        at: YamlPath,
        content: Any,
        is_path: bool | None = None,
    ) -> Iterator[tuple[Any, Callable[[YamlPath, str], Img | None]]]:
        """Patch documents with a maker of tracked images for their image strings."""
        if not isinstance(content, str):
            return
        node = kdoc.find(at)
        if is_path is None:  # patchesStrategicMerge: a file if one exists, else inline
            rel = (
                posixpath.normpath(posixpath.join(folder, content))
                if folder
                else posixpath.normpath(content)
            )
            is_path = "\n" not in content and self.src.exists(rel)
        if is_path:
            found = self._locate(folder, content, kfile, node)
            if found is None:
                return
            rel = found
            if not self.src.exists(rel):
                self._unreadable(f"patch {content}: no such file", kfile, node, Severity.ERROR)
                return
            yf = self._yaml(rel)
            for pdoc in yf.documents:
                yield pdoc.data, self._maker(rel, pdoc, None)
            return
        try:
            yf = YamlFile.parse(
                content.encode("utf-8"), f"{self.src.display(kfile)} {format_path(at)}"
            )
        except InputError as exc:
            self._unreadable(
                f"inline patch does not parse: {exc.message}",
                kfile,
                node,
                Severity.ERROR,
            )
            return
        for pdoc in yf.documents:
            yield pdoc.data, self._maker(kfile, pdoc, (kdoc, node, yf))

    def _maker(
        self, rel: str, pdoc: YamlDoc, inline: tuple[YamlDoc, Any, YamlFile] | None
    ) -> Callable[[YamlPath, str], Img | None]:
        def make(path: YamlPath, value: str) -> Img | None:
            node = pdoc.find(path)
            if inline is None:
                line, col = (node.line, node.col) if node is not None else (0, 0)
                return Img(value, Origin(rel, pdoc.index, path, line, col, value, "patch"))
            kdoc, knode, yf = inline
            span = _inline_span(self.src, rel, knode, yf, node, value)
            if span is None:
                return Img(
                    value,
                    Origin(
                        rel,
                        kdoc.index,
                        (),
                        knode.line if knode else 0,
                        knode.col if knode else 0,
                        value,
                        "patch",
                    ),
                )
            start, line, col = span
            return Img(
                value,
                Origin(rel, kdoc.index, (), line, col, value, "patch", (start, start + len(value))),
            )

        return make

    def _matches_target(self, res: Resource, sel: dict[str, Any]) -> bool:
        def rx(pattern: Any, value: str) -> bool:
            try:
                return re.fullmatch(str(pattern), value) is not None
            except re.error:
                return str(pattern) == value

        if "kind" in sel and not rx(sel["kind"], res.kind):
            return False
        if "name" in sel and not any(rx(sel["name"], n) for n in res.names):
            return False
        if "namespace" in sel and not rx(sel["namespace"], str(res.namespace or "")):
            return False
        group, _, version = res.api.rpartition("/")
        if "group" in sel and not rx(sel["group"], group):
            return False
        if "version" in sel and not rx(sel["version"], version):
            return False
        selector = sel.get("labelSelector")
        if selector:
            for part in str(selector).split(","):
                k, eq, v = part.strip().partition("=")
                if eq and res.labels.get(k.rstrip("!=").strip()) != v.lstrip("=").strip():
                    return False
                if not eq and k.strip() not in res.labels:
                    return False
        return True

    def _select(
        self, resources: list[Resource], sel: dict[str, Any], kfile: str, node: Any
    ) -> list[Resource]:
        return [r for r in resources if self._matches_target(r, sel)]

    def _smp(
        self,
        patch: dict[str, Any],
        make: Callable[[YamlPath, str], Img | None],
        resources: list[Resource],
        target: dict[str, Any] | None,
        kfile: str,
        node: Any,
    ) -> None:
        raw_spec = patch.get("spec")
        spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
        sets_spec_image = isinstance(spec.get("image"), str)
        if not sets_spec_image and not any(True for _ in container_lists(patch)):
            return  # sets no image: nothing this tool follows
        patch = copy.deepcopy(patch)
        tag_images(patch, make)
        if sets_spec_image:  # a custom resource's image (a Deployment has no spec.image)
            patch["spec"]["image"] = make(("spec", "image"), spec["image"]) or spec["image"]
        if target is not None:
            chosen = self._select(resources, target, kfile, node)
        else:
            meta = patch.get("metadata") or {}
            name, kind = meta.get("name"), patch.get("kind")
            chosen = [
                r
                for r in resources
                if r.kind == kind
                and name in r.names
                and (not meta.get("namespace") or meta.get("namespace") == r.namespace)
            ]
            if not chosen:
                self._unreadable(
                    f"patch for {kind}/{name} matches no resource",
                    kfile,
                    node,
                    Severity.ERROR,
                )
        for res in chosen:
            body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind", "metadata")}
            _merge(res.data, body)

    def _json6902(
        self,
        ops: list[Any],
        make: Callable[[YamlPath, str], Img | None],
        res: Resource,
        kfile: str,
        node: Any,
    ) -> None:
        for i, op in enumerate(ops):
            if not isinstance(op, dict) or not isinstance(op.get("path"), str):
                continue
            kind = op.get("op")
            parts = _pointer(op["path"])
            custom = parts == ["spec", "image"] and res.custom
            if (
                not custom
                and not any(p in CONTAINER_KEYS for p in parts)
                and not _is_prefix_of_containers(parts, res.data)
            ):
                continue
            value = copy.deepcopy(op.get("value"))
            if kind in ("add", "replace"):
                value = _tag_value(value, parts, _under(make, (i, "value")))
                if not _pointer_set(res.data, parts, value, kind == "add"):
                    self._unreadable(
                        f"JSON patch op {i} ({kind} {op['path']}) "
                        f"does not apply to {res.kind}/{res.name}",
                        kfile,
                        node,
                        Severity.ERROR,
                    )
            elif kind == "remove":
                _pointer_remove(res.data, parts)
            elif kind in ("copy", "move"):
                self._unreadable(
                    f"JSON patch op {kind} on containers: not modelled",
                    kfile,
                    node,
                )


# ------------------------------------------------------------------ helpers


def _str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _under(
    make: Callable[[YamlPath, str], Img | None], prefix: YamlPath
) -> Callable[[YamlPath, str], Img | None]:
    def inner(path: YamlPath, value: str) -> Img | None:
        return make((*prefix, *path), value)

    return inner


def _tag_value(value: Any, parts: list[str], make: Callable[[YamlPath, str], Img | None]) -> Any:
    """Track the images a JSON patch value brings: an image string, a container, a
    list of containers, or anything holding container lists."""

    def one(item: Any, at: YamlPath) -> None:
        if isinstance(item, dict) and isinstance(item.get("image"), str):
            if not isinstance(item["image"], Img):
                item["image"] = make((*at, "image"), item["image"]) or item["image"]

    if isinstance(value, str) and parts and parts[-1] == "image":
        return make((), value) or value
    if isinstance(value, dict) and len(parts) >= 2 and parts[-2] in CONTAINER_KEYS:
        one(value, ())
    elif isinstance(value, list) and parts and parts[-1] in CONTAINER_KEYS:
        for k, item in enumerate(value):
            one(item, (k,))
    tag_images(value, make)
    return value


def _inline_span(
    src: Source, rel: str, knode: Any, yf: YamlFile, node: Any, value: str
) -> tuple[int, int, int] | None:
    """Where an image inside an inline patch string sits in the kustomization's text:
    (char offset, line, col), for literal and folded-free block scalars only."""
    if knode is None or node is None or knode.kind != "scalar" or knode.style != "|":
        return None
    kyf = src.yaml(rel)
    text = kyf.text
    pline, pcol = yf.lines.locate(node.start)
    # The block's content starts on the line after its `|` header.
    header_line = kyf.lines.locate(knode.start)[0]
    first = header_line + 1 + (pline - 1)
    if first - 1 >= len(kyf.lines.starts):
        return None
    # Indentation of the block: of its first non-empty line.
    body_start = kyf.lines.starts[header_line] if header_line < len(kyf.lines.starts) else len(text)
    indent = 0
    while body_start + indent < len(text) and text[body_start + indent] == " ":
        indent += 1
    offset = kyf.lines.starts[first - 1] + indent + pcol - 1
    if node.style not in (None, "", '"', "'"):
        return None
    if node.style in ('"', "'"):
        offset += 1  # the content starts after the quote
    if text[offset : offset + len(value)] != value:
        return None
    line, col = kyf.lines.locate(offset)
    return offset, line, col


def _merge(dst: dict[str, Any], src: dict[str, Any]) -> None:
    """A strategic merge as far as containers need: maps merge, lists of named maps
    merge by name (`$patch: delete` removes), other lists are replaced, null deletes."""
    if src.get("$patch") == "replace":
        dst.clear()
        dst.update({k: v for k, v in src.items() if k != "$patch"})
        return
    for key, value in src.items():
        if key.startswith("$"):
            continue
        if value is None:
            dst.pop(key, None)
        elif isinstance(value, dict) and isinstance(dst.get(key), dict):
            _merge(dst[key], value)
        elif isinstance(value, list) and isinstance(dst.get(key), list) and _named(value):
            merged = dst[key]
            for item in value:
                if not isinstance(item, dict):
                    continue
                match = next(
                    (
                        m
                        for m in merged
                        if isinstance(m, dict) and m.get("name") == item.get("name")
                    ),
                    None,
                )
                if item.get("$patch") == "delete":
                    if match is not None:
                        merged.remove(match)
                elif match is not None:
                    _merge(match, item)
                else:
                    merged.append({k: v for k, v in item.items() if not k.startswith("$")})
        else:
            dst[key] = value


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, dict) and "name" in i for i in items)


def _pointer(path: str) -> list[str]:
    if path in ("", "/"):
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]


def _is_prefix_of_containers(parts: list[str], data: Any) -> bool:
    for path, _items in container_lists(data):
        if [str(p) for p in path[: len(parts)]] == parts and len(parts) < len(path):
            return True
    return False


def _walk_to(data: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _pointer_set(data: Any, parts: list[str], value: Any, add: bool) -> bool:
    if not parts:
        return False
    parent = _walk_to(data, parts[:-1])
    last = parts[-1]
    if isinstance(parent, dict):
        if not add and last not in parent:
            return False
        parent[last] = value
        return True
    if isinstance(parent, list):
        if last == "-" and add:
            parent.append(value)
            return True
        if last.isdigit():
            i = int(last)
            if add and i <= len(parent):
                parent.insert(i, value)
                return True
            if not add and i < len(parent):
                parent[i] = value
                return True
    return False


def _pointer_remove(data: Any, parts: list[str]) -> None:
    parent = _walk_to(data, parts[:-1]) if parts else None
    if isinstance(parent, dict):
        parent.pop(parts[-1], None)
    elif isinstance(parent, list) and parts[-1].isdigit() and int(parts[-1]) < len(parent):
        parent.pop(int(parts[-1]))


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
                    rel = (
                        posixpath.normpath(posixpath.join(folder, entry))
                        if folder
                        else posixpath.normpath(entry)
                    )
                    rel = "" if rel == "." else rel
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
