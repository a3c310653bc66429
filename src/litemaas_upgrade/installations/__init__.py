"""Installations: a LiteMaaS backend and the LiteLLM it calls, across targets.

The managers record what the files say (facts.CallsUrl: the URL a backend is given and
where; facts.Serves: the Services that select a LiteLLM workload, and where); `link`
turns those facts, and the config file's `installations:`, into installations over a
scan's targets. The upgrade rules then hold per installation (judge.joined)."""

from __future__ import annotations

# The components an installation links: the caller is given the callee's URL.
CALLER = "backend"
CALLEE = "litellm"
# Where the caller is given that URL.
URL_VALUE = ("backend", "litellmApiUrl")  # the LiteMaaS chart's values
URL_ENV = "LITELLM_API_URL"  # env, ConfigMaps, compose
