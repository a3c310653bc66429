"""Install the pinned Renovate (with the Node.js it needs) into a prefix, and run it.

Renovate 44 needs Node.js 24; where the machine's `node` is older, the prefix gets the
`node-linux-<arch>` package from the npm registry (the official Node.js build, shipped as
an npm package) and runs Renovate with it. Renovate's optional `re2` (the regex engine the
hosted Renovate uses) is built from source against that Node.js: without it Renovate falls
back to JavaScript regexes, and the check says so.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

RENOVATE_VERSION = "44.121.2"
NODE_VERSION = "24.22.3"
NODE_MAJOR_NEEDED = 24


@dataclass
class Renovate:
    node: Path
    dist: Path
    version: str
    node_version: str
    re2: bool

    def env(self, base_dir: Path, global_config: Path | None = None) -> dict[str, str]:
        # A clean environment: no RENOVATE_* or token of the caller's leaks into the run.
        env = {
            "PATH": f"{self.node.parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(base_dir),
            "LANG": "C.UTF-8",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "json",
            "RENOVATE_BASE_DIR": str(base_dir),
        }
        if global_config is not None:
            env["RENOVATE_CONFIG_FILE"] = str(global_config)
        return env

    def validate(self, files: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.node), str(self.dist / "config-validator.js"), "--strict", "--no-global",
             *map(str, files)],
            cwd=cwd, env=self.env(cwd / ".renovate-base"), capture_output=True, text=True,
            check=False,
        )

    def parse_preset(self, name: str) -> dict:
        """Renovate's own reading of an `extends` entry (which repository, path and file)."""
        module = json.dumps((self.dist / "config" / "presets" / "parse.js").as_uri())
        script = (f"const m = await import({module});"
                  f"console.log(JSON.stringify(m.parsePreset({json.dumps(name)})));")
        out = subprocess.run([str(self.node), "--input-type=module", "-e", script],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout)

    def run(self, repo: Path, dry_run: str, base_dir: Path,
            global_config: Path | None = None) -> list[dict]:
        """Renovate in local platform mode on `repo` (a git work tree, config committed);
        its JSON log records."""
        proc = subprocess.run(
            [str(self.node), str(self.dist / "renovate.js"), "--platform=local",
             f"--dry-run={dry_run}", "--onboarding=false", "--require-config=optional"],
            cwd=repo, env=self.env(base_dir, global_config), capture_output=True, text=True,
            check=False, timeout=600,
        )
        records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0:
            raise SystemExit(
                f"renovate --dry-run={dry_run} exited {proc.returncode}:\n{proc.stderr[-2000:]}"
            )
        return records


def _node_package() -> str:
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower()
    )
    if arch is None or platform.system() != "Linux":
        raise SystemExit(f"no Node.js {NODE_MAJOR_NEEDED} package for {platform.platform()}:"
                         f" put node >= {NODE_MAJOR_NEEDED} on the PATH")
    return f"node-linux-{arch}"


def _node_major(node: str) -> int:
    out = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    try:
        return int(out.stdout.strip().lstrip("v").split(".")[0])
    except ValueError:
        return 0


def _npm(prefix: Path, packages: list[str], path_first: Path | None, nodedir: Path | None) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not on the PATH: install Node.js and npm (apt-get install npm)")
    env = dict(os.environ)
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
    if nodedir is not None:
        env["npm_config_nodedir"] = str(nodedir)  # node-gyp builds re2 for this Node.js
    subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error",
         *packages],
        env=env, check=True,
    )


def ensure(prefix: Path) -> Renovate:
    """The pinned Renovate in `prefix`, installed on first use (a few minutes: re2 builds)."""
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / ".gitignore").write_text("*\n")
    manifest = prefix / "package.json"
    if not manifest.exists():
        # npm 11 runs no install script it is not told to allow; re2 needs its build.
        manifest.write_text('{"private": true, "allowScripts": {"re2": true}}\n')
    node = shutil.which("node")
    nodedir: Path | None = None
    if node is None or _node_major(node) < NODE_MAJOR_NEEDED:
        package = _node_package()
        nodedir = prefix / "node_modules" / package
        if not (nodedir / "bin" / "node").exists():
            _npm(prefix, [f"{package}@{NODE_VERSION}"], None, None)
        node = str(nodedir / "bin" / "node")
    node_path = Path(node)
    dist = prefix / "node_modules" / "renovate" / "dist"
    pkg = prefix / "node_modules" / "renovate" / "package.json"
    if not pkg.exists() or json.loads(pkg.read_text())["version"] != RENOVATE_VERSION:
        _npm(prefix, [f"renovate@{RENOVATE_VERSION}"], node_path.parent, nodedir)
    re2 = subprocess.run(
        [node, "-e", "new (require('re2'))('a+')"], cwd=prefix / "node_modules" / "renovate",
        capture_output=True, check=False,
    ).returncode == 0
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True,
                                  check=True).stdout.strip()
    return Renovate(node_path, dist, RENOVATE_VERSION, node_version, re2)


def record(records: list[dict], msg: str) -> dict:
    for r in records:
        if r.get("msg") == msg:
            return r
    raise SystemExit(f"Renovate's log has no {msg!r} record")


def problems(records: list[dict]) -> list[str]:
    """Warnings and errors of a run, without the ones the check causes on purpose."""
    out = []
    for r in records:
        if r.get("level", 0) >= 40 and not r["msg"].startswith("RE2 not usable"):
            out.append(f"{r['msg']}")
    return out
