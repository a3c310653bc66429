"""Secrets are never shown unless asked for: what counts as one, and how it is hidden.

A value is secret when
- it is in a Kubernetes `Secret`'s `data` or `stringData`;
- its key says so: `password`, `passwd`, `secret`, `token`, `credentials`, `passphrase`,
  or a name ending in `key`/`keys` (`masterKey`, `litellmApiKey`, `adminApiKeys`,
  `LITELLM_MASTER_KEY`, `privateKey`) — but not a key that only *names* or *points at*
  a secret (`secretName`, `secretKeyRef`, `existingSecret`, `passwordFile`,
  `imagePullSecrets`), nor a key that is not a credential (`publicKey`, `topologyKey`,
  a bare `key`, `maxTokens`);
- it is the `value` of a `{name: ..., value: ...}` pair whose name says so (container
  `env`);
- it is the password of a URL (`postgresql://user:password@host`) or the value of a
  `KEY=value` string whose key says so (compose `environment` lists, kustomize
  `literals`, `--master-key=...` arguments).

Empty values (`""`, null) are not hidden: that a secret is unset is worth seeing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

REDACTED = "<redacted>"

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SECRET_WORDS = frozenset(
    {"password", "passwd", "pwd", "secret", "secrets", "token", "credential", "credentials",
     "passphrase", "apikey", "apikeys", "masterkey", "privatekey", "secretkey", "accesskey"}
)
_SECRET_PARTS = ("password", "passwd", "secret")  # also inside one lower-case word
# Last words of keys that name, point at or describe a secret rather than hold it.
_NOT_A_VALUE = frozenset(
    {"name", "names", "ref", "refs", "file", "files", "path", "paths", "dir", "url", "uri",
     "endpoint", "enabled", "disabled", "create", "mount", "ttl", "expiry", "expiration",
     "length", "size", "type", "format", "header", "duration", "lifetime", "timeout",
     "selector", "namespace", "id", "annotations", "labels", "policy", "mode", "version"}
)
_FIRST_NOT_A_VALUE = frozenset({"image", "existing", "use", "generate", "max", "min", "num"})
# `<word>Key` keys that are not credentials.
_KEY_NOT_SECRET = frozenset(
    {"public", "topology", "label", "sort", "primary", "foreign", "cache", "partition",
     "routing", "lookup", "match", "config", "map", "group", "index", "idempotency", "dedup",
     "node", "host", "ca", "cert", "certificate"}
)


def words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name)]


def is_secret_key(name: object) -> bool:
    """Does a key with this name hold a secret value?"""
    if not isinstance(name, str):
        return False
    parts = words(name)
    if not parts or parts[0] in _FIRST_NOT_A_VALUE or parts[-1] in _NOT_A_VALUE:
        return False
    if any(p in _SECRET_WORDS for p in parts):
        return True
    if any(s in p for p in parts for s in _SECRET_PARTS):
        return True
    return len(parts) > 1 and parts[-1] in ("key", "keys") and parts[-2] not in _KEY_NOT_SECRET


_URL_PASSWORD = re.compile(r"([A-Za-z][\w+.-]*://[^/\s@:]*:)([^@\s/]+)(@)")
_ASSIGNMENT = re.compile(r"^(\s*['\"]?-{0,2})([A-Za-z_][\w.-]*)(=)(.+?)(['\"]?\s*)$", re.S)


def mask_string(text: str) -> str:
    """Hide the secret parts of a string that is not secret as a whole."""
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    m = _ASSIGNMENT.match(text)
    if m and is_secret_key(m.group(2)) and m.group(4) != REDACTED:
        text = m.group(1) + m.group(2) + m.group(3) + REDACTED + m.group(5)
    return text


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


def secret_paths(doc: Any) -> Iterator[tuple[str | int, ...]]:
    """Paths of the subtrees of one document whose values are secret as a whole."""
    if isinstance(doc, dict) and doc.get("kind") == "Secret":
        for key in ("data", "stringData"):
            if not _empty(doc.get(key)):
                yield (key,)
    yield from _walk(doc, ())


def _walk(node: Any, path: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(node, dict):
        if is_secret_key(node.get("name")) and not _empty(node.get("value")) and "value" in node:
            yield path + ("value",)
        for key, value in node.items():
            if is_secret_key(key):
                if not _empty(value):
                    yield path + (key,)
                continue
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, path + (i,))


def _under(path: tuple[str | int, ...], paths: set[tuple[str | int, ...]]) -> bool:
    return any(path[:n] in paths for n in range(len(path) + 1))


def _copy(node: Any, path: tuple[str | int, ...], hidden: set[tuple[str | int, ...]]) -> Any:
    if path in hidden:
        return _hide(node)
    if isinstance(node, dict):
        return {k: _copy(v, path + (k,), hidden) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v, path + (i,), hidden) for i, v in enumerate(node)]
    if isinstance(node, str):
        return mask_string(node)
    return node


def _hide(node: Any) -> Any:
    """Keep a secret subtree's shape (which keys a Secret has is worth seeing), hide leaves."""
    if isinstance(node, dict):
        return {k: _hide(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_hide(v) for v in node]
    return node if _empty(node) else REDACTED


def redact_at(value: Any, path: tuple[str | int, ...], doc: Any) -> Any:
    """`value`, found at `path` of `doc`, as it may be shown."""
    hidden = set(secret_paths(doc))
    if _under(path, hidden):
        return _hide(value)
    # Secret keys inside the value itself: those the document has below `path`, and
    # those of the value on its own (a patch value need not be the document's subtree).
    inside = {p for p in hidden if p[: len(path)] == path}
    inside |= {path + p for p in secret_paths(value)}
    return _copy(value, path, inside)


# -- masking the lines of a file ------------------------------------------------------

_YAML_SUFFIXES = (".yaml", ".yml", ".yaml.local", ".yml.local", ".json")
_LINE = re.compile(
    r"^(\s*(?:-\s+)?(?:export\s+)?['\"]?)([A-Za-z_][\w.-]*)(['\"]?\s*[:=][ \t]*)(\S.*?)(\s*)$"
)


def line_masks(data: bytes | str | None, name: str) -> dict[int, str]:
    """For the lines of a file that show a secret: the line to print instead."""
    if data is None:
        return {}
    text = data if isinstance(data, str) else data.decode("utf-8", "surrogateescape")
    if name.endswith(_YAML_SUFFIXES):
        spans = _yaml_spans(text, name)
        if spans is not None:
            return _apply_spans(text, spans)
    return _line_rules(text)


def _yaml_spans(text: str, name: str) -> list[tuple[int, int]] | None:
    """Character spans of secret text in a YAML file; None when it does not parse."""
    from ..errors import InputError
    from ..yamlio import YamlFile

    try:
        parsed = YamlFile.parse(text.encode("utf-8", "surrogateescape"), name)
        docs = [(doc, doc.data) for doc in parsed.documents]
    except InputError:
        return None
    if parsed.text != text:  # a BOM or an encoding the offsets would not match
        return None
    spans: list[tuple[int, int]] = []
    for doc, data in docs:
        if doc.root is None:
            continue
        for path in secret_paths(data):
            node = doc.find(path)
            if node is not None:
                spans.extend(_leaf_spans(node))
        for node in _scalars(doc.root):
            raw = text[node.start : node.end]
            if mask_string(raw) != raw or mask_string(node.value) != node.value:
                spans.extend(_partial_spans(raw, node.start))
    return spans


def _leaf_spans(node: Any, depth: int = 0) -> Iterator[tuple[int, int]]:
    if depth > 200:
        return
    if node.kind == "scalar" or node.is_alias:
        if node.end > node.start and not (node.kind == "scalar" and node.value == ""):
            yield (node.start, node.end)
        return
    if node.kind == "mapping":
        for _, value in node.items:
            yield from _leaf_spans(value, depth + 1)
    else:
        for child in node.children:
            yield from _leaf_spans(child, depth + 1)


def _scalars(node: Any, depth: int = 0) -> Iterator[Any]:
    if depth > 200 or node.is_alias:
        return
    if node.kind == "scalar":
        yield node
    elif node.kind == "mapping":
        for key, value in node.items:
            yield from _scalars(key, depth + 1)
            yield from _scalars(value, depth + 1)
    else:
        for child in node.children:
            yield from _scalars(child, depth + 1)


def _partial_spans(raw: str, offset: int) -> list[tuple[int, int]]:
    """The secret parts of a scalar's source text (URL passwords, KEY=value values)."""
    out = []
    for m in _URL_PASSWORD.finditer(raw):
        out.append((offset + m.start(2), offset + m.end(2)))
    stripped = raw.strip("'\"")
    assign = _ASSIGNMENT.match(stripped)
    if assign and is_secret_key(assign.group(2)):
        start = raw.index(stripped) + assign.start(4)
        out.append((offset + start, offset + start + len(assign.group(4))))
    if not out and raw:
        out.append((offset, offset + len(raw)))  # folded or escaped: hide all of it
    return out


def _apply_spans(text: str, spans: list[tuple[int, int]]) -> dict[int, str]:
    if not spans:
        return {}
    lines = text.splitlines(keepends=True)
    starts = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line)
    cuts: dict[int, list[tuple[int, int]]] = {}
    import bisect

    for start, end in spans:
        first = max(bisect.bisect_right(starts, start) - 1, 0)
        i = first
        while i < len(lines) and starts[i] < max(end, start + 1):
            body_end = starts[i] + len(lines[i].rstrip("\r\n"))
            a, b = max(start, starts[i]), min(end, body_end)
            if b > a:
                segment = text[a:b]
                lead = len(segment) - len(segment.lstrip())
                if segment.strip():
                    cuts.setdefault(i, []).append((a + lead - starts[i], b - starts[i]))
            i += 1
    masks: dict[int, str] = {}
    for i, ranges in cuts.items():
        line = lines[i]
        merged: list[list[int]] = []
        for a, b in sorted(ranges):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        out = []
        prev = 0
        for a, b in merged:
            out.append(line[prev:a])
            out.append(REDACTED)
            prev = b
        out.append(line[prev:])
        masks[i] = "".join(out)
    return masks


def _line_rules(text: str) -> dict[int, str]:
    """Files that are not YAML (env files, templates): `key: value` / `KEY=value` lines."""
    masks: dict[int, str] = {}
    for i, line in enumerate(text.splitlines(keepends=True)):
        body = line.rstrip("\r\n")
        eol = line[len(body) :]
        new = body
        line_match = _LINE.match(body)
        if (
            line_match
            and is_secret_key(line_match.group(2))
            and not line_match.group(4).startswith(("|", ">", "#"))
        ):
            g = line_match.groups()
            new = g[0] + g[1] + g[2] + REDACTED + g[4]
        else:
            new = _URL_PASSWORD.sub(lambda u: u.group(1) + REDACTED + u.group(3), new)
        if new != body:
            masks[i] = new + eol
    return masks


def mask_text(text: str, name: str) -> str:
    """The whole text with its secret lines masked."""
    masks = line_masks(text, name)
    if not masks:
        return text
    lines = text.splitlines(keepends=True)
    return "".join(masks.get(i, line) for i, line in enumerate(lines))
