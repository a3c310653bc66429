"""Hostile repositories, `diff --rendered` (issue 15 §1 and §4): the engines render from a
copy of the repository's own files, fetch nothing, see none of the user's configuration,
and a chart that would take all the time or memory there is ends its own rendering only.

The network checks use a loopback HTTP server that records every request: named as a
remote resource, it must see none (the engines also run in a network namespace of their
own where `unshare -rn` works, which the last tests check directly)."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import write
from litemaas_upgrade.diff.render import Materializer, NotRendered
from litemaas_upgrade.diff.sandbox import network_wrapper, run_engine
from litemaas_upgrade.source import WorkTree

SECRET = "SECRET-FROM-OUTSIDE-THE-REPOSITORY"
CONFIGMAP = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  leaked: {secret}\n"
)
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl")
needs_helm = pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("helm_python") is None, reason="no helm engine"
)


@contextlib.contextmanager
def recording_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that serves a ConfigMap and records every request path."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            hits.append(self.path)
            body = CONFIGMAP.format(name="fetched", secret=SECRET).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def outside_folder(tmp_path: Path) -> Path:
    """A kustomization outside the repository, holding a secret."""
    out = tmp_path / "outside"
    write(out / "kustomization.yaml", "resources:\n  - cm.yaml\n")
    write(out / "cm.yaml", CONFIGMAP.format(name="outside", secret=SECRET))
    write(out / "leak.txt", SECRET + "\n")
    write(out / "leak.yaml", CONFIGMAP.format(name="outside-template", secret=SECRET))
    write(out / "sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n")
    write(out / "sub/templates/cm.yaml", CONFIGMAP.format(name="outside-sub", secret=SECRET))
    return out


def add_resource(repo: Path, overlay: str, entry: str) -> None:
    kfile = repo / "kustomize/overlays" / overlay / "kustomization.yaml"
    text = kfile.read_text()
    assert "  - ../../base\n" in text
    kfile.write_text(text.replace("  - ../../base\n", f"  - ../../base\n  - {entry}\n"))


def rendered_diff(cli, repo: Path) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def]
    result = cli("diff", ".", "--phase", "1", "--rendered", "--format", "json", cwd=repo)
    return result.code, json.loads(result.out or "{}"), result.out + result.err


def note_of(data: dict, path: str) -> str:
    [target] = [t for t in data["targets"] if t["path"] == path]
    assert target["rendered"] is False, target
    return str(target["note"])


@needs_kubectl
def test_kustomize_resource_outside_the_repository_is_not_built(
    cli, sample_repo: Path, tmp_path: Path
) -> None:
    outside_folder(tmp_path)
    add_resource(sample_repo, "dev", "../../../../outside")  # deploy/../outside
    code, data, everything = rendered_diff(cli, sample_repo)
    assert code == 0, everything
    assert SECRET not in everything
    assert "names ../../../../outside, outside the repository: not read" in note_of(
        data, "kustomize/overlays/dev"
    )
    # The other overlay still renders.
    [prod] = [t for t in data["targets"] if t["path"] == "kustomize/overlays/prod"]
    assert prod["rendered"] is True


@needs_kubectl
@pytest.mark.parametrize("kind", ["url", "git"])
def test_remote_kustomize_resources_are_never_fetched(cli, sample_repo: Path, kind: str) -> None:
    with recording_server() as (url, hits):
        entry = f"{url}/cm.yaml" if kind == "url" else "github.com/example/deploy//base?ref=v1"
        add_resource(sample_repo, "prod", entry)
        code, data, everything = rendered_diff(cli, sample_repo)
        assert hits == []
    assert code == 0, everything
    assert SECRET not in everything
    assert f"names the remote resource {entry}: never fetched" in note_of(
        data, "kustomize/overlays/prod"
    )


@needs_helm
@pytest.mark.parametrize(
    ("link", "points_at"),
    [
        ("templates/leak.yaml", "leak.yaml"),  # a symlinked template
        ("files/leak.txt", "leak.txt"),  # read with .Files.Get
        ("charts/sub", "sub"),  # a symlinked subchart
    ],
)
def test_chart_links_that_leave_the_repository_are_not_rendered(
    cli, helm_repo: Path, tmp_path: Path, link: str, points_at: str
) -> None:
    outside = outside_folder(tmp_path)
    chart = helm_repo / "charts/litemaas"
    write(
        chart / "templates/files-get.yaml",
        CONFIGMAP.format(name="files", secret='{{ .Files.Get "files/leak.txt" | quote }}'),
    )
    (chart / link).parent.mkdir(parents=True, exist_ok=True)
    (chart / link).symlink_to(outside / points_at)
    code, data, everything = rendered_diff(cli, helm_repo)
    assert code == 0, everything
    assert SECRET not in everything
    note = note_of(data, "envs/prod-values.yaml")
    assert f"charts/litemaas/{link} is a link that points outside the repository" in note


@needs_helm
def test_chart_links_inside_the_repository_are_copied_as_what_they_point_at(
    helm_repo: Path,
) -> None:
    write(helm_repo / "shared/cm.yaml", CONFIGMAP.format(name="shared", secret="inside"))
    write(helm_repo / "shared/more/two.yaml", CONFIGMAP.format(name="two", secret="inside"))
    chart = helm_repo / "charts/litemaas"
    (chart / "templates/shared.yaml").symlink_to(helm_repo / "shared/cm.yaml")
    (chart / "templates/more").symlink_to(helm_repo / "shared/more")
    with contextlib.ExitStack() as stack:
        copy = Materializer(stack).folder(WorkTree(helm_repo), "charts/litemaas")
        shared, two = copy / "templates/shared.yaml", copy / "templates/more/two.yaml"
        assert not shared.is_symlink() and "name: shared" in shared.read_text()
        assert not two.is_symlink() and "name: two" in two.read_text()
        assert str(helm_repo) not in str(copy)  # a copy, never the work tree
    # A link that leaves the repository refuses the folder that holds it.
    (chart / "templates/away.yaml").symlink_to("/etc/hostname")
    with contextlib.ExitStack() as stack, pytest.raises(NotRendered, match="away.yaml is a link"):
        Materializer(stack).folder(WorkTree(helm_repo), "charts/litemaas")


BOMBS = {
    # Doubles a string 40 times: a terabyte, were there no memory limit.
    "memory": '{{- $s := "xxxxxxxx" }}{{- range until 40 }}{{- $s = print $s $s }}{{- end }}'
    "\nx: {{ $s | len }}\n",
    # Loops for ever, as far as the time limit is concerned.
    "time": "{{- range until 2000000000 }}{{- end }}\n",
}


@needs_helm
@needs_kubectl
@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_a_template_bomb_ends_its_target_only(
    cli, sample_repo: Path, monkeypatch: pytest.MonkeyPatch, bomb: str
) -> None:
    monkeypatch.setenv("LITEMAAS_UPGRADE_RENDER_MB", "1200")
    monkeypatch.setenv("LITEMAAS_UPGRADE_RENDER_SECONDS", "8")
    write(sample_repo / "charts/litemaas/templates/bomb.yaml", BOMBS[bomb])
    code, data, everything = rendered_diff(cli, sample_repo)
    assert code == 0, everything
    note = note_of(data, "envs/prod-values.yaml")
    if bomb == "memory":
        assert "Helm went over its limit of 1200 MiB of memory" in note
    else:
        assert "Helm took longer than 8 s" in note or "or 8 s of CPU time" in note
    # The run went on: the Kustomize targets rendered.
    [dev] = [t for t in data["targets"] if t["path"] == "kustomize/overlays/dev"]
    assert dev["rendered"] is True


def test_engines_run_with_an_empty_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubeconfig = write(tmp_path / "kubeconfig", "apiVersion: v1\nkind: Config\n")
    for name, value in {
        "KUBECONFIG": str(kubeconfig),
        "HTTPS_PROXY": "http://proxy.example:3128",
        "AWS_SECRET_ACCESS_KEY": "aws-secret",
        "GITHUB_TOKEN": "gh-token",
    }.items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "home"
    home.mkdir()
    dump = "import os, json; print(json.dumps(dict(os.environ)))"
    proc = run_engine([sys.executable, "-c", dump], home)
    env = json.loads(proc.stdout)
    assert not {"KUBECONFIG", "HTTPS_PROXY", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN"} & set(env)
    assert env["HOME"] == str(home) and os.listdir(home) == []
    assert env["KUSTOMIZE_PLUGIN_HOME"] == os.devnull


def test_engines_cannot_connect(tmp_path: Path) -> None:
    if not network_wrapper():
        pytest.skip("no network namespace here (unshare -rn): covered by the precheck tests")
    probe = (
        "import socket, sys\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=3).close()\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print('refused', exc)\n"
    )
    with recording_server() as (url, hits):
        port = url.rsplit(":", 1)[1]
        # The server is reachable from here...
        socket.create_connection(("127.0.0.1", int(port)), timeout=3).close()
        proc = run_engine([sys.executable, "-c", probe, port], tmp_path)
        assert proc.stdout.startswith(b"refused"), proc.stdout
        if shutil.which("kubectl"):
            # ...and kubectl, handed a remote resource (past the precheck), cannot fetch it.
            write(tmp_path / "k/kustomization.yaml", f"resources:\n  - {url}/cm.yaml\n")
            built = run_engine(["kubectl", "kustomize", str(tmp_path / "k")], tmp_path)
            assert built.returncode != 0 and SECRET.encode() not in built.stdout
        assert hits == []


@pytest.mark.parametrize(
    ("kustomization", "why"),
    [
        ("patches:\n  - path: ../../../x.yaml\n", "names ../../../x.yaml, outside the repository"),
        ("configMapGenerator:\n  - name: c\n    files:\n      - key=../../../../etc/passwd\n",
         "outside the repository"),
        ("resources:\n  - /etc/kubernetes\n", "names the absolute path /etc/kubernetes"),
        ("helmCharts:\n  - name: x\n    repo: https://charts.example.com\n",
         "names the remote resource https://charts.example.com"),
        ("components:\n  - git@github.com:org/repo.git//c\n", "remote resource git@github.com"),
        # Reached through a base inside the repository, two levels down.
        ("resources:\n  - ../base\n", "app/base/kustomization.yaml names ../../../outside"),
    ],
)
def test_kustomize_refusal_reads_every_field_that_loads_a_path(
    tmp_path: Path, kustomization: str, why: str
) -> None:
    from litemaas_upgrade.diff.sandbox import kustomize_refusal

    write(tmp_path / "app/overlay/kustomization.yaml", kustomization)
    write(tmp_path / "app/base/kustomization.yaml", "resources:\n  - ../../../outside\n")
    found = kustomize_refusal(WorkTree(tmp_path), "app/overlay")
    assert found is not None and why in found, found


def test_kustomize_refusal_lets_local_builds_and_image_names_pass(tmp_path: Path) -> None:
    from litemaas_upgrade.diff.sandbox import kustomize_refusal

    write(tmp_path / "app/base/kustomization.yaml", "resources:\n  - deploy.yaml\n")
    write(tmp_path / "app/base/deploy.yaml", "kind: Deployment\n")
    write(tmp_path / "app/v1.2/kustomization.yaml", "resources:\n  - ../base/deploy.yaml\n")
    write(
        tmp_path / "app/overlay/kustomization.yaml",
        "resources:\n  - ../base\n  - ../v1.2\n"
        "images:\n  - name: ghcr.io/berriai/litellm-non_root\n"
        "    newName: registry.example.com/mirror/litellm\n",
    )
    assert kustomize_refusal(WorkTree(tmp_path), "app/overlay") is None


@needs_helm
def test_a_chart_that_renders_too_much_is_not_rendered(cli, helm_repo: Path) -> None:
    # 72 MiB of output, within the memory limit: more than one chart may render.
    write(
        helm_repo / "charts/litemaas/templates/big.yaml",
        '{{- $s := "xxxxxxxx" }}{{- range until 20 }}{{- $s = print $s $s }}{{- end }}'
        "\nbig: {{ print $s $s $s $s $s $s $s $s $s }}\n",
    )
    code, data, everything = rendered_diff(cli, helm_repo)
    assert code == 0, everything[:2000]
    assert "more than the 64 MiB one chart may render" in note_of(data, "envs/prod-values.yaml")


def test_a_kustomize_build_over_the_time_limit_ends_its_target_only(
    cli, sample_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A kustomize that never finishes (the time limit is the tool's, whatever the engine).
    bin_dir = tmp_path / "bin"
    write(bin_dir / "kustomize", "#!/bin/sh\nexec sleep 30\n").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("LITEMAAS_UPGRADE_RENDER_SECONDS", "2")
    code, data, everything = rendered_diff(cli, sample_repo)
    assert code == 0, everything
    assert "kustomize took longer than 2 s" in note_of(data, "kustomize/overlays/dev")


def test_without_unshare_the_engines_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where `unshare -rn` is missing or refused, engines run with the empty environment
    only (the kustomization precheck keeps them offline)."""
    from litemaas_upgrade.diff import sandbox

    bin_dir = tmp_path / "bin"
    write(bin_dir / "unshare", "#!/bin/sh\necho 'unshare: operation not permitted' >&2\nexit 1\n")
    (bin_dir / "unshare").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    sandbox.network_wrapper.cache_clear()
    try:
        assert sandbox.network_wrapper() == ()
        proc = run_engine([sys.executable, "-c", "print('ran')"], tmp_path)
        assert proc.stdout == b"ran\n"
    finally:
        sandbox.network_wrapper.cache_clear()


@needs_helm
@needs_kubectl
def test_a_file_over_the_limit_refuses_its_chart_and_not_the_run(
    cli, sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITEMAAS_UPGRADE_MAX_FILE_MB", "1")
    big = b"x" * (1024 * 1024 + 1)
    (sample_repo / "charts/litemaas/files").mkdir()
    (sample_repo / "charts/litemaas/files/blob.bin").write_bytes(big)
    (sample_repo / "docs").mkdir()
    (sample_repo / "docs/diagram.png").write_bytes(big)  # in no chart and no build
    code, data, everything = rendered_diff(cli, sample_repo)
    assert code == 0, everything
    assert "charts/litemaas/files/blob.bin: file is larger than the 1 MiB limit" in note_of(
        data, "envs/prod-values.yaml"
    )
    [dev] = [t for t in data["targets"] if t["path"] == "kustomize/overlays/dev"]
    assert dev["rendered"] is True
