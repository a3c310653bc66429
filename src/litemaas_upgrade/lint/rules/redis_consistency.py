"""LU018 (advisory): at a release whose guide makes Redis optional, the backend's Redis
(REDIS_HOST) and the Redis the files deploy do not agree, or Redis is turned off."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from ... import codes
from ...errors import InputError
from ...facts import RedisEnv, RedisValues
from ...model import Finding, Severity, Target
from ..context import LintContext, advised

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from ...rulesets import Advisory
    from ...source import Source

CODE = codes.REDIS_CONSISTENCY
NAME = "redis-consistency"
SEVERITY = Severity.INFO
EXPLANATION = """\
The LiteMaaS v0.4.0 guide makes Redis optional: when the backend is given `REDIS_HOST`, it
flushes LiteLLM's cache after a model is created, changed or deleted, so that every
LiteLLM proxy pod sees the change at once; without it the flush is skipped, everything
still works, and changes take longer to appear (LiteLLM's own cache TTL). A rule set asks
for this check with an advisory (`check: redis-consistency`, from the version it names).
For a target whose backend is at or past that version, where its files can tell:

- Helm (the chart in the repository; its templates are read): `redis.enabled: false` and
  no `backend.redis.host`, so the backend has no Redis; `redis.enabled: true` with
  `backend.redis.host` set, so the chart deploys a Redis the backend is not given (the
  guide: with an external Redis, disable the built-in one); `redis.enabled: true` in a
  chart whose templates deploy Redis but give the backend no `REDIS_HOST`; Redis values
  in a chart whose templates know no Redis (a chart before v0.4.0: they do nothing).
- Kustomize and folders of manifests: a Redis Deployment or StatefulSet in the build
  while the backend's env has no `REDIS_HOST`; `REDIS_HOST` naming an in-cluster Service
  (a name without dots, or `name.namespace.svc...`) that nothing in the build deploys
  and no file of another folder declares (a file beside the kustomization that its
  `resources` leave out deploys nothing: upstream's `redis-service.yaml`).

Nothing is said where the files cannot tell: a chart not in the repository, a
`REDIS_HOST` kept in a Secret or in a ConfigMap the build does not hold, an external
host. Compose files are not checked.

A note, never blocking. Fix: as the finding says (the v0.4.0 guide's Helm values
`redis.enabled` and `backend.redis.host`; the Kustomize folder's `redis-deployment.yaml`,
`redis-service.yaml` and the backend's `REDIS_HOST`), or ignore it if the state is
intended."""

# The v0.4.0 chart's templates: REDIS_HOST is `backend.redis.host`, else the built-in
# Redis's name when `redis.enabled`; the built-in Redis is deployed when `redis.enabled`.
GIVES_HOST = b"REDIS_HOST"
READS_HOST = b".Values.backend.redis.host"
READS_ENABLED = b".Values.redis.enabled"


def check(ctx: LintContext) -> Iterator[Finding]:
    source = ctx.source
    if source is None:
        return  # a plan file: its targets' files are not at hand
    for target, advisory, _state, version in advised(ctx, NAME):
        said = f"{advisory.component} is at {version}"
        for fact in target.facts:
            if isinstance(fact, RedisValues):
                found = _helm(source, target, fact, said, advisory)
            elif isinstance(fact, RedisEnv):
                found = _k8s(source, target, fact, said, advisory)
            else:
                continue
            if found is not None:
                yield found


def _finding(target: Target, at: tuple[str, int, int], message: str, fix: str) -> Finding:
    file, line, col = at if at[0] else (target.path, 0, 0)
    return Finding(CODE, SEVERITY, message, file, line, col, target.path, fix)


def _helm(
    source: Source, target: Target, fact: RedisValues, said: str, advisory: Advisory
) -> Finding | None:
    if not fact.chart:
        return None  # the chart is not in the repository: its templates cannot be read
    chart = (source.root / fact.chart).resolve()
    text = _templates(source, chart / "templates")
    if text is None:
        return None
    gives, gates = GIVES_HOST in text, READS_ENABLED in text
    reads = READS_HOST in text and gates
    enabled, host, p = f"{fact.prefix}redis.enabled", f"{fact.prefix}backend.redis.host", fact
    if p.enabled is False and not p.host and (reads or not gives):
        return _finding(
            target,
            p.enabled_at,
            f"{said}, Redis is off ({enabled}: false) and the backend is given no Redis "
            f"host ({host} is empty): cache flush after model changes is skipped, and model "
            "changes may take longer to reach every LiteLLM proxy pod "
            f"({advisory.id}: {advisory.why})",
            f"for immediate propagation set {enabled}: true, or {host} to your Redis"
            + ("" if gives else " once the chart's templates are v0.4.0's (these have no Redis)")
            + "; or ignore this note if Redis is left out on purpose",
        )
    if reads and p.enabled is True and p.host:
        return _finding(
            target,
            p.host_at,
            f"{said}, {enabled} is true and {host} is {p.host!r}: the chart deploys its "
            f"own Redis, and the backend is given {p.host!r} instead, so the built-in one "
            f"is not used ({advisory.id})",
            f"with an external Redis, set {enabled}: false (the v0.4.0 guide); or clear "
            f"{host} to use the built-in one",
        )
    if gates and not gives and p.enabled is True:
        return _finding(
            target,
            p.enabled_at,
            f"{said}, {enabled} is true and the chart's templates deploy Redis, but none "
            "gives the backend REDIS_HOST: the backend never flushes LiteLLM's cache "
            f"after model changes ({advisory.id})",
            "give the backend REDIS_HOST (the v0.4.0 chart sets it from backend.redis.host, "
            "else the built-in Redis's name)",
        )
    if not gives and not gates and (p.enabled is True or p.host):
        if _has_subcharts(chart):
            return None  # a subchart may deploy Redis: cannot tell
        what = f"{enabled}: true" if p.enabled is True else f"{host}: {p.host!r}"
        return _finding(
            target,
            p.enabled_at if p.enabled is True else p.host_at,
            f"{said}, the values set {what}, but the chart's templates know no Redis (a "
            "chart before v0.4.0): no Redis is deployed and the backend is given no "
            f"REDIS_HOST ({advisory.id})",
            "update the chart's templates to v0.4.0's (they deploy Redis and give the "
            "backend REDIS_HOST), or drop the Redis values",
        )
    return None


def _k8s(
    source: Source, target: Target, fact: RedisEnv, said: str, advisory: Advisory
) -> Finding | None:
    at = (fact.file, fact.line, fact.col)
    if not fact.host:
        if not fact.redis:
            return None  # no Redis, and the backend is told none: Redis left out
        return _finding(
            target,
            at,
            f"{said}, the build deploys Redis ({', '.join(fact.redis)}), but the backend's "
            "env has no REDIS_HOST: it never flushes LiteLLM's cache after model changes "
            f"({advisory.id}: {advisory.why})",
            "set REDIS_HOST in the backend's env to the Redis Service's name (the v0.4.0 "
            "guide), or drop the Redis workload if it is not wanted",
        )
    service = _in_cluster(fact.host)
    if service is None:
        return None  # an external host, an address, or a form that cannot be told
    name, namespace = service
    if any(_same(s, name, namespace or fact.namespace) for s in fact.services):
        return None
    if _declared(source, name, target.path):
        return None
    return _finding(
        target,
        at,
        f"{said}, REDIS_HOST is {fact.host!r} ({fact.path}), a Service that nothing in "
        "the build deploys and no other folder of the repository declares: the backend "
        f"cannot reach Redis ({advisory.id})",
        "add the Redis Deployment and Service to the build (the v0.4.0 Kustomize folder's "
        "redis-deployment.yaml and redis-service.yaml in resources), or point REDIS_HOST "
        "at your Redis",
    )


def _in_cluster(host: str) -> tuple[str, str] | None:
    """(Service, namespace or "") for a host that can only be an in-cluster Service: a
    name without dots, or `name.namespace.svc[.cluster.local]`."""
    host = host.lower().rstrip(".")
    if not host or any(c in host for c in "$:{}/ ") or host == "localhost":
        return None
    if "." not in host:
        return (host, "") if not host.replace("-", "").isdigit() else None
    parts = host.split(".")
    # `name.namespace.svc`, `name.namespace.svc.cluster.local` (any cluster domain)
    if len(parts) >= 3 and parts[2] == "svc" and all(parts):
        return parts[0], parts[1]
    return None


def _same(service: str, name: str, namespace: str) -> bool:
    svc_name, _, svc_ns = service.partition(".")
    return svc_name == name and (not namespace or not svc_ns or svc_ns == namespace)


def _declared(source: Source, name: str, folder: str) -> bool:
    """Whether a file of the repository declares a Service named `name` (the bytes say
    `kind: Service` and `name: <name>`; lenient, so that doubt keeps the note quiet). A
    file in the target's own folder does not count: its build (what `kubectl apply -k`
    or `-f` of the folder deploys) was searched, and one it leaves out is not deployed
    (the v0.4.0 folder's redis-service.yaml, not listed in resources)."""
    wanted = re.compile(rb"^\s*name:\s*['\"]?" + re.escape(name.encode()) + rb"['\"]?\s*$", re.M)
    for rel in source.containing((b"kind: Service",), ("",)):
        if source.display(posixpath.dirname(rel)) == folder:
            continue
        try:
            data = source.read(rel)
        except InputError:
            continue
        if wanted.search(data):
            return True
    return False


def _templates(source: Source, folder: Path) -> bytes | None:
    """The text of a chart's templates inside the repository; None when it has none."""
    root = source.root.resolve()
    if not folder.is_dir() or not folder.is_relative_to(root):
        return None
    parts = []
    for path in sorted(folder.rglob("*")):
        real = path.resolve()
        if not path.is_file() or not real.is_relative_to(root):
            continue  # (a link out of the repository is never read)
        try:
            # Regular files within the read limits (bounded.py), as every other read.
            parts.append(source.read(real.relative_to(root).as_posix()))
        except InputError:
            return None  # unreadable: cannot tell
    return b"\n".join(parts) if parts else None


def _has_subcharts(chart: Path) -> bool:
    sub = chart / "charts"
    return sub.is_dir() and any(sub.iterdir())
