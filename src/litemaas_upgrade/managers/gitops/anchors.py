"""Tags written once and read in several places (YAML anchors, aliases and merge keys,
common in app-template HelmReleases: `image: &image {...}` for the container, `image:
*image` for its migration initContainer). Helm reads every place; an edit must land on
the one scalar that is written, and only when every place that reads it is meant to
take the same new value."""

from __future__ import annotations

from ...model import Change, YamlPath
from ...yamlio import YamlDoc
from ...yamlio.implicit import MERGE
from ...yamlio.nodes import Node

MAX_READS = 10_000  # alias expansion of one document, bounded (hostile input)


def _key(node: Node) -> str | None:
    return node.value if node.kind == "scalar" and node.tag != MERGE else None


def _reads(node: Node, path: YamlPath, out: list[tuple[YamlPath, Node]], depth: int) -> None:
    """Every data path below `node` that reads a scalar, with that scalar (aliases
    followed, merge keys expanded as the YAML loader does: own keys win, then earlier
    merge sources)."""
    if depth > 64 or len(out) > MAX_READS:
        return
    node = node.resolved()
    if node.kind == "scalar":
        out.append((path, node))
    elif node.kind == "sequence":
        for i, child in enumerate(node.children):
            _reads(child, path + (i,), out, depth + 1)
    elif node.kind == "mapping":
        seen: dict[str, Node] = {}
        for key, value in node.items:
            k = _key(key)
            if k is not None:
                seen.pop(k, None)
                seen[k] = value
        for source in node.merge_sources():
            src = source.resolved()
            for key, value in src.items:
                k = _key(key)
                if k is not None and k not in seen:
                    seen[k] = value
        for k, value in seen.items():
            _reads(value, path + (k,), out, depth + 1)


def _written(node: Node, path: YamlPath, want: Node) -> YamlPath | None:
    """The path at which `want` is written in the tree (aliases not followed)."""
    if node is want:
        return path
    if node.is_alias:
        return None
    if node.kind == "sequence":
        for i, child in enumerate(node.children):
            found = _written(child, path + (i,), want)
            if found is not None:
                return found
    elif node.kind == "mapping":
        for key, value in node.items:
            k = _key(key)
            if k is None:
                continue  # under `<<:` the anchor's own definition is elsewhere
            found = _written(value, path + (k,), want)
            if found is not None:
                return found
    return None


def shared_edits(docs: list[YamlDoc], changes: list[Change]) -> list[Change]:
    """`changes` with each group of changes that set one shared scalar (to one value)
    made into a single edit of the place it is written, verified at every reader. A
    shared scalar that some other place reads too is left as it is (the editor refuses
    it, saying why)."""
    wanted = {(c.doc, c.path): c.value for c in changes if c.span is None and c.edit is None}
    out: list[Change] = []
    done: set[tuple[int, YamlPath]] = set()
    from ...yamlio import ScalarChange  # (plan only)

    for change in changes:
        key = (change.doc, change.path)
        if key in done:
            continue
        if change.span is not None or change.edit is not None or change.doc >= len(docs):
            out.append(change)
            continue
        doc = docs[change.doc]
        node = doc.find(change.path)
        if doc.root is None or node is None or node.kind != "scalar":
            out.append(change)
            continue
        scalar = node.resolved()
        reads: list[tuple[YamlPath, Node]] = []
        _reads(doc.root, (), reads, 0)
        readers = [p for p, n in reads if n is scalar]
        at = _written(doc.root, (), scalar)
        if at is None or readers == [change.path] == [at]:
            out.append(change)
            continue
        if any(wanted.get((change.doc, p)) != change.value for p in readers):
            out.append(change)  # read elsewhere too: refused by the editor, with why
            continue
        also = tuple(p for p in readers if p != at)
        done.update((change.doc, p) for p in readers)
        edit = ScalarChange(change.doc, at, change.value, also)
        out.append(
            Change(
                change.file,
                change.doc,
                at,
                change.value,
                change.component,
                change.reason + f" (written once, read at {len(readers)} places)",
                edit=edit,
            )
        )
    return out
