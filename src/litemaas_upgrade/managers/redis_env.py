"""What Kubernetes objects (a Kustomize build, a folder of manifests) say about Redis for
the backend (LU018): the REDIS_HOST each backend container is given (a literal env value,
or a ConfigMap the objects hold; a Secret is never read: the host is then unknown), the
workloads that run Redis and the Services of the build."""

from __future__ import annotations

from collections.abc import Iterable

from ..facts import RedisEnv
from ..imageref import ImageRef, ImageRefError
from ..installations import CALLER
from ..installations.k8s import Locate, _containers, _map, _pod_spec
from ..rules import Rules

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ..installations.k8s import K8sObject

HOST_ENV = "REDIS_HOST"
KIND = "redis-consistency"  # the lint rule that reads these facts (rulesets.ADVISORY_KINDS)


def is_redis(image: Any) -> bool:
    """An image of Redis: its last path segment is `redis` or starts `redis-`
    (redis:7-alpine, bitnami/redis, redis/redis-stack-server)."""
    try:
        last = ImageRef.parse(str(image)).name.rsplit("/", 1)[-1]
    except ImageRefError:
        return False
    return last == "redis" or last.startswith("redis-")


def redis_env(objects: Iterable[K8sObject], rules: Rules, locate: Locate) -> list[RedisEnv]:
    """One RedisEnv per backend container whose REDIS_HOST the objects tell (a host, or
    surely none while the build runs Redis), when the rules ask for the check."""
    if not any(a.kind == KIND for a in rules.advisories):
        return []
    objs = list(objects)
    configmaps = {(o.name, o.namespace or ""): o for o in objs if o.kind == "ConfigMap"}
    services = tuple(
        f"{o.name}.{o.namespace}" if o.namespace else o.name for o in objs if o.kind == "Service"
    )
    redis: list[str] = []
    backends: list[tuple[K8sObject, tuple[str | int, ...], dict[str, Any]]] = []
    for o in objs:
        found = _pod_spec(o.data)
        if found is None:
            continue
        base, pod = found
        for key, i, c in _containers(pod):
            if is_redis(c.get("image")):
                redis.append(f"{o.kind}/{o.name}")
            elif _component(rules, c.get("image")) == CALLER and key == "containers":
                backends.append((o, base + (key, i), c))
    out = []
    for o, at, c in backends:
        host, where, path = _host(o, at, c, configmaps, locate)
        if host is None:
            continue  # from a Secret, a field, a ConfigMap not in the objects: unknown
        if not host and not redis:
            continue  # no Redis, and none given: nothing to weigh (kept small)
        out.append(
            RedisEnv(host, *where, path, o.namespace or "", tuple(dict.fromkeys(redis)), services)
        )
    return out


def _component(rules: Rules, image: Any) -> str | None:
    try:
        return rules.component_of(ImageRef.parse(str(image)))
    except ImageRefError:
        return None


def _host(
    o: K8sObject,
    at: tuple[str | int, ...],
    container: dict[str, Any],
    configmaps: dict[tuple[str, str], Any],
    locate: Locate,
) -> tuple[str | None, tuple[str, int, int], str]:
    """The container's REDIS_HOST: (host, where, what sets it); host "" when its env and
    the ConfigMaps it reads surely have none, None when the files cannot tell."""
    ns = o.namespace or ""
    env = container.get("env")
    for i, item in enumerate(env if isinstance(env, list) else []):
        if not isinstance(item, dict) or item.get("name") != HOST_ENV:
            continue
        if isinstance(item.get("value"), str):
            where = locate(o.file, o.doc, at + ("env", i, "value"))
            return item["value"].strip(), where, f"env {HOST_ENV}"
        ref = _map(item, "valueFrom", "configMapKeyRef")
        if ref:
            cm = configmaps.get((str(ref.get("name")), ns))
            found = _from_configmap(cm, str(ref.get("key")), locate)
            # (a key the ConfigMap lacks: the pod does not start, or `optional`: unknown)
            return found if found[0] else (None, ("", 0, 0), "")
        return None, ("", 0, 0), ""  # a Secret, a field
    sources = container.get("envFrom")
    for source in sources if isinstance(sources, list) else []:
        if not isinstance(source, dict) or "configMapRef" not in source:
            return None, ("", 0, 0), ""  # a Secret (never read), or something unknown
        ref = _map(source, "configMapRef")
        found = _from_configmap(configmaps.get((str(ref.get("name")), ns)), HOST_ENV, locate)
        if found[0] != "":
            return found  # set there, or a ConfigMap not in the objects
    return "", locate(o.file, o.doc, at + ("name",)), "the backend container's env"


def _from_configmap(
    cm: Any, key: str, locate: Locate
) -> tuple[str | None, tuple[str, int, int], str]:
    """The ConfigMap's value for `key`: "" when it has none, None when it is not in the
    objects (or holds no string)."""
    if cm is None:
        return None, ("", 0, 0), ""
    data = cm.data.get("data")
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        return "", ("", 0, 0), ""
    if not isinstance(value, str):
        return None, ("", 0, 0), ""
    where = locate(cm.file, cm.doc, ("data", key))
    return value.strip(), where, f"ConfigMap/{cm.name} data.{key}"
