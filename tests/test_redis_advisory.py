"""LU018, the v0.4.0 guide's optional Redis as a note: where the files can tell, the
backend's REDIS_HOST and the Redis they deploy must agree (Helm: `redis.enabled` and
`backend.redis.host`, read with the chart's templates; Kustomize and manifests: the
backend's env and the Redis workloads and Services of the build). Each case is a real git
repository; each side has a case that says nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, git, init_repo

FIXTURE = ROOT / "tests" / "fixtures" / "upstream-litemaas-v0.1.3"
CHART = "deployment/helm/litemaas"
UPSTREAM = "ghcr.io/berriai/litellm-non_root"
FORK = "quay.io/rh-aiservices-bu/litellm-non-root"
BACKEND = "quay.io/rh-aiservices-bu/litemaas-backend"


def lu018(cli, repo: Path) -> list[dict]:  # type: ignore[no-untyped-def]
    """LU018 findings of `lint .` (never blocking: exit 0 when nothing else is found)."""
    result = cli("lint", ".", "--format", "json", cwd=repo)
    found = json.loads(result.out)["findings"]
    mine = [f for f in found if f["code"] == "LU018"]
    assert all(f["severity"] == "info" for f in mine)
    errors = [f for f in found if f["severity"] == "error"]
    assert result.code == (1 if errors else 0), result.out
    return mine


def edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1))


def line_of(repo: Path, rel: str, text: str) -> int:
    lines = (repo / rel).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


# --- Helm: upstream's v0.1.3 chart moved to 0.4.0 (tags), with or without Redis templates


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    """Upstream's v0.1.3 chart and folders at LiteMaaS 0.4.0 and the fork (images only:
    its templates are still v0.1.3's, with no Redis)."""
    repo = tmp_path / "litemaas"
    shutil.copytree(FIXTURE, repo, ignore=shutil.ignore_patterns("SOURCE.md"))
    shutil.rmtree(repo / "deployment" / "kustomize")
    shutil.rmtree(repo / "deployment" / "openshift")
    edit(repo, f"{CHART}/Chart.yaml", 'appVersion: "0.1.3"', 'appVersion: "0.4.0"')
    edit(
        repo,
        f"{CHART}/values.yaml",
        f'repository: {UPSTREAM}\n    tag: "main-v1.74.7-stable"',
        f'repository: {FORK}\n    tag: "main-v1.81.0-stable-custom"',
    )
    return init_repo(repo)


def redis_templates(repo: Path, *, gives_host: bool = True) -> None:
    """Templates that use Redis the way the v0.4.0 chart does (written here, not copied):
    a Redis Deployment when `redis.enabled`, and REDIS_HOST for the backend from
    `backend.redis.host`, else the built-in Redis's name."""
    (repo / CHART / "templates" / "redis.yaml").write_text(
        "{{- if .Values.redis.enabled }}\n"
        "apiVersion: apps/v1\nkind: Deployment\n"
        "metadata:\n  name: {{ .Release.Name }}-redis\n"
        "spec:\n  template:\n    spec:\n      containers:\n"
        "        - name: redis\n          image: redis:7-alpine\n"
        "{{- end }}\n"
    )
    if gives_host:
        edit(
            repo,
            f"{CHART}/templates/backend-configmap.yaml",
            '  LOG_LEVEL: "info"\n',
            '  LOG_LEVEL: "info"\n'
            "  {{- $host := .Values.backend.redis.host | default "
            '(ternary (printf "%s-redis" .Release.Name) "" .Values.redis.enabled) }}\n'
            "  {{- if $host }}\n  REDIS_HOST: {{ $host | quote }}\n  {{- end }}\n",
        )


def redis_values(repo: Path, enabled: str, host: str) -> None:
    """The chart's defaults for Redis, as the v0.4.0 chart has them (redis.enabled,
    backend.redis.host)."""
    edit(
        repo,
        f"{CHART}/values.yaml",
        "backend:\n  image:\n",
        f"redis:\n  enabled: {enabled}\n\nbackend:\n  redis:\n    host: {host}\n  image:\n",
    )


def redis_enabled_line(repo: Path) -> int:
    return line_of(repo, f"{CHART}/values.yaml", "redis:") + 1


