"""`--format jsonpatch`: an RFC 6902 patch per changed YAML document (values files,
kustomizations), or per changed resource with --rendered, made with `jsonpatch`.
Secret values in `add`/`replace`/`test` operations are shown as `<redacted>`."""

from __future__ import annotations

import json
from typing import Any

from ..errors import InputError
from .model import ChangeSet, FileChange
from .secrets import redact_at
from .structured import ResourceChange


def _documents(data: bytes | None, name: str) -> list[Any]:
    from ..yamlio import YamlFile

    if data is None:
        return []
    return [doc.data for doc in YamlFile.parse(data, name).documents if doc.root is not None]


def _pointer_path(pointer: str, doc: Any) -> tuple[str | int, ...]:
    """A JSON pointer as a document path (list indices as ints)."""
    if pointer == "":
        return ()
    out: list[str | int] = []
    node = doc
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit():
            out.append(int(part))
            node = node[int(part)] if int(part) < len(node) else None
        else:
            out.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return tuple(out)


def make_patch(old: Any, new: Any, show_secrets: bool) -> list[dict[str, Any]]:
    import jsonpatch

    if old is None:
        ops: list[dict[str, Any]] = [{"op": "add", "path": "", "value": new}]
    elif new is None:
        ops = [{"op": "replace", "path": "", "value": None}]
    else:
        ops = list(jsonpatch.make_patch(old, new).patch)
    if show_secrets:
        return ops
    shown = []
    for op in ops:
        if "value" in op:
            path = _pointer_path(op["path"], new if new is not None else old)
            op = {**op, "value": redact_at(op["value"], path, new)}
        shown.append(op)
    return shown


def file_patches(f: FileChange, show_secrets: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"file": f.display, "change": f.status}
    name = f.path
    if not name.endswith((".yaml", ".yml", ".json", ".yaml.local", ".yml.local")):
        return {**entry, "skipped": "not a YAML document"}
    try:
        old = _documents(f.old, f.display)
        new = _documents(f.new, f.display)
    except InputError as exc:
        return {**entry, "skipped": f"not readable as YAML: {exc}"}
    docs = []
    for i in range(max(len(old), len(new))):
        a = old[i] if i < len(old) else None
        b = new[i] if i < len(new) else None
        if a == b:
            continue
        docs.append({"document": i, "patch": make_patch(a, b, show_secrets)})
    return {**entry, "documents": docs}


def resource_patch(target: str, rc: ResourceChange, show_secrets: bool) -> dict[str, Any]:
    return {
        "target": target,
        **rc.identity.to_json(),
        "change": rc.change,
        "patch": make_patch(rc.old, rc.new, show_secrets),
    }


def render_jsonpatch(cs: ChangeSet, show_secrets: bool) -> str:
    out: dict[str, Any] = {"before": cs.before_label, "after": cs.after_label}
    if cs.rendered:
        out["resources"] = [
            resource_patch(tc.path, rc, show_secrets)
            for tc in cs.targets
            if not tc.rendered_note
            for rc in tc.resources
        ]
        files = [f for tc in cs.targets if tc.rendered_note for f in tc.files]
        out["files"] = [file_patches(f, show_secrets) for f in _unique(files)]
    else:
        out["files"] = [file_patches(f, show_secrets) for f in cs.files]
    return json.dumps(out, indent=2, ensure_ascii=False, default=str) + "\n"


def _unique(files: list[FileChange]) -> list[FileChange]:
    seen: dict[str, FileChange] = {}
    for f in files:
        seen.setdefault(f.path, f)
    return [seen[k] for k in sorted(seen)]
