"""Generate a synthetic LiteMaaS deployment repository of a given size, for benchmarks.

    python bench/generate.py OUT --n 1000 [--no-git]

For size N the repository holds:

- `charts/litemaas/`: one vendored chart the size of the upstream one (the sample chart's
  templates plus a few more, and a values.yaml of about the upstream length, ~15 KB);
- N Helm override files `envs/team-XXX/<env>-values.yaml` over that chart, in mixed
  styles (no image keys, a LiteLLM mirror, explicit tags; a tenth already at phase 1);
- N Kustomize build roots under `kustomize/apps/`, over shared bases in
  `kustomize/bases/` (one base per 200 roots); half of the app groups go through an
  intermediate `common/` overlay (overlays of overlays); one root in a hundred is a copy
  of the upstream flat layout (envsubst templates, `user-values.env`);
- N/10 compose files `compose/stack-XXX/compose.yaml`.

Every target is at a known stage, so `plan` has work to do for each. `OUT/bench.json`
lists the targets by kind (build roots, override files, compose files) and the file the
runner edits for the pre-commit case. With git (the default) the tree is committed, so
`lint` and `diff` can compare against HEAD.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "sample-charts"
MANIFEST = "bench.json"
ENVS = ("dev", "staging", "prod", "prod-eu")
ROOTS_PER_BASE = 200
UPSTREAM_EVERY = 100  # one Kustomize root in this many is an upstream flat copy
COMPOSE_EVERY = 10

BACKEND = "quay.io/rh-aiservices-bu/litemaas-backend"
FRONTEND = "quay.io/rh-aiservices-bu/litemaas-frontend"
LITELLM = "ghcr.io/berriai/litellm-non_root"
OLD, NEW, LLM_OLD = "0.1.3", "0.2.0", "main-v1.74.7-stable"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# -- the vendored chart --------------------------------------------------------------

# Sections added to the sample chart's values.yaml so that the file has about the size and
# shape of the upstream chart's: probes, service accounts, network policy, OAuth/OIDC,
# Redis, backups, extra env/volumes. The templates do not read them (nor do most
# operators' override files); the scanner still has to parse them.
EXTRA_VALUES = """
# =============================================================================
# Service account and network policy
# =============================================================================
serviceAccount:
  # -- Create a ServiceAccount for the pods
  create: true
  # -- Name of the ServiceAccount (generated from the release name when empty)
  name: ""
  # -- Annotations for the ServiceAccount (e.g. cloud IAM bindings)
  annotations: {}

networkPolicy:
  # -- Deny all ingress by default and allow only the expected flows between components
  enabled: false
  ingressController:
    # -- Labels of the namespace the ingress controller runs in
    namespaceSelector: null
    # -- Labels of the ingress controller pods (all pods of the namespace when unset)
    podSelector: {}

# =============================================================================
# Authentication
# =============================================================================
oauth:
  # -- "serviceaccount" (OpenShift, no cluster-admin needed) or "external"
  mode: serviceaccount
  # -- "openshift" or "oidc"
  authProvider: openshift
  # -- Issuer URL; built from global.clusterDomain on OpenShift when empty
  issuer: ""
  # -- Name of an existing token Secret for the serviceaccount mode
  existingTokenSecret: ""
  oidc:
    # -- Claim that holds the user's groups
    groupsClaim: groups
    # -- Space-separated scopes (default: "openid profile email")
    scopes: ""

# =============================================================================
# Redis (LiteLLM cache)
# =============================================================================
redis:
  # -- Deploy a Redis for LiteLLM's cache; the backend flushes it after model changes
  enabled: true
  image:
    repository: redis
    tag: "7-alpine"
  auth:
    # -- Redis password (CHANGE THIS); empty disables authentication
    password: "sample-redis-password-123"
    # -- Existing Secret with the key "password"
    existingSecret: ""
  resources:
    requests:
      memory: "64Mi"
      cpu: "50m"
    limits:
      memory: "128Mi"
      cpu: "200m"

