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
- it is the password of a URL (`postgresql://user:password@host`, even with `@` or `/`
  in it), the value of a `KEY=value` string whose key says so (compose `environment`
  lists, kustomize `literals`, `--master-key=...` arguments), the word after a secret
  flag (`--db-password VALUE`, as one string or as two list items) or after `Bearer`;
- it is in YAML inside a string (Argo CD `helm.values`, a Flux ConfigMap's
  `values.yaml`), by the same rules, or in a `Secret` that is an item of a `List`;
- in a file that is not YAML or does not parse (a Helm template), it is on a line that
  says so (secret_lines): when in doubt, the line is hidden.

The scanners are linear in the text (secret_text): a pull request controls the input.

Empty values (`""`, null) are not hidden: that a secret is unset is worth seeing."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from typing import Any

from .secret_lines import line_rule_masks
from .secret_text import REDACTED, apply_spans, flag_name, secret_spans

__all__ = ["REDACTED", "is_secret_key", "line_masks", "mask_string", "mask_text", "redact_at"]

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SECRET_WORDS = frozenset(
    {"password", "passwd", "pwd", "secret", "secrets", "token", "credential", "credentials",
     "passphrase", "apikey", "apikeys", "masterkey", "privatekey", "secretkey", "accesskey",
     "creds", "cred", "pass", "pgpass", "passwords", "tokens", "signingkey", "clientsecret"}
)
# Words ending in "pass" that are not one (`dbpass`, `pgpass` are).
_PASS_NOT_SECRET = frozenset(
    {"bypass", "compass", "surpass", "overpass", "underpass", "trespass", "encompass"}
)
# Secret only when they hold a scalar: `auth: <base64>` is, `auth: {masterKey: ...}` is a
# mapping whose own keys decide.
_SCALAR_SECRET_WORDS = frozenset({"auth", "authorization", "bearer", "basicauth"})
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


_LONG_NAME = 256  # no real key is longer; a longer one is judged by its letters only
_LONG_NAME_PARTS = ("pass", "secret", "token", "key", "cred", "auth")


def is_secret_key(name: object) -> bool:
    """Does a key with this name hold a secret value?"""
    if isinstance(name, str) and len(name) > _LONG_NAME:
        lower = name.lower()  # when in doubt, secret
        return any(part in lower for part in _LONG_NAME_PARTS)
    return isinstance(name, str) and _secret_name(name)


@functools.lru_cache(maxsize=4096)  # a long string repeats its keys (`a=b a=b ...`)
def _secret_name(name: str) -> bool:
    parts = words(name)
    if not parts or parts[0] in _FIRST_NOT_A_VALUE or parts[-1] in _NOT_A_VALUE:
        return False
    if any(p in _SECRET_WORDS for p in parts):
        return True
    if any(s in p for p in parts for s in _SECRET_PARTS):
        return True
    if parts[-1].endswith("pass") and parts[-1] not in _PASS_NOT_SECRET:
        return True  # dbPass, DB_PASS, PGPASS
    # Two words that make one: privateKeyPem, masterKeyB64, passPhrase.
    if any(a + b in _SECRET_WORDS for a, b in zip(parts, parts[1:], strict=False)):
        return True
    return len(parts) > 1 and parts[-1] in ("key", "keys") and parts[-2] not in _KEY_NOT_SECRET


def is_secret_scalar_key(name: object) -> bool:
    """Does a key with this name hold a secret when its value is a scalar (`auth`)?"""
    if isinstance(name, str) and len(name) > _LONG_NAME:
        return is_secret_key(name)
    return isinstance(name, str) and _scalar_secret_name(name)


@functools.lru_cache(maxsize=4096)
def _scalar_secret_name(name: str) -> bool:
    if _secret_name(name):
        return True
    parts = words(name)
    if not parts or parts[0] in _FIRST_NOT_A_VALUE or parts[-1] in _NOT_A_VALUE:
        return False
    return any(p in _SCALAR_SECRET_WORDS for p in parts)


def mask_string(text: str) -> str:
    """Hide the secret parts of a string that is not secret as a whole. A string of
    several lines is read as a file of its own (YAML inside a string)."""
    return _mask_string(text, 0)


def _mask_string(text: str, depth: int) -> str:
    if _embedded_text(text, text) and depth <= _MAX_DEPTH:
        masks = _line_masks(text, "embedded.yaml", depth + 1)
        if not masks:
            return text
        return "".join(masks.get(i, line) for i, line in enumerate(text.splitlines(True)))
    return apply_spans(text, secret_spans(text, is_secret_scalar_key))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


