"""Link backends to the LiteLLM they call, over a scan's targets: the config file's
`installations:` first (it always wins), then the backend's URL matched to the Services
that select LiteLLM (`name`, `name.namespace`, `name.namespace.svc[.cluster.local]`, and
the port), then the chart's own LiteLLM in the same release. A URL no target deploys is
kept as unlinked, with where it is written: reported, never guessed."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..config_check import CONFIG_FILE, config_fail
from ..facts import CallsUrl, Serves
from ..model import Target
from ..records import field, record
from . import CALLEE, CALLER

DECLARED = "declared"  # in the config file
URL = "url"  # the backend's URL names one of the target's Services
OWN = "own"  # the chart's own LiteLLM, or the same compose file

Key = tuple[str, str]  # Target.key: (path, kind)


@record(frozen=True, slots=True)
class Link:
    """One backend's target calling one LiteLLM's target, and how that is known."""

    caller: Key
    callee: Key
    how: str  # DECLARED, URL, OWN
    url: CallsUrl | None = None
    service: Serves | None = None
    declared_at: str = ""  # `.litemaas-upgrade.yaml:4:5` for DECLARED

    def describe(self) -> str:
        if self.how == DECLARED:
            return f"declared in {self.declared_at}"
        if self.how == OWN:
            u = self.url
            if u is None:
                return f"the target's own {CALLEE} (no URL in the files)"
            where = f"{_at(u.file, u.line)} {u.path}"
            if not u.url:
                return f"the chart's own {CALLEE} ({where})"
            if self.service is not None:
                return f"{u.url!r} at {where} names compose service {self.service.name}"
            return f"the target's own {CALLEE} ({u.url!r} at {where} names no Service in the files)"
        assert self.url is not None and self.service is not None
        s = self.service
        return (
            f"{self.url.path} {self.url.url!r} at {_at(self.url.file, self.url.line)} names "
            f"{s.how} {s.name}{'.' + s.namespace if s.namespace else ''} at {_at(s.file, s.line)}"
        )

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "backend": self.caller[0],
            "litellm": self.callee[0],
            "how": self.how,
        }
        if self.url is not None:
            out["url"] = _url_json(self.url)
        if self.service is not None:
            s = self.service
            out["service"] = {
                "name": s.name,
                "namespace": s.namespace,
                "ports": list(s.ports),
                "file": s.file,
                "line": s.line,
            }
        if self.declared_at:
            out["declared"] = self.declared_at
        return out


@record(frozen=True, slots=True)
class Unlinked:
    """A backend whose LiteLLM no target of the repository is known to deploy."""

    caller: Key
    url: CallsUrl | None  # None: the files do not say which URL it is given

    def describe(self) -> str:
        if self.url is None:
            return (
                f"the {CALLER} in {self.caller[0]} calls a {CALLEE} the files do not name "
                "(no URL found outside Secrets)"
            )
        u = self.url
        return (
            f"the {CALLER} in {self.caller[0]} calls {u.url!r} ({_at(u.file, u.line)} {u.path}), "
            "which no target in this repository deploys"
        )

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"backend": self.caller[0], "why": self.describe()}
        if self.url is not None:
            out["url"] = _url_json(self.url)
        return out


@record
class Installation:
    """Targets that talk to each other: backends and the LiteLLM(s) they call."""

    name: str
    members: list[Key]  # backends' targets first, then LiteLLM's, each once
    links: list[Link] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "members": [k[0] for k in self.members],
            "links": [lk.to_json() for lk in self.links],
        }


@record
class Installations:
    installations: list[Installation] = field(default_factory=list)
    unlinked: list[Unlinked] = field(default_factory=list)

    def links(self) -> list[Link]:
        return [lk for inst in self.installations for lk in inst.links]

    def of(self, key: Key) -> Installation | None:
        return next((i for i in self.installations if key in i.members), None)

    def to_json(self) -> dict[str, object]:
        return {
            "installations": [i.to_json() for i in self.installations],
            "unlinked": [u.to_json() for u in self.unlinked],
        }


def _at(file: str, line: int) -> str:
    return f"{file}:{line}" if line else file


def host_port(url: str) -> tuple[str, int | None] | None:
    """The host and port a URL names (a scheme's default port when it names none)."""
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or "$" in text or "{" in text:
        return None  # unset, or still to be interpolated: not a name to match
    if port is None:
        port = {"http": 80, "https": 443}.get(parts.scheme)
    return host, port


def serves(url: CallsUrl, svc: Serves, same_target: bool) -> bool:
    """Whether the URL reaches the Service: its name (in the caller's namespace), or
    name.namespace[.svc[.cluster.local]], on one of its ports."""
    found = host_port(url.url)
    if found is None:
        return False
    host, port = found
    if svc.how == "compose service":
        return same_target and host == svc.name  # the file's own network
    first, _, rest = host.partition(".")
    if first != svc.name:
        return False
    if rest:
        ns, _, tail = rest.partition(".")
        if tail not in ("", "svc", "svc.cluster.local"):
            return False  # another domain: not this Service
        if svc.namespace and ns != svc.namespace:
            return False
    elif svc.namespace and url.namespace and svc.namespace != url.namespace:
        return False  # a short name resolves in the caller's own namespace
    return not svc.ports or port is None or port in svc.ports


class _ServiceIndex:
    """The Services a URL may reach (serves() decides), found by name and namespace."""

    def __init__(self) -> None:
        self._by: dict[tuple[str, str], list[tuple[Target, Serves]]] = {}
        self._named: dict[str, list[tuple[Target, Serves]]] = {}
        self._own: dict[Key, list[tuple[Target, Serves]]] = {}

    def add(self, target: Target, svc: Serves) -> None:
        self._own.setdefault(target.key, []).append((target, svc))
        if svc.how == "compose service":
            return  # on its file's own network: reached from that file only
        self._by.setdefault((svc.name, svc.namespace or ""), []).append((target, svc))
        self._named.setdefault(svc.name, []).append((target, svc))

    def of_target(self, key: Key) -> list[tuple[Target, Serves]]:
        return self._own.get(key, [])

    def candidates(self, url: CallsUrl) -> list[tuple[Target, Serves]]:
        found = host_port(url.url)
        if found is None:
            return []
        first, _, rest = found[0].partition(".")
        ns = rest.partition(".")[0] if rest else (url.namespace or "")
        if not ns:
            return self._named.get(first, [])  # any namespace: serves() decides
        # In that namespace, and Services whose namespace the files do not say.
        return self._by.get((first, ns), []) + self._by.get((first, ""), [])


def link(
    targets: list[Target], config: dict | None = None, shown: str = CONFIG_FILE
) -> Installations:
    """Installations of the targets (a whole scan's: a LiteLLM and its backend are often
    in different targets). `config`: the repository's checked config file."""
    by_path: dict[str, list[Target]] = {}
    for t in targets:
        by_path.setdefault(t.path, []).append(t)
    links: list[Link] = []
    unlinked: list[Unlinked] = []
    declared: set[Key] = set()
    names: dict[Key, str] = {}
    for i, entry in enumerate((config or {}).get("installations") or []):
        at = ("installations", i)
        caller = _named(by_path, entry["backend"], CALLER, config, at + ("backend",), shown)
        callee = _named(by_path, entry["litellm"], CALLEE, config, at + ("litellm",), shown)
        line, col = _position(config, at)
        where = f"{shown}:{line}:{col}" if line else shown
        links.append(Link(caller.key, callee.key, DECLARED, declared_at=where))
        declared.add(caller.key)
        if entry.get("name"):
            names.setdefault(caller.key, str(entry["name"]))
    # Services by name and namespace: a URL can only reach a Service named as its host's
    # first label, in the namespace it names or its caller's (one lookup per URL, not a
    # pass over every Service: 1,000 overlays each with a `litellm` Service).
    services = _ServiceIndex()
    for t in targets:
        if CALLEE in t.components:
            for f in t.facts:
                if isinstance(f, Serves):
                    services.add(t, f)
    for t in targets:
        if CALLER not in t.components or t.key in declared:
            continue
        urls = [f for f in t.facts if isinstance(f, CallsUrl)]
        found = False
        for url in urls:
            if not url.url:
                if CALLEE in t.components:
                    links.append(Link(t.key, t.key, OWN, url))
                    found = True
                continue
            # A Service of the caller's own target that answers the URL is the one it
            # reaches: a build or a release puts both in one namespace. Only when none
            # does are the other targets' Services asked.
            own = services.of_target(t.key)
            others = [c for c in services.candidates(url) if c[0].key != t.key]
            for pool in (own, others):
                for other, svc in pool:
                    if t.kind == "compose" and svc.how != "compose service":
                        continue  # a compose network holds the file's services only
                    if serves(url, svc, pool is own):
                        how = OWN if pool is own and svc.how == "compose service" else URL
                        links.append(Link(t.key, other.key, how, url, svc))
                        found = True
                if found:
                    break
        if not found:
            if CALLEE in t.components:
                # No Service in the files answers the URL (a Route, a Service the build
                # does not hold): the target's own LiteLLM is the one it is judged with,
                # as it always is; the link says so.
                links.append(Link(t.key, t.key, OWN, urls[0] if urls else None))
                continue
            unlinked.extend([Unlinked(t.key, u) for u in urls] or [Unlinked(t.key, None)])
    return Installations(_group(links, names), unlinked)


def _named(
    by_path: dict[str, list[Target]],
    path: str,
    component: str,
    config: dict | None,
    at: tuple[str | int, ...],
    shown: str,
) -> Target:
    want = path.rstrip("/") or "."
    found = [t for t in by_path.get(want, []) if component in t.components]
    if len(found) != 1:
        known = sorted(p for p, ts in by_path.items() if any(component in t.components for t in ts))
        why = "no target" if not found else "more than one target"
        config_fail(
            config,
            at,
            f"{path!r}: {why} deploys {component} there (targets with {component}: "
            f"{', '.join(known) or 'none'})",
            shown,
        )
    return found[0]


def _position(config: dict | None, at: tuple[str | int, ...]) -> tuple[int, int]:
    checker = getattr(config, "checker", None)
    return checker.position(at) if checker is not None else (0, 0)


def _group(links: list[Link], names: dict[Key, str]) -> list[Installation]:
    """Connected targets form one installation (a shared LiteLLM joins its backends)."""
    parent: dict[Key, Key] = {}

    def root(k: Key) -> Key:
        while parent.setdefault(k, k) != k:
            k = parent[k]
        return k

    for lk in links:
        parent[root(lk.caller)] = root(lk.callee)
    groups: dict[Key, list[Link]] = {}
    for lk in links:
        groups.setdefault(root(lk.caller), []).append(lk)
    out = []
    for group in groups.values():
        callers = sorted({lk.caller for lk in group})
        callees = sorted({lk.callee for lk in group} - set(callers))
        default = ", ".join(k[0] for k in callers)
        if callees:
            default += " -> " + ", ".join(k[0] for k in callees)
        name = next((names[k] for k in callers if k in names), default)
        out.append(Installation(name, [*callers, *callees], sorted(set(group), key=_order)))
    return sorted(out, key=lambda i: i.members)


def _order(lk: Link) -> tuple[str, str, str]:
    return (lk.caller[0], lk.callee[0], lk.how)


def _url_json(url: CallsUrl) -> dict[str, object]:
    return {"value": url.url, "file": url.file, "line": url.line, "path": url.path}
