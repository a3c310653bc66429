"""The patch transformers of a kustomize build (a part of Builder, resources.py):
strategic-merge patches (`patchesStrategicMerge`, and `patches` whose document is a
mapping), JSON 6902 patches (`patchesJson6902`, and `patches` whose document is a list),
the target selectors that choose what they patch, and the image strings they bring, each
tracked to where the patch writes it."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator

from ...errors import InputError
from ...model import Severity, YamlPath, format_path
from ...yamlio import YamlDoc, YamlFile
from ..base import joined
from .images import CONTAINER_KEYS, Img, Origin, container_lists, tag_images

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ...source import Source
    from .resources import Resource


class PatchTransformers:
    """Builder's patch transformers; what they use of the rest of Builder is declared here."""

    src: Source
    if TYPE_CHECKING:
        _unreadable: Callable[..., None]
        _locate: Callable[[str, str, str, Any], str | None]
        _yaml: Callable[[str], YamlFile]

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
            is_path = "\n" not in content and self.src.exists(joined(folder, content))
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