def test_helm_redis_off_and_no_host_is_a_note_at_redis_enabled(cli, chart) -> None:
    redis_templates(chart)
    redis_values(chart, "false", '""')
    [note] = lu018(cli, chart)
    assert note["target"] == CHART
    assert note["file"] == f"{CHART}/values.yaml"
    assert note["line"] == redis_enabled_line(chart)
    assert "Redis is off (redis.enabled: false)" in note["message"]
    assert "cache flush after model changes is skipped" in note["message"]
    assert "redis.enabled: true, or backend.redis.host" in note["fix"]


def test_helm_redis_on_with_the_built_in_host_says_nothing(cli, chart) -> None:
    redis_templates(chart)
    redis_values(chart, "true", '""')  # the v0.4.0 chart's defaults
    assert lu018(cli, chart) == []


def test_helm_external_host_and_built_in_redis_on_is_a_note_at_the_host(cli, chart) -> None:
    redis_templates(chart)
    redis_values(chart, "true", "my-external-redis.example.com")
    [note] = lu018(cli, chart)
    assert note["line"] == line_of(chart, f"{CHART}/values.yaml", "my-external-redis")
    assert "the chart deploys its own Redis" in note["message"]
    assert "set redis.enabled: false" in note["fix"]


def test_helm_external_host_with_built_in_redis_off_says_nothing(cli, chart) -> None:
    redis_templates(chart)
    redis_values(chart, "false", "my-external-redis.example.com")  # the guide's own example
    assert lu018(cli, chart) == []


def test_helm_an_override_file_turning_redis_off_is_where_the_note_points(cli, chart) -> None:
    redis_templates(chart)
    redis_values(chart, "true", '""')
    (chart / "prod-values.yaml").write_text("redis:\n  enabled: false\n")
    (chart / ".litemaas-upgrade.yaml").write_text(
        f"helm:\n  - chart: {CHART}\n    values: [prod-values.yaml]\n"
    )
    notes = lu018(cli, chart)
    assert [(n["file"], n["line"]) for n in notes] == [("prod-values.yaml", 2)]


def test_helm_chart_that_deploys_redis_but_never_gives_the_backend_a_host(cli, chart) -> None:
    redis_templates(chart, gives_host=False)
    redis_values(chart, "true", '""')
    [note] = lu018(cli, chart)
    assert note["line"] == redis_enabled_line(chart)
    assert "none gives the backend REDIS_HOST" in note["message"]


def test_helm_redis_values_in_a_chart_whose_templates_know_no_redis(cli, chart) -> None:
    """Phase 3 moves images only: the chart's templates are still v0.1.3's. Redis values
    set for them do nothing, and the note says so."""
    redis_values(chart, "true", '""')
    [note] = lu018(cli, chart)
    assert "the chart's templates know no Redis" in note["message"]
    assert "update the chart's templates to v0.4.0's" in note["fix"]


def test_helm_a_chart_before_0_4_0_without_redis_values_says_nothing(cli, chart) -> None:
    assert lu018(cli, chart) == []  # Redis left out, as the guide allows


def test_helm_backend_before_0_4_0_says_nothing(cli, chart) -> None:
    redis_templates(chart)
    redis_values(chart, "false", '""')
    edit(chart, f"{CHART}/Chart.yaml", 'appVersion: "0.4.0"', 'appVersion: "0.2.0"')
    edit(chart, f"{CHART}/values.yaml", f"repository: {FORK}", f"repository: {UPSTREAM}")
    edit(chart, f"{CHART}/values.yaml", "main-v1.81.0-stable-custom", "main-v1.81.0-stable")
    assert lu018(cli, chart) == []  # the advisory is the v0.4.0 guide's


def test_helm_chart_not_in_the_repository_says_nothing(cli, tmp_path: Path) -> None:
    """An Argo CD Application of the 0.4.0 chart from a Helm repository, Redis turned off:
    its templates cannot be read, so nothing is said."""
    repo = tmp_path / "gitops"
    repo.mkdir()
    (repo / "app.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        "metadata: {name: litemaas, namespace: argocd}\n"
        "spec:\n  source:\n    repoURL: https://charts.example.com/litemaas\n"
        "    chart: litemaas\n    targetRevision: 0.4.0\n"
        "    helm:\n      valuesObject:\n        redis: {enabled: false}\n"
        "  destination: {namespace: litemaas}\n"
    )
    init_repo(repo)
    result = cli("scan", ".", "--format", "json", cwd=repo)
    assert result.code == 0, result.out + result.err
    assert lu018(cli, repo) == []


# --- Kustomize and folders of manifests


