"""LU014: a backend whose LiteLLM no target is known to deploy, while a LiteLLM of the
repository moves past its boundary: it may be the one that backend calls."""

from __future__ import annotations

from collections.abc import Iterator

from ... import codes
from ...config_check import CONFIG_FILE
from ...installations import CALLEE, CALLER
from ...judge import high, low
from ...model import Finding, Severity
from ..context import LintContext, describe, locate

CODE = codes.INSTALLATION_UNKNOWN
NAME = "installation-unknown"
SEVERITY = Severity.WARNING
EXPLANATION = """\
A target deploys the LiteMaaS backend without LiteLLM (or calls a LiteLLM elsewhere), and
the files do not say which target deploys that LiteLLM: the URL it is given names no
Service of the repository (a host outside the cluster, a URL kept in a Secret, a name no
Service has), while some target of the repository deploys LiteLLM at 1.81.0 or later, or
moves it there in this change. If that LiteLLM is the one the backend calls, the backend
must be at 0.2.0 first; the tool cannot tell, so it warns instead of guessing.

Fix: say which LiteLLM the backend calls, in `.litemaas-upgrade.yaml`:

    installations:
      - name: prod
        backend: envs/prod-values.yaml   # the backend's target, as `scan` shows it
        litellm: litellm/overlays/prod   # the LiteLLM's target

or give the backend a URL that names the LiteLLM Service (`name`, `name.namespace`,
`name.namespace.svc[.cluster.local]`, with its port). The constraint then holds across
the two targets (LU013)."""


def check(ctx: LintContext) -> Iterator[Finding]:
    view = ctx.installations
    if view is None:
        return
    bounds = [c for c in ctx.rules.constraints if c.if_component == CALLEE]
    for u in view.unknown:
        a = u.caller
        backend = a.components[CALLER]
        ready = [c for c in bounds if c.then_component == CALLER]
        have = low(backend)
        if ready and have is not None and all(have >= c.then_at_least for c in ready):
            continue  # at 0.2.0 already: any LiteLLM may move
        moving = []
        for t, base in view.litellms:
            if t.key == a.key:
                continue
            now = high(t.components[CALLEE])
            was = high(base.components[CALLEE]) if base and CALLEE in base.components else None
            for c in bounds:
                crossed = now is not None and now >= c.if_at_least
                if crossed and (ctx.base_label is None or was is None or was < c.if_at_least):
                    if a.key in view.selected or t.key in view.selected:
                        moving.append((t, c))
                    break
        if not moving:
            continue
        url = u.unlinked.url
        if url is not None and url.line:
            file, line, col = url.file, url.line, url.col
        else:
            file, line, col = locate(a, backend)
        calls = f"calls {url.url!r}" if url is not None else "calls a LiteLLM the files do not name"
        others = ", ".join(
            f"{t.path} ({describe(t.components[CALLEE])}, past {c.if_at_least})" for t, c in moving
        )
        message = (
            f"{CALLER} at {describe(backend)} {calls}, which no target of the repository is "
            f"known to deploy, while {CALLEE} is at or moves past its boundary in {others}: "
            "if that is the LiteLLM it calls, the backend must be upgraded first"
        )
        fix = (
            f"declare the installation in {CONFIG_FILE} (installations: [{{backend: {a.path}, "
            f"litellm: {moving[0][0].path}}}]) so that the order is checked, or give "
            f"{CALLER} a URL naming the LiteLLM Service"
        )
        yield Finding(CODE, SEVERITY, message, file, line, col, a.path, fix)