# =============================================================================
# Per-component settings beyond the image (read by the operator's tooling)
# =============================================================================
probes:
  backend:
    liveness:
      path: /api/v1/health
      initialDelaySeconds: 30
      periodSeconds: 10
      timeoutSeconds: 5
      failureThreshold: 3
    readiness:
      path: /api/v1/health
      initialDelaySeconds: 5
      periodSeconds: 5
      timeoutSeconds: 3
      failureThreshold: 3
  frontend:
    liveness:
      path: /
      initialDelaySeconds: 30
      periodSeconds: 10
      timeoutSeconds: 5
      failureThreshold: 3
    readiness:
      path: /
      initialDelaySeconds: 5
      periodSeconds: 5
      timeoutSeconds: 3
      failureThreshold: 3
  litellm:
    liveness:
      path: /health/liveness
      initialDelaySeconds: 60
      periodSeconds: 30
      timeoutSeconds: 10
      failureThreshold: 3
    readiness:
      path: /health/readiness
      initialDelaySeconds: 30
      periodSeconds: 10
      timeoutSeconds: 5
      failureThreshold: 3
  postgresql:
    liveness:
      initialDelaySeconds: 30
      periodSeconds: 10
      timeoutSeconds: 5
      failureThreshold: 3
    readiness:
      initialDelaySeconds: 5
      periodSeconds: 5
      timeoutSeconds: 3
      failureThreshold: 3

backendSettings:
  # -- Database URL; built from the bundled PostgreSQL when empty
  databaseUrl: ""
  # -- LiteLLM API URL; built from the bundled LiteLLM service when empty
  litellmApiUrl: ""
  # -- CORS origin; derived from the ingress or route host when empty
  corsOrigin: ""
  # -- JWT lifetime
  jwtExpiresIn: "24h"
  # -- OAuth callback URL; derived from the ingress or route host when empty
  oauthCallbackUrl: ""
  # -- Comma-separated user names that become administrators on first login
  initialAdminUsers: ""
  # -- Key that encrypts stored model API keys (AES-256-GCM); litellmApiKey when empty
  litellmMasterKey: ""
  # -- Skip TLS verification of the Kubernetes API (test clusters only)
  k8sApiSkipTlsVerify: ""
  # -- Existing Secret with every backend key (database-url, jwt-secret, ...)
  existingSecret: ""
  # -- API rate limit (not LLM requests)
  rateLimit:
    max: "1000"
    timeWindow: "5m"
  # -- Defaults for new users
  defaultUser:
    maxBudget: "100"
    tpmLimit: "100000"
    rpmLimit: "120"
  redis:
    host: ""
    port: "6379"
  backup:
    # -- LiteLLM database URL used for backups and model sync
    litellmDatabaseUrl: ""
    # -- Where backups are written inside the container
    storagePath: /data/backups
    persistence:
      size: 5Gi
      storageClass: ""
  # -- "0" disables TLS verification of outgoing calls (not for production)
  nodeTlsRejectUnauthorized: ""

litellmSettings:
  # -- Database URL; built from the bundled PostgreSQL when empty
  databaseUrl: ""
  # -- Existing Secret with database-url, master-key, ui-username, ui-password
  existingSecret: ""
  # -- Verify TLS of model endpoints (disable only for self-signed test endpoints)
  sslVerify: true
  # -- Extra environment for the LiteLLM container, e.g. a CA bundle:
  #   - name: REQUESTS_CA_BUNDLE
  #     value: /etc/ssl/certs/internal-ca.crt
  extraEnv: []
  # -- Extra volumes for the LiteLLM pod, e.g. a ConfigMap with a CA bundle
  extraVolumes: []
  # -- Extra volume mounts for the LiteLLM container
  extraVolumeMounts: []

frontendSettings:
  # -- Backend URL for the frontend container; the backend service when empty
  backendUrl: ""

# -- Separate ingress / route for LiteLLM (UI and model API)
litellmExposure:
  ingress:
    enabled: true
    host: ""
    tls: []
  route:
    enabled: true
    host: ""
    termination: edge

