"""Excerpts of `diff` output small enough to review in a snapshot, one per behaviour.

Each excerpt keeps every value of what it is about and drops only layout: the JSON
formats become one line per file, target, component, resource, field or patch operation;
unified diffs keep their headers and changed lines (the context lines are pinned by the
redaction excerpt and by the tests that apply the diffs with git); a markdown comment keeps
its head, its section titles and its tail (the diffs in its sections are checked to be the
unified diff's own, by `markdown_sections_are_unified_diffs`)."""

from __future__ import annotations

import json
import re
from typing import Any

TARGET_KEYS = {"kind", "path", "changed", "stage", "lint", "components", "files", "installation"}
RENDERED_KEYS = {"rendered", "note", "resources"}


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _image(side: dict[str, Any] | None) -> str:
    if side is None:
        return "(none)"
    assert set(side) <= {"image", "version"}, side
    return f"{side.get('image')} ({side.get('version')})"


def json_summary(text: str) -> str:
    """`--format json`: every file, target, stage, lint verdict and component, one line each."""
    data = json.loads(text)
    assert set(data) == {"title", "before", "after", "rendered", "changed", "files", "targets",
                         "notes"}, sorted(data)
    out = [f"{k}: {_j(data[k])}" for k in ("title", "before", "after", "rendered", "changed")]
    out.append("files:")
    out += [f"  {f['change']}: {f['path']}" for f in data["files"]]
    out.append("targets:")
    for t in data["targets"]:
        assert set(t) <= TARGET_KEYS | RENDERED_KEYS, sorted(t)
        out.append(
            f"  {t['path']} ({t['kind']}) changed={_j(t['changed'])} stage "
            f"{t['stage']['before']} -> {t['stage']['after']} lint={_j(t['lint'])}"
            + (f" installation={_j(t['installation'])}" if "installation" in t else "")
        )
        for name, c in t["components"].items():
            assert set(c) == {"before", "after", "changed"}, c
            if c["changed"]:
                out.append(f"    {name}: {_image(c['before'])} -> {_image(c['after'])}")
            else:
                assert c["before"] == c["after"], c
                out.append(f"    {name}: = {_image(c['before'])}")
        out.append(f"    files: {_j(t['files'])}")
    out.append(f"notes: {_j(data['notes'])}")
    return "\n".join(out) + "\n"


def without_rendering(text: str) -> dict[str, Any]:
    """`--format json --rendered` less what rendering adds: equal to the plain output."""
    data = json.loads(text)
    data["rendered"] = False
    # The notes rendering adds (rendered_resources pins them); the plan's stay.
    data["notes"] = [n for n in data["notes"] if ": not rendered: " not in n]
    for t in data["targets"]:
        for key in RENDERED_KEYS:
            t.pop(key, None)
    return data


def rendered_resources(text: str) -> str:
    """`--format json --rendered`: per target, whether it rendered (or why not), each
    changed resource and each changed field with its old and new value; the notes."""
    data = json.loads(text)
    out = [f"note: {n}" for n in data["notes"]]
    for t in data["targets"]:
        if not t["rendered"]:
            out.append(f"{t['path']}: {t['note']}")
            assert not t.get("resources"), t
            continue
        out.append(f"{t['path']}: rendered")
        for r in t["resources"]:
            assert set(r) == {"apiVersion", "kind", "namespace", "name", "change", "fields"}, r
            out.append(
                f"  {r['kind']} {r['namespace'] or '_'}/{r['name']} ({r['apiVersion']}): "
                f"{r['change']}"
            )
            for f in r["fields"]:
                assert set(f) <= {"path", "change", "old", "new"}, f
                out.append(
                    f"    {f['path']}: {f['change']} {_j(f.get('old'))} -> {_j(f.get('new'))}"
                )
    return "\n".join(out) + "\n"


def _ops(patch: list[dict[str, Any]], indent: str) -> list[str]:
    out = []
    for op in patch:
        assert set(op) <= {"op", "path", "from", "value"}, op
        args = [_j(op[k]) for k in ("from", "value") if k in op]
        out.append(indent + " ".join([op["op"], op["path"], *args]))
    return out


def jsonpatch_ops(text: str) -> str:
    """`--format jsonpatch`: one line per resource (with --rendered), per file (the files
    of targets not rendered, or all of them) and per operation."""
    data = json.loads(text)
    assert set(data) <= {"before", "after", "resources", "files"}, sorted(data)
    out = [f"before: {_j(data['before'])}", f"after: {_j(data['after'])}"]
    for r in data.get("resources", []):
        assert set(r) == {"target", "apiVersion", "kind", "namespace", "name", "change",
                          "patch"}, r
        out.append(
            f"{r['target']}: {r['kind']} {r['namespace'] or '_'}/{r['name']} "
            f"({r['apiVersion']}): {r['change']}"
        )
        out += _ops(r["patch"], "  ")
    for f in data.get("files", []):
        if "skipped" in f:
            assert set(f) == {"file", "change", "skipped"}, f
            out.append(f"{f['file']}: {f['change']}, skipped: {f['skipped']}")
            continue
        assert set(f) == {"file", "change", "documents"}, f
        out.append(f"{f['file']}: {f['change']}")
        for doc in f["documents"]:
            assert set(doc) == {"document", "patch"}, doc
            out.append(f"  document {doc['document']}")
            out += _ops(doc["patch"], "    ")
    return "\n".join(out) + "\n"


def changed_lines(diff: str) -> str:
    """A unified diff without its context lines: file and resource headers, hunk ranges,
    and what is removed and added."""
    keep = ("diff --git", "new file", "deleted file", "Binary", "--- ", "+++ ", "@@", "#")
    return "".join(
        line for line in diff.splitlines(keepends=True)
        if line.startswith(keep) or line.startswith(("+", "-", "\\"))
    )


def file_section(diff: str, path: str) -> str:
    """One file's whole section of a unified diff."""
    sections = re.split(r"(?m)^(?=diff --git )", diff)
    found = [s for s in sections if s.startswith(f"diff --git a/{path} b/{path}\n")]
    assert len(found) == 1, path
    return found[0]


def markdown_outline(md: str) -> str:
    """A markdown comment's head (marker, title, summary table), the title line of each
    section and note inside it, and the tail after the last section."""
    head, _, rest = md.partition("<details>")
    out = [head]
    for line in ("<details>" + rest).splitlines(keepends=True):
        if line.startswith("<details>") or line.startswith("_"):
            out.append(line)
    tail = md.rpartition("</details>")[2]
    out.append("…\n</details>" + tail)
    return "".join(out)


def markdown_sections_are_unified_diffs(md: str, unified: str) -> int:
    """Every diff in the markdown comment's fenced blocks, cut into its files (or
    resources), is found as it is in the unified output. Returns how many were checked."""
    blocks = re.findall(r"(?ms)^```diff\n(.*?)^```\n", md)
    checked = 0
    for block in blocks:
        for piece in re.split(r"(?m)^(?=diff --git |# )", block):
            if piece:
                assert piece in unified, piece[:200]
                checked += 1
    return checked