def workload(name: str, image: str, env: str = "") -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n"
        f"spec:\n  selector:\n    matchLabels: {{app: {name}}}\n"
        f"  template:\n    metadata:\n      labels: {{app: {name}}}\n"
        f"    spec:\n      containers:\n        - name: {name}\n          image: {image}\n"
        + env
    )


def service(name: str) -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n"
        f"spec:\n  selector: {{app: {name}}}\n  ports:\n    - port: 6379\n"
    )


def env(*items: str) -> str:
    return "          env:\n" + "".join(items)


def value(name: str, text: str) -> str:
    return f"            - name: {name}\n              value: {text}\n"


def kustomize_repo(tmp_path: Path, files: dict[str, str], resources: list[str]) -> Path:
    """A Kustomize folder `app/` at LiteMaaS 0.4.0 and the fork, with `files` beside it."""
    repo = tmp_path / "deploy"
    app = repo / "app"
    app.mkdir(parents=True)
    base = {
        "frontend.yaml": workload("frontend", "quay.io/rh-aiservices-bu/litemaas-frontend:0.4.0"),
        "litellm.yaml": workload("litellm", f"{FORK}:main-v1.81.0-stable-custom"),
    }
    for rel, text in {**base, **files}.items():
        (repo / rel if "/" in rel else app / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel if "/" in rel else app / rel).write_text(text)
    listed = ["frontend.yaml", "litellm.yaml", "backend.yaml", *resources]
    (app / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        + "".join(f"  - {r}\n" for r in listed)
    )
    return init_repo(repo)


REDIS = {"redis-deployment.yaml": workload("litellm-redis", "redis:7-alpine"),
         "redis-service.yaml": service("litellm-redis")}  # fmt: skip


def test_kustomize_redis_in_the_build_and_no_redis_host_is_a_note(cli, tmp_path) -> None:
    repo = kustomize_repo(
        tmp_path,
        {**REDIS, "backend.yaml": workload("backend", f"{BACKEND}:0.4.0", env(value("A", "b")))},
        ["redis-deployment.yaml", "redis-service.yaml"],
    )
    [note] = lu018(cli, repo)
    assert note["target"] == "app"
    assert note["file"] == "app/backend.yaml"
    assert note["line"] == line_of(repo, "app/backend.yaml", "- name: backend")
    assert "the build deploys Redis (Deployment/litellm-redis)" in note["message"]
    assert "env has no REDIS_HOST" in note["message"]


def test_kustomize_redis_in_the_build_and_its_host_says_nothing(cli, tmp_path) -> None:
    backend = workload("backend", f"{BACKEND}:0.4.0", env(value("REDIS_HOST", "'litellm-redis'")))
    listed = ["redis-deployment.yaml", "redis-service.yaml"]
    repo = kustomize_repo(tmp_path, {**REDIS, "backend.yaml": backend}, listed)
    assert lu018(cli, repo) == []


def test_kustomize_no_redis_and_no_host_says_nothing(cli, tmp_path) -> None:
    repo = kustomize_repo(tmp_path, {"backend.yaml": workload("backend", f"{BACKEND}:0.4.0")}, [])
    assert lu018(cli, repo) == []  # Redis left out, as the guide allows


def test_kustomize_redis_host_naming_a_service_nothing_deploys_is_a_note(cli, tmp_path) -> None:
    """The guide's step 3 half done: REDIS_HOST set, redis-deployment.yaml and
    redis-service.yaml in the folder (as upstream's v0.4.0 has them) but not in resources:
    `kubectl apply -k` deploys no Redis."""
    backend = workload("backend", f"{BACKEND}:0.4.0", env(value("REDIS_HOST", "'litellm-redis'")))
    repo = kustomize_repo(tmp_path, {"backend.yaml": backend, **REDIS}, [])
    [note] = lu018(cli, repo)
    assert note["line"] == line_of(repo, "app/backend.yaml", "'litellm-redis'")
    assert "REDIS_HOST is 'litellm-redis' (env REDIS_HOST)" in note["message"]
    assert "redis-deployment.yaml and redis-service.yaml in resources" in note["fix"]