def secret_paths(doc: Any) -> Iterator[tuple[str | int, ...]]:
    """Paths of the subtrees of one document whose values are secret as a whole."""
    yield from _walk(doc, (), 0)


def _walk(node: Any, path: tuple[str | int, ...], depth: int) -> Iterator[tuple[str | int, ...]]:
    if depth > 200:
        yield path  # deeper than any real manifest: hide it rather than look
        return
    if isinstance(node, dict):
        secret_kind = node.get("kind") == "Secret"  # also a `List`'s item, a nested object
        if (
            is_secret_scalar_key(node.get("name"))
            and not _empty(node.get("value"))
            and "value" in node
        ):
            yield path + ("value",)
        for key, value in node.items():
            if secret_kind and key in ("data", "stringData") or is_secret_key(key) or (
                is_secret_scalar_key(key) and not isinstance(value, (dict, list))
            ):
                if not _empty(value):
                    yield path + (key,)
                continue
            yield from _walk(value, path + (key,), depth + 1)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            # `[--db-password, VALUE]`: the item after a secret flag
            flag = flag_name(node[i - 1]) if i and isinstance(node[i - 1], str) else None
            if flag and is_secret_scalar_key(flag) and not _empty(value):
                yield path + (i,)
                continue
            yield from _walk(value, path + (i,), depth + 1)


def _under(path: tuple[str | int, ...], paths: set[tuple[str | int, ...]]) -> bool:
    return any(path[:n] in paths for n in range(len(path) + 1))


def _copy(
    node: Any, path: tuple[str | int, ...], hidden: set[tuple[str | int, ...]], known: set[str]
) -> Any:
    if path in hidden:
        return _hide(node)
    if isinstance(node, dict):
        return {k: _copy(v, path + (k,), hidden, known) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v, path + (i,), hidden, known) for i, v in enumerate(node)]
    if isinstance(node, str):
        return REDACTED if node in known else mask_string(node)
    return node


def _leaf_strings(node: Any, out: set[str], depth: int = 0) -> None:
    if depth > 200:
        return
    if isinstance(node, dict):
        for v in node.values():
            _leaf_strings(v, out, depth + 1)
    elif isinstance(node, list):
        for v in node:
            _leaf_strings(v, out, depth + 1)
    elif isinstance(node, str) and node:
        out.add(node)


def _at(doc: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(doc, dict):
            doc = doc.get(part)
        elif isinstance(doc, list) and isinstance(part, int) and part < len(doc):
            doc = doc[part]
        else:
            return None
    return doc


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
    # A secret's value is secret wherever else it appears (`base: &pw S`, `password: *pw`).
    known: set[str] = set()
    for p in hidden:
        _leaf_strings(_at(doc, p), known)
    return _copy(value, path, inside, known)


# -- masking the lines of a file ------------------------------------------------------

_YAML_SUFFIXES = (".yaml", ".yml", ".yaml.local", ".yml.local", ".json")
_MAX_DEPTH = 8  # YAML in a string in a string...: deeper than that, the line rules only


def line_masks(data: bytes | str | None, name: str) -> dict[int, str]:
    """For the lines of a file that show a secret: the line to print instead."""
    if data is None:
        return {}
    text = data if isinstance(data, str) else data.decode("utf-8", "surrogateescape")
    return _line_masks(text, name, 0)


def _line_masks(text: str, name: str, depth: int) -> dict[int, str]:
    # The line rules run on every file: they also see comments and what the YAML reading
    # does not (a file that does not parse, a template); where YAML reading found a
    # secret on a line, its finer mask wins.
    masks = line_rule_masks(text, is_secret_scalar_key, is_secret_key)
    if name.endswith(_YAML_SUFFIXES) and depth <= _MAX_DEPTH:
        found = _yaml_masks(text, name, depth)
        if found is not None:
            masks.update(found)
    return masks


def _yaml_masks(text: str, name: str, depth: int) -> dict[int, str] | None:
    """Masks from reading the text as YAML; None when it does not parse."""
    from ..errors import InputError
    from ..yamlio import YamlFile

    try:
        parsed = YamlFile.parse(text.encode("utf-8", "surrogateescape"), name)
        docs = [(doc, doc.data) for doc in parsed.documents]
    except InputError:
        return None
    if parsed.text != text:  # a BOM or an encoding the offsets would not match
        return None
    lines = text.splitlines(keepends=True)
    starts = _line_starts(lines)
    spans: list[tuple[int, int]] = []
    whole: dict[int, str] = {}  # lines replaced as a whole (YAML inside a string)
    for doc, data in docs:
        if doc.root is None:
            continue
        for path in secret_paths(data):
            node = doc.find(path)
            if node is not None:
                spans.extend(_leaf_spans(node))
        for node in _scalars(doc.root):
            raw = text[node.start : node.end]
            if isinstance(node.value, str) and _embedded_text(node.value, raw):
                whole.update(_embedded(text, lines, starts, node, depth))
            else:
                spans.extend(_partial_spans(raw, str(node.value), node.start, depth))
    masks = _apply_spans(lines, starts, spans)
    masks.update(whole)
    return masks


def _embedded_text(value: str, raw: str) -> bool:
    """Is a string a text of its own (YAML, JSON, an env file, a script) to read inside?"""
    return "\n" in value.strip() or raw.startswith(("|", ">")) or value.lstrip().startswith(
        ("{", "[")
    )


def _line_starts(lines: list[str]) -> list[int]:
    starts = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line)
    return starts


