"""Stable finding codes. Each has one lint rule module (lint/rules/) that names its code
from here and makes every finding of it: from the facts the managers record while they
scan (facts.py), or from the targets' states and changes."""

from __future__ import annotations

LITELLM_BEFORE_BACKEND = "LU001"  # state breaks a constraint
SAME_CHANGE = "LU002"  # both sides of a constraint cross in one change
FOLLOWER_MISMATCH = "LU003"  # frontend and backend on different versions
UNKNOWN_VERSION = "LU004"  # floating tag or digest-only reference
IMAGES_ENTRY_UNUSED = "LU005"  # kustomize images: entry that matches no container
UNQUOTED_TAG = "LU006"  # a tag YAML does not read as a string
REPOSITORY_CHANGED = "LU007"  # a component's image repository changed (fork, mirror)
ENV_OVERRIDDEN = "LU008"  # an env file's version is overridden by an images: entry
UNRESOLVED = "LU009"  # something that decides an image cannot be read (remote, missing chart)
NOT_DEPLOYED = "LU010"  # a component the rules know is turned off in this target
BAD_SUPPRESSION = "LU011"  # a lint suppression comment without a reason, or for no known code
UNSAFE_PLAN = "LU012"  # a computed phase would deploy a forbidden state or transition
INSTALLATION_ORDER = "LU013"  # a LiteLLM moves past its boundary before the backend it serves
INSTALLATION_UNKNOWN = "LU014"  # a backend's LiteLLM is not known while some LiteLLM moves
MIXED_RELEASE_IMAGE = "LU015"  # a repository with a tag only another release's repository has
SKIPPED_GUIDE = "LU016"  # a change reaches a rule set before the one it requires is done
LITELLM_DATABASE_URL = "LU017"  # advisory: nothing a target reads sets LITELLM_DATABASE_URL
REDIS_CONSISTENCY = "LU018"  # advisory: the backend's REDIS_HOST and the Redis deployed disagree
