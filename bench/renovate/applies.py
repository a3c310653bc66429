"""Does the preset apply? Renovate's own packageRules and versioning code (applies.mjs)
on the updates the real lookup run proposed for sample-charts/, checked against what the
preset promises (docs/renovate.md)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from renovate_run import Renovate

_LITELLM = re.compile(r"^main-v(\d+)\.(\d+)\.(\d+)")
_LITEMAAS = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)")
_GATE_LITELLM = (1, 81, 0)  # LiteLLM from here on needs the backend at 0.2.0
_PHASE_1 = (0, 2, 0)  # LiteMaaS past this is the v0.4.0 guide's path (after LiteLLM 1.81)
HERE = Path(__file__).resolve().parent

# Later moves the lookup of the tree before the upgrade cannot propose (the first LiteMaaS
# step is 0.2.0 exactly): updates as Renovate would find them after phase 1 or phase 2.
PROBES = [
    ("backend", "quay.io/rh-aiservices-bu/litemaas-backend", "0.2.0", "0.2.1"),
    ("frontend", "quay.io/rh-aiservices-bu/litemaas-frontend", "0.2.0", "0.4.0"),
    ("backend", "registry.example.com/mirror/litemaas-backend", "0.3.1", "0.4.0"),
    ("litellm", "ghcr.io/berriai/litellm-non_root", "main-v1.80.15-stable", "main-v1.81.0-stable"),
    ("litellm", "ghcr.io/berriai/litellm-non_root", "main-v1.74.7-stable", "main-v1.80.15-stable"),
    ("litellm", "quay.io/rh-aiservices-bu/litellm-non-root", "main-v1.81.0-stable-custom",
     "main-v1.82.3-stable-custom"),
]


def _version(pattern: re.Pattern[str], tag: str | None) -> tuple[int, ...] | None:
    m = pattern.match(tag or "")
    return tuple(int(g) for g in m.groups()) if m else None


def needs_approval(update: dict) -> bool:
    """What the preset promises: a LiteLLM move across main-v1.81, a LiteMaaS move past
    0.2.0, and any move of the LiteMaaS chart wait for approval."""
    comp = update["component"]
    if comp == "chart":
        return True
    if comp == "litellm":
        old, new = (_version(_LITELLM, update[k]) for k in ("currentValue", "newValue"))
        return old is not None and new is not None and old < _GATE_LITELLM <= new
    old, new = (_version(_LITEMAAS, update[k]) for k in ("currentValue", "newValue"))
    return old is not None and new is not None and old <= _PHASE_1 < new


def _expect(u: dict, failures: list[str]) -> None:
    where = f"{u['packageFile']} {u['depName']} {u['currentValue']} -> {u['newValue']}"
    want_slug = {"backend": "litemaas", "frontend": "litemaas", "chart": "litemaas-chart",
                 "litellm": "litellm"}[u["component"]]
    want_priority = {"litemaas": 10, "litemaas-chart": 5, "litellm": -10}[want_slug]
    if u["groupSlug"] != want_slug:
        failures.append(f"{where}: group {u['groupSlug']!r}, the preset says {want_slug!r}")
    if u["prPriority"] != want_priority:
        failures.append(f"{where}: prPriority {u['prPriority']}, the preset says {want_priority}")
    if u["dependencyDashboardApproval"] != needs_approval(u):
        failures.append(f"{where}: dependencyDashboardApproval {u['dependencyDashboardApproval']},"
                        f" the preset says {needs_approval(u)}")
    if u["component"] == "litellm" and not (u["versioning"] or "").startswith("regex:"):
        failures.append(f"{where}: versioning {u['versioning']!r}, not the preset's regex")


def _branches(updates: list[dict], failures: list[str]) -> list[str]:
    """Per branch of the real run: Renovate gives a branch the first upgrade's settings and
    needs approval when any of its upgrades does (generateBranchConfig)."""
    by_branch: dict[str, list[dict]] = {}
    for u in updates:
        by_branch.setdefault(u["branchName"], []).append(u)
    lines = ["| branch (real run) | updates | prPriority | needs approval |", "|---|---|---|---|"]
    litellm_prio, litemaas_free = [], []
    for name, ups in sorted(by_branch.items(), key=lambda kv: -kv[1][0]["prPriority"]):
        comps = {u["component"] for u in ups}
        prio = ups[0]["prPriority"]
        approval = any(u["dependencyDashboardApproval"] for u in ups)
        moves = sorted({f"{u['depName'].rsplit('/', 1)[-1]} {u['currentValue']}->{u['newValue']}"
                        for u in ups})
        lines.append(f"| `{name}` | {len(ups)}: {', '.join(moves)} | {prio} | {approval} |")
        if "litellm" in comps and comps != {"litellm"}:
            failures.append(f"branch {name} mixes LiteLLM with {sorted(comps - {'litellm'})}")
        if comps == {"litellm"}:
            litellm_prio.append(prio)
        if comps <= {"backend", "frontend"} and not approval:
            litemaas_free.append(prio)
    if not litemaas_free:
        failures.append("no LiteMaaS backend/frontend branch is free to open without approval")
    elif litellm_prio and min(litemaas_free) <= max(litellm_prio):
        failures.append("a LiteMaaS branch does not come before every LiteLLM branch")
    if not any(u["component"] == "litellm" and needs_approval(u) for u in updates):
        failures.append("no LiteLLM update crosses main-v1.81: the approval rule was not exercised")
    return lines


def check_applies(renovate: Renovate, preset: Path, updates: list[dict],
                  tags: dict[str, list[str]], tmp: Path,
                  failures: list[str]) -> tuple[list[str], list[dict]]:
    """The report's lines, and the updates with the settings the preset gives each."""
    rules = json.loads(preset.read_text())["packageRules"]
    scheme = next(r["versioning"] for r in rules if "versioning" in r)
    probe = [*tags["litellm-non_root"], *tags["litellm-non-root"], "v1.80.5.rc.2",
             "main-v1.81.0"]
    request = tmp / "applies-input.json"
    probes = [{"component": c, "depName": name, "packageName": name, "datasource": "docker",
               "manager": "kubernetes", "packageFile": "(probe)", "currentValue": old,
               "newValue": new, "branchName": "(probe)"} for c, name, old, new in PROBES]
    request.write_text(json.dumps({"updates": updates + probes, "versioning": {
        "scheme": scheme, "current": "main-v1.74.7-stable", "tags": probe}}))
    proc = subprocess.run(
        [str(renovate.node), str(HERE / "applies.mjs"), str(renovate.dist), str(preset),
         str(request)], capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        failures.append(f"applies.mjs failed: {proc.stderr[-1500:]}")
        return [], []
    result = json.loads(proc.stdout)
    found = [u for u in result["updates"] if u["packageFile"] != "(probe)"]
    lines = [f"{len(found)} updates proposed by the lookup run, and {len(probes)} probes "
             "(`(probe)`: later moves); the settings each gets from the preset (Renovate's "
             "`applyPackageRules`, stage `update`):", "",
             "| file | image | from -> to | group | prPriority | approval |",
             "|---|---|---|---|---|---|"]
    for u in result["updates"]:
        _expect(u, failures)
        lines.append(f"| `{u['packageFile']}` | `{u['depName']}` | {u['currentValue']} -> "
                     f"{u['newValue']} | {u['groupName']} | {u['prPriority']} | "
                     f"{u['dependencyDashboardApproval']} |")
    lines += ["", *_branches(found, failures)]
    lines += ["", f"The LiteLLM versioning `{scheme}`, read by Renovate's versioning code, "
              "against the current `main-v1.74.7-stable`:", "",
              "| tag | valid | version | compatible (same suffix) | newer |",
              "|---|---|---|---|---|"]
    want = {"main-v1.81.0-stable": (True, True, True), "main-v1.80.15-stable": (True, True, True),
            "main-v1.81.0-nightly": (True, False, True), "main-stable": (False, False, False),
            "main-latest": (False, False, False), "v1.80.5.rc.2": (False, False, False),
            "main-v1.81.0-stable-custom": (True, False, True), "main-v1.81.0": (True, False, True)}
    for t in result["versioning"]["tags"]:
        got = (t["valid"], t["compatibleWithCurrent"], t["greaterThanCurrent"])
        if t["tag"] in want and got != want[t["tag"]]:
            failures.append(f"versioning reads {t['tag']} as (valid, compatible, newer) = {got},"
                            f" expected {want[t['tag']]}")
        version = ".".join(map(str, t["version"])) if t["version"] else "-"
        lines.append(f"| `{t['tag']}` | {t['valid']} | {version} | {t['compatibleWithCurrent']} |"
                     f" {t['greaterThanCurrent']} |")
    return lines, found
