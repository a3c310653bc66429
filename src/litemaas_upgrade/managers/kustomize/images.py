"""Image strings in a kustomize build: each remembers the place that wrote it (a manifest
line, a patch) and the `images:` entries that changed it, so a scan can say where each
image is decided and a plan can edit exactly that place; the custom resources that run
their `spec.image` (custom_spec), which `images:` leaves alone; and the `images:`
transformer, the last of a kustomization's own (a part of Builder, resources.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ...facts import DeadImagesEntry, UnquotedTag
from ...model import YamlPath
from ...records import record
from ...yamlio import YamlDoc
from .names import split

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ...source import Source
    from .resources import Build, Level, Resource

CONTAINER_KEYS = ("containers", "initContainers")

# kustomize's image.IsImageMatched: the entry name is used as a regular expression.
_TAG_RE = r"(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?"


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


class ImagesTransformer:
    """Builder's `images:` transformer (see resources.py)."""

    src: Source
    out: Build

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


def _str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
