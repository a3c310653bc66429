"""What lint judges of installations: each backend's target joined with the LiteLLM
target it calls (now and at the base), the backends whose LiteLLM is not known, and
every target deploying LiteLLM (to tell when one moves while a link is unknown)."""

from __future__ import annotations

import re

from ..errors import InputError
from ..facts import CallsUrl, Serves
from ..model import Target
from ..records import field, record
from ..source import Source
from . import CALLEE, CALLER
from .link import Installations, Key

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from .link import Link, Unlinked


@record
class Joined:
    """One backend's target and the other target whose LiteLLM it calls."""

    name: str  # the installation's
    link: Link
    caller: Target
    callee: Target
    caller_base: Target | None = None
    callee_base: Target | None = None


@record
class Unknown:
    """A backend whose LiteLLM no target is known to deploy."""

    unlinked: Unlinked
    caller: Target


@record
class View:
    joined: list[Joined] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)
    # Every target deploying LiteLLM now, with itself at the base (None: not there).
    litellms: list[tuple[Target, Target | None]] = field(default_factory=list)
    selected: set[Key] = field(default_factory=set)  # the targets the PATHs select


# What a file that may hold another target's LiteLLM Service contains: a Service, or a
# GitOps object whose chart names one (a cheap search of the repository's bytes).
# (One line each: a view at a git revision searches with `git grep`.)
SERVICE_MARKERS = (b"kind: Service", b"HelmRelease", b"argoproj.io")
_SERVICE = re.compile(rb"^\s*kind:\s*[\"']?Service[\"']?\s*$|HelmRelease|argoproj\.io", re.M)


def needs_every_target(targets: list[Target], config: dict | None, source: Source) -> bool:
    """Whether a scoped scan (pre-commit) must be widened, because a target it resolved
    may be linked to one that no changed file reads: one that deploys the backend or
    LiteLLM without the other, a LiteLLM Service (another target's backend may call it),
    a backend given a URL while the repository holds Services elsewhere (it may name
    another target's LiteLLM), or installations declared in the config. A compose
    file's network is its own."""
    if config and config.get("installations"):
        return True
    calls = False
    for t in targets:
        if (CALLER in t.components) != (CALLEE in t.components):
            return True
        if t.kind == "compose":
            continue
        for f in t.facts:
            if isinstance(f, Serves) and _named_elsewhere(f.name, set(t.files), source):
                return True
        calls = calls or any(isinstance(f, CallsUrl) and f.url for f in t.facts)
    if not calls:
        return False
    for rel in source.containing(SERVICE_MARKERS, (".yaml", ".yml")):
        # A chart's templates are not read as objects; `kind: ServiceAccount` is no Service.
        if "/templates/" in "/" + rel:
            continue
        try:
            if _SERVICE.search(source.read(rel)):
                return True
        except InputError:
            return True  # cannot tell: widen (fail closed)
    return False


def _named_elsewhere(name: str, own: set[str], source: Source) -> bool:
    """Whether a file the target does not read names its LiteLLM Service: how else would
    another target's backend call it (its URL is in the repository's text)."""
    found = source.containing((name.encode(),), (".yaml", ".yml", ".env", ".local", ".template"))
    return any(rel not in own for rel in found)


def view(
    found: Installations,
    now: list[Target],
    base: dict[Key, Target] | None,
    selected: list[Target],
) -> View:
    by_key = {t.key: t for t in now}
    base = base or {}
    keys = {t.key for t in selected}
    out = View(selected=keys)
    for inst in found.installations:
        for lk in inst.links:
            if lk.caller == lk.callee or not keys & {lk.caller, lk.callee}:
                continue
            out.joined.append(
                Joined(
                    inst.name,
                    lk,
                    by_key[lk.caller],
                    by_key[lk.callee],
                    base.get(lk.caller),
                    base.get(lk.callee),
                )
            )
    out.unknown = [Unknown(u, by_key[u.caller]) for u in found.unlinked]
    out.litellms = [(t, base.get(t.key)) for t in now if CALLEE in t.components]
    return out
