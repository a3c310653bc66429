"""What `--version` prints: the tool's version, then the versions of the data it ships
(each rule set's name, the LiteMaaS release it upgrades to and its schema; each chart
catalog's schema and the chart releases it knows).

`--version` is a start-up path (tests/test_startup.py, bench: under 100 ms): the data
files are read as text, their few top-level lines picked out with string methods. No
YAML reader is loaded for it (ruamel alone costs more than the whole budget), so this
reads only the plain `key: value` lines the shipped files are written with; the test
suite checks the result against what the real loaders read from the same files."""

from __future__ import annotations

import os

from . import __version__

DATA = os.path.join(os.path.dirname(__file__), "data")


def _scalar(text: str) -> str:
    """The value of a `key: value` line: without a comment or quotes."""
    value = text.split(" #", 1)[0].strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value


def _top_level(text: str) -> dict[str, str]:
    """The top-level `key: value` lines of a YAML file (unindented, not comments)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line[0] in " \t#-" or ":" not in line:
            continue
        key, _, value = line.partition(":")
        out.setdefault(key.strip(), _scalar(value))
    return out


def _catalog_releases(text: str) -> list[tuple[str, list[str]]]:
    """[(chart, [release, ...])] from a catalog's `charts:` mapping: the chart keys are
    indented two spaces; each release is a `- version: "X"` entry under `releases:`."""
    charts: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if line.startswith("  ") and not line.startswith("   ") and stripped.endswith(":"):
            charts.append((stripped[:-1], []))
        elif stripped.startswith("- version:") and charts:
            charts[-1][1].append(_scalar(stripped[len("- version:") :]))
    return [c for c in charts if c[1]]


def _read(name: str) -> str:
    with open(os.path.join(DATA, name), encoding="utf-8") as fh:
        return fh.read()


def rule_sets() -> list[dict[str, str]]:
    """The shipped rule sets (the data files with a `release`), oldest release first."""
    found = []
    for name in sorted(os.listdir(DATA)):
        if not name.endswith(".yaml") or name.startswith("catalog"):
            continue
        top = _top_level(_read(name))
        if "release" in top and "name" in top:
            found.append({"file": name, **top})
    return sorted(found, key=lambda r: _release_key(r["release"]))


def _release_key(release: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else -1 for p in release.replace("-", ".").split("."))


def catalogs() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for name in sorted(os.listdir(DATA)):
        if name.startswith("catalog") and name.endswith(".yaml"):
            text = _read(name)
            out.append(
                {
                    "file": name,
                    "schema": _top_level(text).get("schema", "?"),
                    "charts": _catalog_releases(text),
                }
            )
    return out


def text() -> str:
    lines = [f"litemaas-upgrade, version {__version__}"]
    for r in rule_sets():
        lines.append(
            f"rules {r['name']}: LiteMaaS {r['release']} (schema {r.get('schema', '?')}, "
            f"data/{r['file']})"
        )
    for c in catalogs():
        charts = c["charts"]
        assert isinstance(charts, list)
        known = "; ".join(f"{chart} {', '.join(releases)}" for chart, releases in charts)
        lines.append(f"catalog (schema {c['schema']}, data/{c['file']}): {known}")
    return "\n".join(lines) + "\n"
