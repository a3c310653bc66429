"""The facts of installations in a compose file: the backend service's LITELLM_API_URL
(`environment:` as a list or a mapping) and the LiteLLM services, reachable by their
service name on the file's own network (so only from the same file)."""

from __future__ import annotations

from ..facts import CallsUrl, Serves
from . import CALLEE, CALLER, URL_ENV

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ..yamlio import YamlDoc


def compose_facts(
    shown: str, doc: YamlDoc, services: dict[str, list[Any]]
) -> list[CallsUrl | Serves]:
    """`services`: component -> the compose services that run it (ComposeData.services)."""
    data = doc.data if isinstance(doc.data, dict) else {}
    raw = data.get("services")
    defs: dict[str, Any] = raw if isinstance(raw, dict) else {}
    out: list[CallsUrl | Serves] = []
    for svc in services.get(CALLEE, []):
        node = doc.find(("services", svc.name))
        at = (node.line, node.col) if node is not None else (0, 0)
        out.append(Serves(CALLEE, svc.name, "", (), shown, *at, how="compose service"))
    for svc in services.get(CALLER, []):
        spec = defs.get(svc.name)
        env = spec.get("environment") if isinstance(spec, dict) else None
        found = _url(env)
        if found is None:
            continue
        key, url = found
        node = doc.find(("services", svc.name, "environment", key))
        at = (node.line, node.col) if node is not None else (0, 0)
        out.append(CallsUrl(CALLER, url, shown, *at, f"services.{svc.name}.environment"))
    return out


def _url(env: Any) -> tuple[str | int, str] | None:
    if isinstance(env, dict):
        value = env.get(URL_ENV)
        return (URL_ENV, str(value)) if isinstance(value, str) else None
    if isinstance(env, list):
        for i, item in enumerate(env):
            if isinstance(item, str) and item.startswith(URL_ENV + "="):
                return i, item[len(URL_ENV) + 1 :]
    return None