def test_kustomize_redis_host_in_a_configmap_naming_a_missing_svc_is_a_note(
    cli, tmp_path
) -> None:
    """Through envFrom a ConfigMap of the build; the `.svc` form is in-cluster too."""
    backend = workload(
        "backend",
        f"{BACKEND}:0.4.0",
        "          envFrom:\n            - configMapRef: {name: backend-config}\n",
    )
    config = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: backend-config}\n"
        "data:\n  REDIS_HOST: redis.cache.svc.cluster.local\n"
    )
    files = {"backend.yaml": backend, "config.yaml": config}
    repo = kustomize_repo(tmp_path, files, ["config.yaml"])
    [note] = lu018(cli, repo)
    assert note["file"] == "app/config.yaml"
    assert note["line"] == 5
    assert "(ConfigMap/backend-config data.REDIS_HOST)" in note["message"]


def test_kustomize_redis_host_naming_a_service_declared_elsewhere_says_nothing(
    cli, tmp_path
) -> None:
    """The Service is in the repository, deployed apart from this build (its own folder)."""
    backend = workload("backend", f"{BACKEND}:0.4.0", env(value("REDIS_HOST", "litellm-redis")))
    both = REDIS["redis-deployment.yaml"] + "---\n" + REDIS["redis-service.yaml"]
    shared = {"shared/redis.yaml": both}
    repo = kustomize_repo(tmp_path, {"backend.yaml": backend, **shared}, [])
    assert lu018(cli, repo) == []


def test_kustomize_external_or_secret_redis_host_says_nothing(cli, tmp_path) -> None:
    external = workload(
        "backend", f"{BACKEND}:0.4.0", env(value("REDIS_HOST", "my-external-redis.example.com"))
    )
    repo = kustomize_repo(tmp_path, {"backend.yaml": external}, [])
    assert lu018(cli, repo) == []
    # From a Secret (never read), with Redis in the build: the files cannot tell.
    secret = workload(
        "backend",
        f"{BACKEND}:0.4.0",
        "          envFrom:\n            - secretRef: {name: backend-secret}\n",
    )
    (repo / "app" / "backend.yaml").write_text(secret)
    for rel, text in REDIS.items():
        (repo / "app" / rel).write_text(text)
    kfile = repo / "app" / "kustomization.yaml"
    kfile.write_text(kfile.read_text() + "  - redis-deployment.yaml\n  - redis-service.yaml\n")
    git(repo, "add", "-A")
    assert lu018(cli, repo) == []


def test_a_folder_of_manifests_with_redis_and_no_host_is_a_note(cli, tmp_path) -> None:
    repo = tmp_path / "manifests"
    repo.mkdir()
    (repo / "backend.yaml").write_text(workload("backend", f"{BACKEND}:0.4.0"))
    (repo / "litellm.yaml").write_text(workload("litellm", f"{FORK}:main-v1.81.0-stable-custom"))
    for rel, text in REDIS.items():
        (repo / rel).write_text(text)
    init_repo(repo)
    [note] = lu018(cli, repo)
    assert note["file"] == "backend.yaml"
    assert "Deployment/litellm-redis" in note["message"]


def test_lint_shows_the_note_in_every_format(cli, tmp_path) -> None:
    repo = kustomize_repo(
        tmp_path,
        {**REDIS, "backend.yaml": workload("backend", f"{BACKEND}:0.4.0")},
        ["redis-deployment.yaml", "redis-service.yaml"],
    )
    line = line_of(repo, "app/backend.yaml", "- name: backend")
    text = cli("lint", ".", cwd=repo)
    assert text.code == 0, text.out
    assert f"app/backend.yaml:{line}:" in text.out and "info LU018 redis-consistency" in text.out
    github = cli("lint", ".", "--format", "github", cwd=repo)
    assert github.code == 0
    assert f"::notice file=app/backend.yaml,line={line}" in github.out and "LU018" in github.out
    sarif = json.loads(cli("lint", ".", "--format", "sarif", cwd=repo).out)
    [run] = sarif["runs"]
    [result] = [r for r in run["results"] if r["ruleId"] == "LU018"]
    assert result["level"] == "note"
    place = result["locations"][0]["physicalLocation"]
    assert place["artifactLocation"]["uri"] == "app/backend.yaml"
    assert place["region"]["startLine"] == line
    assert "LU018" in {r["id"] for r in run["tool"]["driver"]["rules"]}
    # Notes only (LU017 too: nothing sets LITELLM_DATABASE_URL): exit 0.
    found = json.loads(cli("lint", ".", "--format", "json", cwd=repo).out)["findings"]
    assert sorted(f["code"] for f in found) == ["LU017", "LU018"]
