"""One position-aware checker for the tool's own YAML inputs: the rules file, the chart
catalog and a repository's `.litemaas-upgrade.yaml`. Every refusal names the file and
the line:col of the offending node (exit 3, see errors.InputError)."""

from __future__ import annotations

from .errors import InputError
from .lazypattern import lazy

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, NoReturn

    from .yamlio.reader import YamlDoc

    At = tuple[str | int, ...]  # a path into the document: mapping keys, list indexes


def dotted(at: At) -> str:
    """`helm[0].values`: a path as a user reads it."""
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Checker:
    """Raises InputError at the position of the node a path leads to (or of its nearest
    parent that exists: a missing key is reported where its mapping is)."""

    def __init__(self, source: str, doc: YamlDoc | None, what: str) -> None:
        self.source = source  # the file, as messages show it
        self.doc = doc
        self.what = what  # "rules", "catalog", "config": the message's first word

    def position(self, at: At, key: bool = False) -> tuple[int, int]:
        """line, col of the value at `at` (of its key, with key=True); 0, 0 if unknown."""
        if self.doc is None:
            return 0, 0
        if key and at:
            parent = self.doc.find(at[:-1])
            mapping = parent is not None and parent.kind == "mapping"
            pair = parent.own_key(at[-1]) if mapping and parent is not None else None
            if pair is not None:
                return pair[0].line, pair[0].col
        probe = at
        while True:
            node = self.doc.find(probe)
            if node is not None:
                return node.line, node.col
            if not probe:
                return 0, 0
            probe = probe[:-1]

    def error(self, at: At, message: str, key: bool = False) -> InputError:
        line, col = self.position(at, key)
        where = dotted(at)
        text = f"{self.what}: {where}: {message}" if where else f"{self.what}: {message}"
        return InputError(self.source, text, line, col)

    def fail(self, at: At, message: str, key: bool = False) -> NoReturn:
        raise self.error(at, message, key)

    def expect(self, ok: bool, at: At, message: str) -> None:
        if not ok:
            self.fail(at, message)

    def mapping(self, data: dict, key: str, at: At = (), message: str = "") -> dict:
        value = data.get(key)
        self.expect(isinstance(value, dict), at + (key,), message or "expected a mapping")
        return value  # type: ignore[return-value]

    def string(self, data: dict, key: str, at: At = (), message: str = "") -> str:
        value = data.get(key)
        ok = isinstance(value, str) and bool(value)
        self.expect(ok, at + (key,), message or "expected a string")
        return value  # type: ignore[return-value]

    def optional_string(self, data: dict, key: str, at: At = (), message: str = "") -> str | None:
        """A non-empty string, or None when the key is absent or null."""
        if data.get(key) is None:
            return None
        return self.string(data, key, at, message)

    def str_list(self, data: dict, key: str, at: At = (), message: str = "") -> list[str]:
        value = data.get(key)
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        self.expect(ok, at + (key,), message or "expected a list of strings")
        return value  # type: ignore[return-value]

    def one_of(self, data: dict, key: str, allowed: Iterable[str], at: At = ()) -> str | None:
        """The value if it is one of `allowed` (None when absent)."""
        value = data.get(key)
        choices = tuple(allowed)
        if value is not None and value not in choices:
            names = ", ".join(repr(c) for c in choices)
            self.fail(at + (key,), f"{value!r}: expected one of {names}")
        return value

    def known_keys(self, data: dict, allowed: Iterable[str], at: At = ()) -> None:
        """Refuse a key the format does not have, at the key, naming the ones it has
        (a misspelt key would otherwise be ignored without a word)."""
        choices = tuple(allowed)
        for key in data:
            if key not in choices:
                names = ", ".join(choices)
                self.fail(at + (str(key),), f"unknown key {key!r} (allowed: {names})", key=True)


def checker_for(text: str, source: str, what: str) -> tuple[Checker, Any]:
    """Parse a file of ours: its checker and its first document's data (None if empty)."""
    from .yamlio import YamlFile

    yf = YamlFile.parse(text.encode("utf-8"), source)
    doc = yf.documents[0] if yf.documents else None
    return Checker(source, doc, what), (doc.data if doc is not None else None)


CONFIG_FILE = ".litemaas-upgrade.yaml"
# What each section of the config file may hold (docs/commands.md).
CONFIG_KEYS = ("helm", "kustomize", "installations")
HELM_ENTRY_KEYS = ("name", "chart", "values", "release", "namespace")
KUSTOMIZE_KEYS = ("roots",)
INSTALLATION_KEYS = ("name", "backend", "litellm")