# -- Models the LiteLLM proxy starts with (the UI adds more at run time)
litellmConfig:
  modelList:
    - model_name: granite-3-8b
      litellm_params:
        model: openai/granite-3-8b
        api_base: https://models.example.com/granite-3-8b/v1
        # -- Key read from the environment of the LiteLLM pod
        api_key: os.environ/MODEL_GRANITE_3_8B_KEY
        rpm: 600
    - model_name: llama-3-1-8b
      litellm_params:
        model: openai/llama-3-1-8b
        api_base: https://models.example.com/llama-3-1-8b/v1
        # -- Key read from the environment of the LiteLLM pod
        api_key: os.environ/MODEL_LLAMA_3_1_8B_KEY
        rpm: 300
    - model_name: mistral-7b
      litellm_params:
        model: openai/mistral-7b
        api_base: https://models.example.com/mistral-7b/v1
        # -- Key read from the environment of the LiteLLM pod
        api_key: os.environ/MODEL_MISTRAL_7B_KEY
        rpm: 300
    - model_name: qwen2-5-7b
      litellm_params:
        model: openai/qwen2-5-7b
        api_base: https://models.example.com/qwen2-5-7b/v1
        # -- Key read from the environment of the LiteLLM pod
        api_key: os.environ/MODEL_QWEN2_5_7B_KEY
        rpm: 240
    - model_name: granite-embedding
      litellm_params:
        model: openai/granite-embedding
        api_base: https://models.example.com/granite-embedding/v1
        # -- Key read from the environment of the LiteLLM pod
        api_key: os.environ/MODEL_GRANITE_EMBEDDING_KEY
        rpm: 1200
    - model_name: phi-3-mini
      litellm_params:
        model: openai/phi-3-mini
        api_base: https://models.example.com/phi-3-mini/v1
        # -- Key read from the environment of the LiteLLM pod
        api_key: os.environ/MODEL_PHI_3_MINI_KEY
        rpm: 600
    - model_name: llama-guard-3
      litellm_params:
        model: openai/llama-guard-3
        api_base: https://models.example.com/llama-guard-3/v1
        # -- Key read from the environment of the LiteLLM pod
        api_key: os.environ/MODEL_LLAMA_GUARD_3_KEY
        rpm: 120
    - model_name: mixtral-8x7b
      litellm_params:
        model: openai/mixtral-8x7b
        api_base: https://models.example.com/mixtral-8x7b/v1
        # -- Key read from the environment of the LiteLLM pod
        api_key: os.environ/MODEL_MIXTRAL_8X7B_KEY
        rpm: 60
    - model_name: deepseek-r1-distill
      litellm_params:
        model: openai/deepseek-r1-distill
        api_base: https://models.example.com/deepseek-r1-distill/v1
        # -- Key read from the environment of the LiteLLM pod
        api_key: os.environ/MODEL_DEEPSEEK_R1_DISTILL_KEY
        rpm: 60
    - model_name: granite-vision
      litellm_params:
        model: openai/granite-vision
        api_base: https://models.example.com/granite-vision/v1
        # -- Key read from the environment of the LiteLLM pod
        api_key: os.environ/MODEL_GRANITE_VISION_KEY
        rpm: 120
  generalSettings:
    # -- Store models in the database so that the UI can edit them
    storeModelInDb: true
    # -- Seconds before a model call times out
    requestTimeout: 600

# -- Scheduling for every pod of the release
nodeSelector: {}
tolerations: []
affinity: {}
podSecurityContext:
  runAsNonRoot: true
  seccompProfile:
    type: RuntimeDefault
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop:
      - ALL
"""

EXTRA_TEMPLATES = {
    "serviceaccount.yaml": """{{- if .Values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ default (include "litemaas.fullname" .) .Values.serviceAccount.name }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
""",
    "networkpolicy.yaml": """{{- if .Values.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "litemaas.fullname" . }}-default-deny
spec:
  podSelector: {}
  policyTypes:
    - Ingress
{{- end }}
""",
    "redis-secret.yaml": """{{- if .Values.redis.enabled }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "litemaas.fullname" . }}-redis
