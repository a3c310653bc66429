"""Rendered manifests, compared resource by resource: resources are matched by identity
(apiVersion, kind, namespace, name), compared with deepdiff, and listed in a stable order.
Chart-noise labels are dropped before comparing."""

from __future__ import annotations

import io
from typing import Any

from ..model import format_path
from ..records import field, record
from .secrets import REDACTED, redact_at

DEFAULT_IGNORED_LABELS = ("helm.sh/chart", "app.kubernetes.io/version")

Path = tuple[str | int, ...]


@record(frozen=True, order=True)
class Identity:
    # Field order is the print order: kind, then namespace and name, then apiVersion.
    kind: str
    namespace: str
    name: str
    api_version: str

    def label(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where} ({self.api_version})"

    def slug(self) -> str:
        return f"{self.kind}/{self.namespace or '_'}/{self.name}"

    def to_json(self) -> dict[str, str]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }


def identify(docs: list[Any]) -> dict[Identity, dict[str, Any]]:
    """Resources by identity; a second resource with the same identity gets `#2`."""
    out: dict[Identity, dict[str, Any]] = {}
    for doc in docs:
        if not isinstance(doc, dict) or "kind" not in doc:
            continue
        meta = doc.get("metadata")
        if not isinstance(meta, dict):
            meta = {}
        ident = Identity(
            str(doc.get("kind", "")),
            str(meta.get("namespace") or ""),
            str(meta.get("name") or meta.get("generateName") or ""),
            str(doc.get("apiVersion", "")),
        )
        n = 1
        base = ident
        while ident in out:
            n += 1
            ident = Identity(base.kind, base.namespace, f"{base.name}#{n}", base.api_version)
        out[ident] = doc
    return out


def drop_labels(doc: Any, ignored: frozenset[str]) -> Any:
    """A copy without the ignored labels, in every `labels` map (metadata, pod templates)."""
    if isinstance(doc, dict):
        out = {}
        for key, value in doc.items():
            if key == "labels" and isinstance(value, dict):
                value = {k: v for k, v in value.items() if k not in ignored}
            out[key] = drop_labels(value, ignored)
        return out
    if isinstance(doc, list):
        return [drop_labels(v, ignored) for v in doc]
    return doc


@record
class FieldChange:
    path: Path
    change: str  # "changed" | "added" | "removed"
    old: Any = None
    new: Any = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": format_path(self.path) or "(document)",
            "change": self.change,
        }
        if self.change != "added":
            out["old"] = self.old
        if self.change != "removed":
            out["new"] = self.new
        return out


@record
class ResourceChange:
    identity: Identity
    change: str  # "added" | "removed" | "changed"
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    fields: list[FieldChange] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.identity.to_json(),
            "change": self.change,
            "fields": [f.to_json() for f in self.fields],
        }


def compare(
    old: dict[Identity, dict[str, Any]],
    new: dict[Identity, dict[str, Any]],
    show_secrets: bool,
) -> list[ResourceChange]:
    out = []
    for ident in sorted(set(old) | set(new)):
        a, b = old.get(ident), new.get(ident)
        if a == b:
            continue
        if a is None:
            assert b is not None
            out.append(ResourceChange(ident, "added", None, b, [
                FieldChange((), "added", new=_show(b, (), b, show_secrets))
            ]))
        elif b is None:
            out.append(ResourceChange(ident, "removed", a, None, [
                FieldChange((), "removed", old=_show(a, (), a, show_secrets))
            ]))
        else:
            out.append(ResourceChange(ident, "changed", a, b, field_changes(a, b, show_secrets)))
    return out


def field_changes(a: Any, b: Any, show_secrets: bool) -> list[FieldChange]:
    """The changed fields between two documents, with shown (redacted) values."""
    from deepdiff import DeepDiff
    from deepdiff.helper import notpresent

    diff = DeepDiff(a, b, view="tree", verbose_level=2)
    changes = []
    for report in diff.values():
        for level in report:
            path = tuple(level.path(output_format="list"))
            t1, t2 = level.t1, level.t2
            if t1 is notpresent:
                changes.append(FieldChange(path, "added", new=_show(t2, path, b, show_secrets)))
            elif t2 is notpresent:
                changes.append(FieldChange(path, "removed", old=_show(t1, path, a, show_secrets)))
            else:
                changes.append(
                    FieldChange(
                        path,
                        "changed",
                        _show(t1, path, a, show_secrets),
                        _show(t2, path, b, show_secrets),
                    )
                )
    return sorted(changes, key=lambda c: _path_key(c.path))


def _path_key(path: Path) -> list[tuple[int, Any]]:
    return [(1, p) if isinstance(p, int) else (0, str(p)) for p in path]


def _show(value: Any, path: Path, doc: Any, show_secrets: bool) -> Any:
    return value if show_secrets else redact_at(value, path, doc)


def dump(doc: Any) -> str:
    """A resource as YAML, in its own key order, multi-line strings as literal blocks."""
    from ruamel.yaml import YAML
    from ruamel.yaml.representer import SafeRepresenter

    class _Representer(SafeRepresenter):
        pass

    def _str(rep: SafeRepresenter, data: str) -> Any:
        style = "|" if "\n" in data and data == data.rstrip(" ") and "\t" not in data else None
        return rep.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    _Representer.add_representer(str, _str)
    yaml = YAML(typ="safe", pure=True)
    yaml.Representer = _Representer
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.allow_unicode = True
    yaml.representer.sort_base_mapping_type_on_output = False
    buf = io.StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue()


__all__ = ["DEFAULT_IGNORED_LABELS", "REDACTED", "FieldChange", "Identity", "ResourceChange",
           "compare", "drop_labels", "dump", "identify"]
