"""A loopback stand-in for the registries Renovate looks tags up in (quay.io, ghcr.io, a
Helm repository), so that the check can run Renovate's real lookup offline.

It speaks just enough of each protocol for Renovate's docker and helm datasources:
`GET /v2/` (no auth), `GET /v2/<repository>/tags/list`, 404 for manifests (Renovate then
goes on without labels), and `GET /charts/index.yaml`. The tag lists are a fixture
(`TAGS` below), not a copy of the real registries.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Image repositories end in these names; the check routes every LiteMaaS and LiteLLM image
# (any registry, mirrors too) here. LiteMaaS releases are the catalog's; the LiteLLM tags
# are a sample with a newer stable tag below 1.81, the 1.81 stable tag, a nightly and the
# floating tags, so that the versioning and the approval rule each have a case to decide.
TAGS: dict[str, list[str]] = {
    "litemaas-backend": ["0.1.2", "0.1.3", "0.2.0", "0.2.1", "0.3.0", "0.3.1", "0.4.0", "latest"],
    "litemaas-frontend": ["0.1.2", "0.1.3", "0.2.0", "0.2.1", "0.3.0", "0.3.1", "0.4.0", "latest"],
    "litellm-non_root": [
        "main-v1.74.7-stable",
        "main-v1.80.15-stable",
        "main-v1.81.0-stable",
        "main-v1.81.0-nightly",
        "main-stable",
        "main-latest",
    ],
    "litellm-non-root": ["main-v1.81.0-stable-custom"],
    "charts/litemaas": ["0.1.3", "0.2.0", "0.2.1"],
}
CHART_VERSIONS = TAGS["charts/litemaas"]


def _tags_for(repository: str) -> list[str] | None:
    for suffix, tags in TAGS.items():
        if repository == suffix or repository.endswith("/" + suffix):
            return tags
    return None


def _chart_index() -> bytes:
    entries = "".join(
        f"  - name: litemaas\n    version: {v}\n    appVersion: \"{v}\"\n"
        f"    urls: [litemaas-{v}.tgz]\n"
        for v in CHART_VERSIONS
    )
    return ("apiVersion: v1\nentries:\n  litemaas:\n" + entries).encode()


class _Handler(BaseHTTPRequestHandler):
    requests: list[str]  # set on the subclass made per server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        self.requests.append(f"{self.command} {self.path}")

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        path = self.path.split("?", 1)[0]
        if path == "/charts/index.yaml":
            return self._send(200, _chart_index(), "application/x-yaml")
        if path in ("/v2", "/v2/"):
            return self._send(200, b"{}")
        if path.startswith("/v2/") and path.endswith("/tags/list"):
            repository = path[len("/v2/") : -len("/tags/list")]
            tags = _tags_for(repository)
            if tags is not None:
                return self._send(200, json.dumps({"name": repository, "tags": tags}).encode())
        return self._send(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}')

    do_HEAD = do_GET


class LoopbackRegistry:
    """`with LoopbackRegistry() as reg:` serves on 127.0.0.1:`reg.port` in a thread."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"requests": self.requests})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackRegistry:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