type: Opaque
stringData:
  password: {{ .Values.redis.auth.password | quote }}
{{- end }}
""",
}


def make_chart(out: Path) -> str:
    src = SAMPLE / "charts" / "litemaas"
    dst = out / "charts" / "litemaas"
    shutil.copytree(src, dst)
    values = (src / "values.yaml").read_text(encoding="utf-8")
    write(dst / "values.yaml", values + EXTRA_VALUES)
    for name, text in EXTRA_TEMPLATES.items():
        write(dst / "templates" / name, text)
    return "charts/litemaas"


# -- Helm override files -------------------------------------------------------------


def override(i: int, env: str) -> tuple[str, str]:
    """An override file and the stage its release is at."""
    head = (
        f"# Overrides for release litemaas-{i:05d} ({env}).\n"
        f"#   helm upgrade litemaas-{i:05d} charts/litemaas -n team-{i // 100:03d}-{env} "
        f"-f envs/team-{i // 100:03d}/{env}-{i:05d}-values.yaml\n\n"
    )
    common = (
        "global:\n"
        f"  platform: {'openshift' if i % 3 == 0 else 'kubernetes'}\n"
        f"  clusterDomain: apps.cluster-{i % 7}.example.com\n\n"
        "backend:\n"
        f"  replicaCount: {1 + i % 3}\n"
        "  resources:\n"
        "    requests:\n"
        "      memory: 512Mi\n"
        '      cpu: "250m"\n'
        "    limits:\n"
        '      memory: "1Gi"\n'
        "      cpu: 1\n\n"
        "postgresql:\n"
        "  persistence:\n"
        f"    size: {10 + i % 40}Gi\n\n"
        "ingress:\n"
        f"  enabled: {'false' if i % 3 == 0 else 'true'}\n"
        "  className: nginx\n"
        "  frontend:\n"
        f"    host: litemaas-{i:05d}.{env}.example.com\n"
    )
    style = i % 10
    if style == 9:  # already at phase 1: LiteMaaS moved, LiteLLM pinned
        images = (
            "\n# Phase 1 of the v0.2.0 upgrade is deployed here.\n"
            "frontend:\n"
            "  image:\n"
            f'    tag: "{NEW}"\n'
            "litellm:\n"
            "  image:\n"
            f'    tag: "{LLM_OLD}"\n'
            "  auth:\n"
            f'    masterKey: "sk-sample-{i:05d}"\n'
        )
        common = common.replace("backend:\n", f'backend:\n  image:\n    tag: "{NEW}"\n', 1)
        return head + common + images, "phase-1"
    if style in (1, 4):  # LiteLLM through a mirror, tag from the chart
        images = (
            "\nlitellm:\n"
            "  image:\n"
            "    # Pulled through the team's mirror; the tag comes from the chart.\n"
            f"    repository: registry-{i % 5}.example.com/mirror/litellm-non_root\n"
            "  auth:\n"
            f"    masterKey: \"sk-sample-{i:05d}\"   # rotated by the platform team\n"
        )
    elif style in (2, 5, 7):  # every tag explicit
        images = (
            "\nfrontend:\n"
            "  image:\n"
            f'    tag: "{OLD}"\n'
            "litellm:\n"
            "  image:\n"
            f"    tag: {LLM_OLD}\n"
        )
        common = common.replace("backend:\n", f"backend:\n  image:\n    tag: '{OLD}'\n", 1)
    else:  # no image keys: everything from the chart and its appVersion
        images = "\nfrontend:\n  replicaCount: 2\n"
    return head + common + images, "before-upgrade"


def make_helm(out: Path, n: int) -> tuple[list[str], str]:
    files = []
    changed = ""
    for i in range(n):
        env = ENVS[i % len(ENVS)]
        rel = f"envs/team-{i // 100:03d}/{env}-{i:05d}-values.yaml"
        text, _stage = override(i, env)
        if i == 2:  # the file the pre-commit case edits: explicit tags at the old versions
            changed = rel
        write(out / rel, text)
        files.append(rel)
    return files, changed


# -- Kustomize -----------------------------------------------------------------------


def make_base(out: Path, b: int) -> str:
    rel = f"kustomize/bases/base-{b:03d}"
    src = SAMPLE / "kustomize" / "base"
    for f in src.iterdir():
        text = f.read_text(encoding="utf-8")
        if f.name == "kustomization.yaml":
            text = text.replace("app.kubernetes.io/part-of: litemaas", f"bench/base: base-{b:03d}")
            text = text.replace(
                "labels:", "commonAnnotations:\n  bench/owner: platform-team\n\nlabels:", 1
            )
        write(out / rel / f.name, text)
    return rel


KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"


def overlay_text(g: int, env: str, resource: str, k: int) -> str:
    text = KUSTOMIZATION + f"\nnamespace: app-{g:04d}-{env}\nnamePrefix: {env}-\n\n"
    text += f"resources:\n  - {resource}\n"
    style = k % 4
    if style == 1:
        text += (
            "\n# LiteMaaS pinned in the overlay (same as the base today).\nimages:\n"
            f"  - name: {BACKEND}\n    newTag: \"{OLD}\"\n"
            f"  - name: {FRONTEND}\n    newTag: '{OLD}'\n"
        )
    elif style == 2:
        text += (
            "\nimages:\n  # LiteLLM through the internal mirror; the tag stays as in the base.\n"
            f"  - name: {LITELLM}\n"
            f"    newName: registry-{g % 5}.example.com:5000/mirror/litellm-non_root\n"
        )
    elif style == 3:
        text += "\npatches:\n  - path: replicas-patch.yaml\n"
    return text


REPLICAS_PATCH = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: backend\nspec:\n  replicas: 3\n"
)


def make_upstream(out: Path, j: int) -> str:
    rel = f"kustomize/upstream/site-{j:03d}"
    shutil.copytree(SAMPLE / "kustomize-upstream", out / rel)
    return rel


def make_kustomize(out: Path, n: int) -> dict[str, list[str]]:
    bases = [make_base(out, b) for b in range(max(1, -(-n // ROOTS_PER_BASE)))]
    roots: list[str] = []
    intermediates: list[str] = []
    upstream: list[str] = []
    k = 0
    g = 0
    while k < n:
        base = bases[(g * len(ENVS)) // ROOTS_PER_BASE % len(bases)]
        app = f"kustomize/apps/app-{g:04d}"
        nested = g % 2 == 0  # overlays of overlays: env -> common -> base
        if nested:
            common = f"{app}/common"
            write(
                out / common / "kustomization.yaml",
                KUSTOMIZATION
                + f"\n# Shared by every environment of app {g}.\n"
                + f"resources:\n  - ../../../{base.removeprefix('kustomize/')}\n"
                + "\nlabels:\n  - pairs:\n      bench/app: app-"
                + f"{g:04d}\n",
            )
            intermediates.append(common)
        for env in ENVS:
            if k >= n:
                break
            if k % UPSTREAM_EVERY == 2:
                upstream.append(make_upstream(out, len(upstream)))
                roots.append(upstream[-1])
                k += 1
                continue
            rel = f"{app}/{env}"
            resource = "../common" if nested else f"../../../{base.removeprefix('kustomize/')}"
            write(out / rel / "kustomization.yaml", overlay_text(g, env, resource, k))
            if k % 4 == 3:
                write(out / rel / "replicas-patch.yaml", REPLICAS_PATCH)
            roots.append(rel)
            k += 1
        g += 1
    return {"roots": roots, "bases": bases, "intermediates": intermediates, "upstream": upstream}


# -- compose -------------------------------------------------------------------------


def make_compose(out: Path, n: int) -> list[str]:
    text = (SAMPLE / "dev-tools" / "compose.yaml").read_text(encoding="utf-8")
    files = []
    for i in range(n):
        rel = f"compose/stack-{i:04d}/compose.yaml"
        write(out / rel, text.replace("3000:8080", f"{3000 + i % 1000}:8080"))
        files.append(rel)
    return files


# -- all of it -----------------------------------------------------------------------


def generate(out: Path, n: int, git: bool = True) -> dict:
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out}: not empty")
    out.mkdir(parents=True, exist_ok=True)
    chart = make_chart(out)
    helm, changed = make_helm(out, n)
    kustomize = make_kustomize(out, n)
    compose = make_compose(out, max(1, n // COMPOSE_EVERY))
    manifest = {
        "n": n,
        "chart": chart,
        "helm": helm,
        "kustomize": kustomize["roots"],
        "kustomize_bases": kustomize["bases"],
        "kustomize_intermediate": kustomize["intermediates"],
        "kustomize_upstream": kustomize["upstream"],
        "compose": compose,
        "changed": changed,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    if git:
        env = {
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.com",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.com",
            "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z",
            "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z",
        }
        env = {**os.environ, **env}
        for cmd in (
            ["git", "init", "-q", "-b", "main"],
            ["git", "add", "-A"],
            ["git", "-c", "commit.gpgsign=false", "commit", "-q", "-m", f"synthetic repo, N={n}"],
        ):
            subprocess.run(cmd, cwd=out, check=True, env=env)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--n", type=int, required=True, help="targets of each kind (Helm, Kustomize)"
    )
    parser.add_argument("--no-git", action="store_true", help="do not make it a git repository")
    args = parser.parse_args(argv)
    m = generate(args.out, args.n, git=not args.no_git)
    print(
        f"{args.out}: {len(m['helm'])} Helm override files, {len(m['kustomize'])} Kustomize "
        f"build roots ({len(m['kustomize_upstream'])} upstream flat, "
        f"{len(m['kustomize_bases'])} shared bases, {len(m['kustomize_intermediate'])} "
        f"intermediate overlays), {len(m['compose'])} compose files",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
