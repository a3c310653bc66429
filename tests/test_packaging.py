"""Packaging a user can pin: one version that every place naming it agrees on, and the
release as a user gets it (scripts/package-check: build, twine check, the wheel's data,
a pipx install running every subcommand).

To add a file that names the version (the GitHub Action's `action.yml`, the GitLab
component under `templates/`, a docs page), add a row to PINS: its path and a regular
expression whose group 1 is the version (without the `v` of the tag); every match in the
file must be the package's version, and there must be at least one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from litemaas_upgrade import __version__

TAG = r"v(\d+\.\d+\.\d+(?:[-.+][0-9A-Za-z.]+)?)"

PINS: list[tuple[str, str]] = [
    # The pre-commit snippet's release tag, and the CI snippet's `pip install git+...@vX`.
    ("README.md", rf"^\s*rev: {TAG}\s*$"),
    ("README.md", rf"litemaas-upgrade@{TAG}\b"),
    ("docs/install.md", rf"^\s*rev: {TAG}\s*$"),
    ("docs/install.md", rf"litemaas-upgrade@{TAG}\b"),
    ("docs/install.md", r"litemaas-upgrade(?:\[render\])?==(\d+\.\d+\.\d+)\b"),
    # The hooks file names the release it belongs to (what `rev:` to pin).
    (".pre-commit-hooks.yaml", rf"^# Release {TAG}\b"),
    # The GitHub Action and the GitLab component, and the page that shows how to pin them
    # (a GitLab component's ref has no `v`).
    ("action.yml", rf"litemaas-upgrade@{TAG}\b"),
    ("templates/litemaas-upgrade.yml", r"^\s*default: (\d+\.\d+\.\d+)\s*$"),
    ("templates/litemaas-upgrade.yml", rf"litemaas-upgrade@{TAG}\b"),
    ("docs/ci.md", rf"litemaas-upgrade@{TAG}\b"),
    ("docs/ci.md", r"litemaas-upgrade@(\d+\.\d+\.\d+)\b"),
    # The Renovate preset, extended at a release tag, and its page's workflow.
    ("docs/renovate.md", rf"renovate/litemaas#{TAG}"),
    ("docs/renovate.md", rf"litemaas-upgrade@{TAG}\b"),
]


def pyproject_version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = text.split("\n[project]\n", 1)[1].split("\n[", 1)[0]
    [version] = re.findall(r'^version = "([^"]+)"$', project, re.M)
    return version


def test_the_code_and_pyproject_agree() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert pyproject_version() == __version__


def pins(text: str, pattern: str) -> list[str]:
    return re.findall(pattern, text, re.M)


@pytest.mark.parametrize(("path", "pattern"), PINS, ids=[f"{p}:{r[:24]}" for p, r in PINS])
def test_every_pin_names_the_version(path: str, pattern: str) -> None:
    found = pins((ROOT / path).read_text(encoding="utf-8"), pattern)
    assert found, f"{path}: nothing matches {pattern!r}"
    assert set(found) == {__version__}, f"{path}: {found} (the package is {__version__})"


def test_a_stale_pin_is_caught() -> None:
    """The pattern of a row finds a pin that names another version (the check can fail)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    stale = text.replace(f"rev: v{__version__}", "rev: v9.9.9", 1)
    assert pins(text, PINS[0][1]) == [__version__]
    assert pins(stale, PINS[0][1]) == ["9.9.9"]


@pytest.mark.package
def test_package_check(tmp_path: Path) -> None:
    """scripts/package-check, as anyone runs it (with this interpreter, which has the test
    extra). It needs PyPI for the wheel's dependencies (pipx installs them), as CI has."""
    env = {**os.environ, "PYTHON": sys.executable, "TMPDIR": str(tmp_path)}
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "package-check")],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "twine check" in out and out.count("PASSED") == 2
    assert f"litemaas-upgrade, version {__version__}" in out
    assert "rules litemaas-0.2.0" in out
    assert out.rstrip().endswith("package-check: ok")