def _embedded(
    text: str, lines: list[str], starts: list[int], node: Any, depth: int
) -> dict[int, str]:
    """The lines of a multi-line string scalar that show a secret of the text inside it
    (YAML, an env file, a script). A literal block (`|`) maps line for line; any other
    style has its every line hidden when it holds a secret."""
    value: str = node.value
    inner = _line_masks(value, "embedded.yaml", depth + 1)
    if not inner:
        return {}
    first = bisect.bisect_right(starts, node.start) - 1
    last = bisect.bisect_right(starts, max(node.end - 1, node.start)) - 1
    out: dict[int, str] = {}
    if text.startswith("|", node.start):
        mapped = _map_literal(lines, first + 1, value, inner)
        if mapped is not None:
            return mapped
    for i in range(first, last + 1):
        body = lines[i].rstrip("\r\n")
        eol = lines[i][len(body) :]
        cut = node.start - starts[i] if i == first else len(body) - len(body.lstrip())
        out[i] = body[:cut] + REDACTED + eol
    return out


def _map_literal(
    lines: list[str], top: int, value: str, inner: dict[int, str]
) -> dict[int, str] | None:
    """A literal block's value line i is source line top+i less its indentation."""
    out: dict[int, str] = {}
    for i, vline in enumerate(value.split("\n")):
        if i not in inner:
            continue
        if top + i >= len(lines):
            return None
        body = lines[top + i].rstrip("\r\n")
        eol = lines[top + i][len(body) :]
        if not body.endswith(vline) or body[: len(body) - len(vline)].strip():
            return None
        out[top + i] = body[: len(body) - len(vline)] + inner[i].rstrip("\r\n") + eol
    return out


def _leaf_spans(node: Any, depth: int = 0) -> Iterator[tuple[int, int]]:
    if depth > 200:
        return
    if node.kind == "scalar" or node.is_alias:
        if node.end > node.start and not (node.kind == "scalar" and node.value == ""):
            yield (node.start, node.end)
        if node.is_alias and node.target is not None:  # `password: *pw`: the anchor's text
            yield from _leaf_spans(node.target, depth + 1)
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


def _partial_spans(raw: str, value: str, offset: int, depth: int) -> list[tuple[int, int]]:
    """The secret parts of a scalar's source text (URL passwords, KEY=value values)."""
    out = [(offset + a, offset + b) for a, b in secret_spans(raw, is_secret_scalar_key)]
    if not out and raw and value != raw and _mask_string(value, depth) != value:
        out.append((offset, offset + len(raw)))  # folded or escaped: hide all of it
    return out


def _apply_spans(
    lines: list[str], starts: list[int], spans: list[tuple[int, int]]
) -> dict[int, str]:
    if not spans:
        return {}
    text_end = starts[-1] + len(lines[-1]) if lines else 0
    body_ends = [s + len(line.rstrip("\r\n")) for s, line in zip(starts, lines, strict=True)]
    cuts: dict[int, list[tuple[int, int]]] = {}
    for start, end in spans:
        i = max(bisect.bisect_right(starts, start) - 1, 0)
        while i < len(lines) and starts[i] < max(min(end, text_end), start + 1):
            line = lines[i]
            a, b = max(start, starts[i]), min(end, body_ends[i])
            if b > a:
                segment = line[a - starts[i] : b - starts[i]]
                lead = len(segment) - len(segment.lstrip())
                if segment.strip():
                    cuts.setdefault(i, []).append((a + lead - starts[i], b - starts[i]))
            i += 1
    return {i: apply_spans(lines[i], ranges) for i, ranges in cuts.items()}


def mask_text(text: str, name: str) -> str:
    """The whole text with its secret lines masked."""
    masks = line_masks(text, name)
    if not masks:
        return text
    lines = text.splitlines(keepends=True)
    return "".join(masks.get(i, line) for i, line in enumerate(lines))
