"""What the required status says about Renovate's branches: each branch the lookup run
proposed is written into a copy of the tree (each update's `replaceString`, on the line
where the check located it, with the new value in place of the current one: Renovate's
own replacement) and judged by `litemaas-upgrade lint --base HEAD`.

A branch Renovate opens by itself (no approval needed) must pass: it is phase 1. A branch
the preset holds must be refused, so that approving it too early changes nothing: the
LiteLLM branch with LU001 (LiteLLM first).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path


def _write(tree: Path, updates: list[dict]) -> list[str]:
    problems = []
    for u in updates:
        path = tree / u["packageFile"]
        lines = path.read_text().split("\n")
        cur = u["currentValue"]
        old = u["replaceString"] or cur  # no replaceString: Renovate replaces the value
        if not cur or cur not in old or u["line"] is None:
            problems.append(f"{u['packageFile']}: {u['depName']} not writable ({old!r})")
            continue
        at = old.rindex(cur)  # the value is the last part (`image:tag`, `tag: "0.1.3"`)
        new = old[:at] + u["newValue"] + old[at + len(cur):]
        i = u["line"] - 1
        if old not in lines[i]:
            problems.append(f"{u['packageFile']}:{u['line']}: {old!r} is not on the line")
            continue
        lines[i] = lines[i].replace(old, new, 1)
        path.write_text("\n".join(lines))
    return problems


def _lint(tree: Path) -> tuple[int, list[str]]:
    exe = Path(sys.executable).parent / "litemaas-upgrade"
    proc = subprocess.run([str(exe), "lint", ".", "--base", "HEAD", "--format", "json"],
                          cwd=tree, capture_output=True, text=True, check=False)
    codes: list[str] = []
    try:
        report = json.loads(proc.stdout)
        findings = report["findings"] if isinstance(report, dict) else report
        codes = sorted({f"{f['code']} ({f['severity']})" for f in findings})
        # Where each error is (its message names commits, so it is left out).
        codes += sorted({f"{f['code']} at `{f['file']}:{f['line']}`"
                         for f in findings if f["severity"] == "error"})
    except (ValueError, KeyError, TypeError):
        codes = [f"unreadable lint output: {proc.stdout[:200]!r} {proc.stderr[:200]!r}"]
    return proc.returncode, codes


def lint_branches(before: Path, updates: list[dict], tmp: Path,
                  failures: list[str]) -> list[str]:
    by_branch: dict[str, list[dict]] = {}
    for u in updates:
        by_branch.setdefault(u["branchName"], []).append(u)
    lines = ["| branch | held | files written | `lint --base HEAD` exit | findings |",
             "|---|---|---|---|---|"]
    for name, ups in sorted(by_branch.items()):
        tree = tmp / ("branch-" + name.replace("/", "-"))
        shutil.copytree(before, tree)
        for p in _write(tree, ups):
            failures.append(f"{name}: {p}")
        code, found = _lint(tree)
        files = len({u["packageFile"] for u in ups})
        held = any(u["dependencyDashboardApproval"] for u in ups)
        shown = "; ".join(found) or "none"
        lines.append(f"| `{name}` | {held} | {files} | {code} | {shown} |")
        comps = {u["component"] for u in ups}
        if not held and code != 0:
            failures.append(f"{name}: opened without approval, yet lint refuses it ({found})")
        if held and code != 1:
            failures.append(f"{name}: held for approval, yet lint lets it through")
        if comps == {"litellm"} and (code != 1 or not any(c.startswith("LU001") for c in found)):
            failures.append(f"{name}: the LiteLLM branch is not refused with LU001"
                            f" ({code}, {found})")
    return lines
