"""The facts of installations in Kubernetes objects (a Kustomize build, a folder of
manifests): the backend's LITELLM_API_URL (a container's env, or a ConfigMap it reads)
and the Services whose selector picks a LiteLLM workload's pods. Secrets are never read:
a URL kept in one is not found, and the backend stays unlinked (reported, never guessed)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..facts import CallsUrl, Serves
from ..imageref import ImageRef, ImageRefError
from ..rules import Rules
from . import CALLEE, CALLER, URL_ENV

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any, Protocol

    class K8sObject(Protocol):
        kind: str
        namespace: str | None
        data: dict[str, Any]
        file: str
        doc: int

        @property
        def name(self) -> str: ...


# file, doc, YAML path -> (file as shown, line, col)
Locate = Callable[[str, int, tuple[str | int, ...]], tuple[str, int, int]]


def _map(value: Any, *path: str) -> dict[str, Any]:
    """The mapping at `path` below `value`; {} where the files hold something else."""
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def _template(data: dict[str, Any]) -> tuple[tuple[str | int, ...], dict[str, Any]]:
    """Where a workload's pod template is (a Pod is its own), and the template."""
    if data.get("kind") == "Pod":
        return (), data
    if data.get("kind") == "CronJob":
        return ("spec", "jobTemplate", "spec", "template"), _map(
            data, "spec", "jobTemplate", "spec", "template"
        )
    return ("spec", "template"), _map(data, "spec", "template")


def _pod_spec(data: dict[str, Any]) -> tuple[tuple[str | int, ...], dict[str, Any]] | None:
    """The pod spec of a workload (Deployment, StatefulSet, CronJob, ...) or of a Pod."""
    base, template = _template(data)
    spec = _map(template, "spec")
    return (base + ("spec",), spec) if spec else None


def _labels(data: dict[str, Any]) -> dict[str, str]:
    labels = _map(_template(data)[1], "metadata", "labels")
    return {str(k): str(v) for k, v in labels.items()}


def _containers(pod: dict[str, Any]) -> Iterable[tuple[str, int, dict[str, Any]]]:
    for key in ("containers", "initContainers"):
        items = pod.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    yield key, i, item


def _component(rules: Rules, image: Any) -> str | None:
    try:
        return rules.component_of(ImageRef.parse(str(image)))
    except ImageRefError:
        return None


def installation_facts(
    objects: Iterable[K8sObject], rules: Rules, locate: Locate
) -> list[CallsUrl | Serves]:
    """CallsUrl for each backend container told its LiteLLM URL (a literal env value, or a
    ConfigMap key it reads that the objects hold), Serves for each Service selecting the
    pods of a workload that runs LiteLLM."""
    objs = list(objects)
    configmaps = {(o.name, o.namespace or ""): o for o in objs if o.kind == "ConfigMap"}
    callee_pods: list[tuple[str, dict[str, str]]] = []  # (namespace, labels)
    out: list[CallsUrl | Serves] = []
    for o in objs:
        found = _pod_spec(o.data)
        if found is None:
            continue
        base, pod = found
        ns = o.namespace or ""
        comps = {_component(rules, c.get("image")) for _, _, c in _containers(pod)}
        if CALLEE in comps:
            callee_pods.append((ns, _labels(o.data)))
        for key, i, c in _containers(pod):
            if _component(rules, c.get("image")) != CALLER:
                continue
            out.extend(_env_urls(o, base + (key, i), c, configmaps, locate))
    for o in objs:
        if o.kind != "Service":
            continue
        spec = o.data.get("spec")
        if not isinstance(spec, dict) or not isinstance(spec.get("selector"), dict):
            continue
        selector = {str(k): str(v) for k, v in spec["selector"].items()}
        ns = o.namespace or ""
        if not selector or not any(
            (pns == ns or not pns or not ns) and selector.items() <= labels.items()
            for pns, labels in callee_pods
        ):
            continue
        listed = spec.get("ports")
        ports = tuple(
            p["port"]
            for p in (listed if isinstance(listed, list) else [])
            if isinstance(p, dict) and isinstance(p.get("port"), int)
        )
        file, line, col = locate(o.file, o.doc, ("metadata", "name"))
        out.append(Serves(CALLEE, o.name, ns, ports, file, line, col))
    return out


def _env_urls(
    o: K8sObject,
    at: tuple[str | int, ...],
    container: dict[str, Any],
    configmaps: dict[tuple[str, str], Any],
    locate: Locate,
) -> list[CallsUrl]:
    ns = o.namespace or ""
    env = container.get("env")
    for i, item in enumerate(env if isinstance(env, list) else []):
        if not isinstance(item, dict) or item.get("name") != URL_ENV:
            continue
        if isinstance(item.get("value"), str):
            file, line, col = locate(o.file, o.doc, at + ("env", i, "value"))
            return [CallsUrl(CALLER, item["value"], file, line, col, f"env {URL_ENV}", ns)]
        ref = _map(item, "valueFrom", "configMapKeyRef")
        if ref:
            cm = configmaps.get((str(ref.get("name")), ns))
            found = _from_configmap(cm, str(ref.get("key")), ns, locate)
            return [found] if found is not None else []
        return []  # from a Secret, or a field: not read
    sources = container.get("envFrom")
    for source in sources if isinstance(sources, list) else []:
        ref = _map(source, "configMapRef")
        if ref:
            cm = configmaps.get((str(ref.get("name")), ns))
            found = _from_configmap(cm, URL_ENV, ns, locate)
            if found is not None:
                return [found]
    return []


def _from_configmap(cm: Any, key: str, ns: str, locate: Locate) -> CallsUrl | None:
    if cm is None:
        return None
    data = cm.data.get("data")
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str):
        return None
    file, line, col = locate(cm.file, cm.doc, ("data", key))
    return CallsUrl(CALLER, value, file, line, col, f"ConfigMap/{cm.name} data.{key}", ns)