# A Kubernetes namespace is a DNS-1123 label; a Helm release name is a DNS-1123
# subdomain of at most 53 characters (helm refuses others). Checked before any pattern
# runs, the length bounds the match.
_LABEL = lazy(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = lazy(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def release_name_problem(value: object) -> str | None:
    """Why a value is not a Helm release name (None when it is one, or absent)."""
    if not isinstance(value, str):
        return None
    if len(value) > 53 or not _SUBDOMAIN.fullmatch(value):
        return (
            f"{value!r} is not a Helm release name (lower-case letters, digits, '-' and '.', "
            "starting and ending with a letter or digit, at most 53 characters)"
        )
    return None


def namespace_problem(value: object) -> str | None:
    """Why a value is not a Kubernetes namespace name (None when it is one, or absent)."""
    if not isinstance(value, str):
        return None
    if len(value) > 63 or not _LABEL.fullmatch(value):
        return (
            f"{value!r} is not a Kubernetes namespace name (lower-case letters, digits and "
            "'-', starting and ending with a letter or digit, at most 63 characters)"
        )
    return None


class RepoConfig(dict):  # type: ignore[type-arg]
    """A repository's `.litemaas-upgrade.yaml`, checked: its plain data (a dict, as the
    managers read it) and the checker that places a later refusal (a configured file that
    is not there) at its line:col."""

    checker: Checker

    def fail(self, at: At, message: str) -> NoReturn:
        self.checker.fail(at, message)


def outside(rel: str) -> bool:
    """Does a path of the config leave the repository (`../x`, `/etc/x`)? Such a path is
    never read, and the refusal says so rather than "not found"."""
    import posixpath

    norm = posixpath.normpath(rel)
    return rel.startswith("/") or norm == ".." or norm.startswith("../")


OUTSIDE = "outside the repository: never read (name a path inside it)"


def config_fail(config: dict | None, at: At, message: str, source: str) -> NoReturn:
    """Refuse a value of the config at its position (when the config was checked)."""
    if isinstance(config, RepoConfig):
        config.fail(at, message)
    raise InputError(source, f"config: {dotted(at)}: {message}")


def check_config(checker: Checker, data: Any) -> RepoConfig | None:
    """Every key and shape of the config, up front (one place, before any manager runs)."""
    if data is None:
        return None
    checker.expect(isinstance(data, dict), (), "the config file must be a mapping")
    checker.known_keys(data, CONFIG_KEYS)
    helm = data.get("helm")
    if helm is not None:
        checker.expect(isinstance(helm, list), ("helm",), "expected a list of targets")
        for i, entry in enumerate(helm):
            at: At = ("helm", i)
            checker.expect(isinstance(entry, dict), at, "expected a mapping")
            checker.known_keys(entry, HELM_ENTRY_KEYS, at)
            for key in ("name", "chart", "release", "namespace"):
                checker.optional_string(
                    entry,
                    key,
                    at,
                    "expected a name" if key != "chart" else "expected a folder name",
                )
            for key, rule in (("release", release_name_problem), ("namespace", namespace_problem)):
                problem = rule(entry.get(key))
                if problem:
                    checker.fail(at + (key,), problem)
            values = entry.get("values")
            if values is not None and not isinstance(values, str):
                checker.str_list(entry, "values", at, "expected file names")
    kustomize = data.get("kustomize")
    if kustomize is not None:
        checker.expect(
            isinstance(kustomize, dict), ("kustomize",), "expected {roots: [folder, ...]}"
        )
        checker.known_keys(kustomize, KUSTOMIZE_KEYS, ("kustomize",))
        if kustomize.get("roots") is not None:
            checker.str_list(kustomize, "roots", ("kustomize",), "expected folder names")
    installations = data.get("installations")
    if installations is not None:
        checker.expect(
            isinstance(installations, list),
            ("installations",),
            "expected a list of {name, backend: TARGET, litellm: TARGET}",
        )
        names: set[str] = set()
        for i, entry in enumerate(installations):
            at = ("installations", i)
            checker.expect(isinstance(entry, dict), at, "expected a mapping")
            checker.known_keys(entry, INSTALLATION_KEYS, at)
            name = checker.optional_string(entry, "name", at, "expected a name")
            checker.expect(name not in names, at + ("name",), f"{name!r} is named twice")
            if name is not None:
                names.add(name)
            for key in ("backend", "litellm"):
                checker.string(entry, key, at, "expected a target's path, as `scan` shows it")
    config = RepoConfig(data)
    config.checker = checker
    return config
