"""What the managers observe while they read a target, as plain records: the lint rule
modules (lint/rules/) turn these facts into findings, with their own wording and fixes.
A manager says what it saw; it never decides how that is reported."""

from __future__ import annotations

from .model import Severity
from .records import record


@record(frozen=True, slots=True)
class Unreadable:
    """Something that decides an image and cannot be read (LU009): a remote resource, a
    chart not in the repository, a patch that does not apply, a duplicated key."""

    file: str  # as shown to the user; "" when no file holds it
    line: int
    col: int
    what: str  # what cannot be read, and why, in words
    severity: Severity  # ERROR: the tool cannot go on with it; WARNING: judged without it
    cause: str = ""  # a Cause name: which fix applies (lint/rules/unresolved.py)
    subject: str = ""  # the YAML path or name the fix speaks of, when it needs one


class Cause:
    """Why an input is unreadable, where the fix depends on it."""

    CHART_NOT_PINNED = "chart-not-pinned"  # a GitOps chart not vendored nor in the catalog
    DEPENDENCY_NOT_VENDORED = "dependency-not-vendored"  # a LiteMaaS dependency not in charts/
    CHART_NOT_IN_REPO = "chart-not-in-repository"  # another chart's defaults decide an image
    CHART_RANGE = "chart-range"  # a Flux chart version the catalog cannot tell
    STALE_GENERATED = "stale-generated"  # a generated .local file out of date
    MIXED_IMAGES = "mixed-images"  # containers of one component on different images
    TABLE_REPLACED = "table-replaced"  # an image string where the chart has a mapping
    DUPLICATE_KEY = "duplicate-key"
    UNREADABLE_IMAGE = "unreadable-image"  # a deployed component whose image cannot be read
    BASE_UNREADABLE = "base-unreadable"  # lint's base revision cannot be read
    REFUSED_BUILD = "refused-build"  # kustomize refuses the build (an overlay in its base)
    PLUGIN = "kustomize-plugin"  # a generator/transformer plugin kustomize runs only with flags
    MISSING_PATH = "missing-path"  # a kustomization names a folder that is not there
    REMOTE_RESOURCE = "remote-resource"  # a remote Kustomize resource (never fetched)
    TEMPLATE_UNFILLED = "template-unfilled"  # a kustomization template that does not fill
    NOT_YAML = "not-yaml"  # a file a target reads is not YAML (a Go template, binary)
    TEMPLATED_OBJECT = "templated-object"  # a GitOps object in a chart's templates


@record(frozen=True, slots=True)
class DeadImagesEntry:
    """A Kustomize `images:` entry that matches no container (LU005)."""

    file: str
    line: int
    col: int
    index: int
    name: str
    close: tuple[str, ...] = ()  # image names in the build it may have meant


@record(frozen=True, slots=True)
class EnvOverridden:
    """An env file's version that an `images:` entry replaces (LU008)."""

    component: str
    env_file: str
    var: str
    value: str
    entry_file: str  # the kustomization holding the `images:` entry
    entry_index: int
    line: int  # of the entry's newTag (or digest)
    col: int
    rendered: str  # the image kustomize renders


@record(frozen=True, slots=True)
class Disabled:
    """A component (or one image location of it) turned off in a release (LU010)."""

    component: str
    switch: str  # the values path that turns it off, e.g. `litellm.enabled`
    at: str = ""  # the image location's path, when only that one is off


@record(frozen=True, slots=True)
class UnquotedTag:
    """A tag written unquoted that YAML does not read as a string (LU006)."""

    file: str
    line: int
    col: int
    path: str  # `backend.image.tag`, `images[0].newTag`
    written: str  # the characters as written
    renders: str | None  # what Helm renders instead; None: kustomize refuses the file


@record(frozen=True, slots=True)
class Notice:
    """A file of the repository the scan did not read as it is (LU009): a link, or a
    file skipped (not YAML, too large)."""

    file: str
    kind: str  # "link-outside", "link", "skipped"
    why: str = ""


@record(frozen=True, slots=True)
class CallsUrl:
    """Where a target tells a component which URL to call (installations/: the backend's
    `backend.litellmApiUrl`, its `LITELLM_API_URL` in a container's env, a ConfigMap or a
    compose file). Secret values are never read."""

    component: str  # the caller (backend)
    url: str
    file: str  # as shown
    line: int
    col: int
    path: str  # `backend.litellmApiUrl`, `env LITELLM_API_URL`, `ConfigMap/x data...`
    namespace: str = ""  # the caller's namespace, when the files say it


@record(frozen=True, slots=True)
class Serves:
    """A Service (or compose service) of a target that selects the pods of a component's
    workload (installations/: the LiteLLM a backend's URL may name)."""

    component: str  # what it serves (litellm)
    name: str
    namespace: str  # "" when the files do not say it
    ports: tuple[int, ...]
    file: str  # as shown
    line: int
    col: int
    how: str = "Service"  # "Service", "chart naming", "compose service"


@record(frozen=True, slots=True)
class RedisValues:
    """A LiteMaaS chart release's Redis values, as merged (LU018): `redis.enabled` (None:
    not set, or not a boolean) and `backend.redis.host` ("" when empty or not set), each
    with where it is decided, and the chart folder whose templates use them ("" when the
    chart is not in the repository: its templates cannot be read)."""

    enabled: bool | None
    enabled_at: tuple[str, int, int]  # file as shown, line, col ("", 0, 0: not set)
    host: str
    host_at: tuple[str, int, int]
    chart: str  # relative to the source root
    prefix: str = ""  # `litemaas.` when the LiteMaaS chart is a subchart


@record(frozen=True, slots=True)
class RedisEnv:
    """What a build (Kustomize, a folder of manifests) says of Redis for one backend
    container (LU018): the REDIS_HOST it is given, and the Redis workloads and Services
    the build deploys. Secrets are never read."""

    host: str | None  # "": its env surely has none; None: the files cannot tell
    file: str  # where the host is set (or the container, when it has none)
    line: int
    col: int
    path: str  # `env REDIS_HOST`, `ConfigMap/x data.REDIS_HOST`, the container
    namespace: str
    redis: tuple[str, ...]  # `Deployment/litellm-redis`: Redis workloads in the build
    services: tuple[str, ...]  # `name` or `name.namespace`: every Service in the build


Fact = (
    Unreadable
    | DeadImagesEntry
    | EnvOverridden
    | Disabled
    | UnquotedTag
    | CallsUrl
    | Serves
    | RedisValues
    | RedisEnv
)
