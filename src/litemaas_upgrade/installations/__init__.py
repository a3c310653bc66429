"""Installations: a LiteMaaS backend and the LiteLLM it calls, across targets.

The managers record what the files say (facts.CallsUrl: the URL a backend is given and
where; facts.Serves: the Services that select a LiteLLM workload, and where); `link`
turns those facts, and the config file's `installations:`, into installations over a
scan's targets. The upgrade rules then hold per installation (judge.joined)."""

from __future__ import annotations

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..model import Target

# The components an installation links: the caller is given the callee's URL.
CALLER = "backend"
CALLEE = "litellm"
# Where the caller is given that URL.
URL_VALUE = ("backend", "litellmApiUrl")  # the LiteMaaS chart's values
URL_ENV = "LITELLM_API_URL"  # env, ConfigMaps, compose


def self_contained(targets: Iterable[Target], config: dict | None) -> bool:
    """Whether every target keeps to itself: each backend beside its own LiteLLM and
    told no URL (the chart's `litellm.enabled`), no Service recorded for another
    target's backend to call, no LiteLLM without its backend, and no `installations:`
    in the config. Then linking finds nothing across targets, and the linking modules
    are not loaded (start-up of the pre-commit hook: bench/README.md)."""
    from ..facts import CallsUrl, Serves

    if config and config.get("installations"):
        return False
    for t in targets:
        if (CALLER in t.components) != (CALLEE in t.components):
            return False
        for f in t.facts:
            if isinstance(f, Serves) or (isinstance(f, CallsUrl) and f.url):
                return False
    return True
