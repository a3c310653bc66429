"""The Renovate preset (renovate/litemaas.json) against the real Renovate, offline.

1. `renovate-config-validator --strict` accepts the preset (and refuses a broken copy).
2. Renovate extracts, in local platform mode, the image dependencies of a copy of
   sample-charts/ (before the upgrade, and again after the tool's phase 1): each site
   litemaas-upgrade finds or edits is compared with them, and every difference must have
   an explanation in `explanations.py`.
3. Renovate looks up updates against a loopback registry (registry.py) with the preset,
   and Renovate's own packageRules code says which group, priority and approval each
   update gets.

Usage: scripts/renovate-check [--prefix DIR] [--record FILE]. Exit 1 when a check fails.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from applies import check_applies  # noqa: E402
from branches import lint_branches  # noqa: E402
from explanations import EXPLANATIONS  # noqa: E402
from registry import TAGS, LoopbackRegistry  # noqa: E402
from renovate_run import Renovate, ensure, problems, record  # noqa: E402
from sites import Row, add_edits, compare, locate, renovate_deps, table, tool_sites  # noqa: E402

from litemaas_upgrade.rules import load_rules  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PRESET = REPO / "renovate" / "litemaas.json"
EXTENDS = "github>OWNER/litemaas-upgrade//renovate/litemaas#v0.1.0"  # as docs/renovate.md says

# What a deployment repository adds to the preset so that Renovate reads its files (the
# kubernetes manager has no default pattern; helm-values reads only `values.yaml`; argocd
# and flux read no file by default). docs/renovate.md shows the same for a user.
MANAGER_FILES = {
    "kubernetes": {"managerFilePatterns": [
        "/(^|/)(kustomize|kustomize-upstream|external-litellm)/.+\\.ya?ml(\\.local)?$/"]},
    "helm-values": {"managerFilePatterns": ["/(^|/)[^/]*values[^/]*\\.ya?ml$/"]},
    "argocd": {"managerFilePatterns": ["/(^|/)gitops/argocd/[^/]+\\.ya?ml$/"]},
    "flux": {"managerFilePatterns": ["/(^|/)gitops/flux/[^/]+\\.ya?ml$/"]},
}
OURS = ["/(^|/)litemaas-(backend|frontend)$/", "/(^|/)[^/]*litellm[^/]*$/",
        "/(^|/)charts/litemaas$/"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=renovate-check", "-c", "user.email=check@invalid",
                    "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True,
                   capture_output=True)


def new_tree(path: Path, diff: Path | None = None) -> Path:
    shutil.copytree(REPO / "sample-charts", path)
    git(path, "init", "-q")
    if diff is not None:
        git(path, "apply", str(diff))
    git(path, "add", "-A")
    git(path, "commit", "-qm", "sample-charts")
    return path


def tool(cwd: Path, *args: str) -> str:
    exe = Path(sys.executable).parent / "litemaas-upgrade"
    proc = subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(
            f"litemaas-upgrade {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc.stdout


def commit_config(tree: Path, config: dict) -> None:
    (tree / "renovate.json").write_text(json.dumps(config, indent=2) + "\n")
    git(tree, "add", "renovate.json")
    git(tree, "commit", "-qm", "renovate config")


def validate(renovate: Renovate, tmp: Path, failures: list[str]) -> list[str]:
    parsed = renovate.parse_preset(EXTENDS)
    names = f"{parsed.get('presetPath')}/{parsed.get('presetName')}.json"
    out = [f"- `\"extends\": [\"{EXTENDS}\"]` (docs/renovate.md) names, as Renovate reads it: "
           f"`{names}` of `{parsed.get('repo')}` at `{parsed.get('tag')}`"]
    if (REPO / names) != PRESET:
        failures.append(f"the documented extends entry names {names}, not renovate/litemaas.json")
    ok = renovate.validate([PRESET], REPO)
    passed = ok.returncode == 0 and "Config validated successfully" in ok.stdout + ok.stderr
    out.append(f"- `renovate-config-validator --strict --no-global renovate/litemaas.json`: "
               f"{'accepted' if passed else 'REFUSED'} (exit {ok.returncode})")
    if not passed:
        failures.append("the validator refuses the preset:\n" + ok.stdout + ok.stderr)
    # The config snippets docs/renovate.md tells a user to write validate too; the file
    # patterns are the very ones this check uses.
    snippets = re.findall(r"```json\n(.*?)```", (REPO / "docs" / "renovate.md").read_text(), re.S)
    for i, snippet in enumerate(snippets):
        path = tmp / f"docs-snippet-{i}.json"
        path.write_text(snippet)
        res = renovate.validate([path], tmp)
        good = res.returncode == 0
        out.append(f"- docs/renovate.md snippet {i + 1}: {'accepted' if good else 'REFUSED'}")
        if not good:
            failures.append(f"docs/renovate.md snippet {i + 1} is refused:\n{res.stdout}")
    if not any(json.loads(x) == MANAGER_FILES for x in snippets):
        failures.append("docs/renovate.md does not show the file patterns this check uses")
    # The control: a copy with a misspelt option must be refused, or the step proves nothing.
    broken = json.loads(PRESET.read_text())
    broken["packageRules"][0]["prPriorty"] = broken["packageRules"][0].pop("prPriority")
    bad = tmp / "broken-preset.json"
    bad.write_text(json.dumps(broken))
    ko = renovate.validate([bad], tmp)
    refused = ko.returncode != 0 and "prPriorty" in ko.stdout + ko.stderr
    out.append(f"- control, the same preset with `prPriority` misspelt: "
               f"{'refused' if refused else 'ACCEPTED'} (exit {ko.returncode})")
    if not refused:
        failures.append("the validator accepts a preset with a misspelt option")
    return out


def extract(renovate: Renovate, tree: Path, tmp: Path, failures: list[str]) -> dict:
    records = renovate.run(tree, "extract", tmp / "renovate-base")
    if not any(r.get("msg") == "No config migration necessary" for r in records):
        failures.append(f"{tree.name}: Renovate migrates the preset (an option name is outdated)")
    for p in problems(records):
        failures.append(f"{tree.name}: Renovate logged: {p}")
    return record(records, "Extracted dependencies")["packageFiles"]


def lookup(renovate: Renovate, tmp: Path, failures: list[str]) -> dict:
    """A lookup run with the preset, every LiteMaaS/LiteLLM image and the chart routed to
    the loopback registry, the Argo CD git source to a local repository with release tags,
    and everything else disabled (no network)."""
    tree = new_tree(tmp / "lookup")
    tags = tmp / "litemaas.git"
    work = tmp / "litemaas-tags"
    work.mkdir()
    git(work, "init", "-q")
    for tag in ("v0.1.3", "v0.2.0"):
        git(work, "commit", "-q", "--allow-empty", "-m", tag)
        git(work, "tag", tag)
    git(tmp, "clone", "-q", "--bare", str(work), str(tags))
    global_config = tmp / "global.json"
    with LoopbackRegistry() as reg:
        url = f"127.0.0.1:{reg.port}"
        global_config.write_text(json.dumps(
            {"hostRules": [{"matchHost": "127.0.0.1", "allowInternal": True}]}))
        config = json.loads(PRESET.read_text()) | MANAGER_FILES
        config["packageRules"] = [
            {"matchPackageNames": ["*"], "enabled": False},
            {"matchPackageNames": [*OURS, "litemaas", "https://github.com/rh-aiservices-bu/litemaas.git"],
             "enabled": True},
            {"matchDatasources": ["docker"], "matchPackageNames": [*OURS, "!/^127\\.0\\.0\\.1/"],
             "overridePackageName": f"{url}/{{{{{{packageName}}}}}}",
             "registryUrls": [f"http://{url}"]},
            {"matchDatasources": ["helm"], "matchPackageNames": ["litemaas"],
             "registryUrls": [f"http://{url}/charts"]},
            {"matchDatasources": ["git-tags"],
             "matchPackageNames": ["https://github.com/rh-aiservices-bu/litemaas.git"],
             "overridePackageName": tags.as_uri()},
            *config["packageRules"],
        ]
        commit_config(tree, config)
        records = renovate.run(tree, "lookup", tmp / "renovate-base", global_config)
        served = list(reg.requests)
    if not any("/tags/list" in r for r in served):
        failures.append("lookup: Renovate asked the loopback registry for no tag list")
    for p in problems(records):
        if "non-git url" in p:  # the local tags repository given as a file: URL
            continue
        failures.append(f"lookup: Renovate logged: {p}")
    return record(records, "packageFiles with updates")["config"]


def proposals(deps, with_updates: dict, failures: list[str]) -> list[dict]:
    """Mark each extracted dependency with what the lookup run proposes; the updates. The
    run itself must have given every LiteLLM dependency the preset's versioning."""
    scheme = next(r["versioning"] for r in json.loads(PRESET.read_text())["packageRules"]
                  if "versioning" in r)
    found = {}
    for manager, pfs in with_updates.items():
        for pf in pfs:
            for i, dep in enumerate(pf["deps"]):
                found[(manager, pf["packageFile"], i)] = dep
    updates = []
    for dep in deps:
        looked = found.get((dep.manager, dep.file, dep.index))
        if looked is None or dep.component is None:
            continue
        if looked.get("depName", dep.dep_name) != dep.dep_name:
            failures.append(f"lookup: {dep.file} dependency {dep.index} is {looked['depName']},"
                            f" the extraction said {dep.dep_name}")
        if dep.component == "litellm" and not dep.skip and looked.get("versioning") != scheme:
            failures.append(f"lookup: {dep.file} {dep.dep_name} has versioning "
                            f"{looked.get('versioning')!r}, not the preset's")
        ups = looked.get("updates") or []
        if ups:
            dep.proposal = "; ".join(f"-> {u['newValue']} ({u['branchName']})" for u in ups)
        else:
            why = looked.get("skipReason") or "no update"
            dep.proposal = f"(lookup: {why})"
        for u in ups:
            updates.append({
                "manager": dep.manager, "packageFile": dep.file, "depName": looked["depName"],
                "packageName": looked.get("packageName", looked["depName"]),
                "datasource": looked["datasource"], "currentValue": looked.get("currentValue"),
                "currentVersion": looked.get("currentVersion"), "newValue": u["newValue"],
                "newVersion": u.get("newVersion"), "updateType": u.get("updateType"),
                "isBreaking": u.get("isBreaking", False), "branchName": u["branchName"],
                "component": dep.component, "line": dep.line, "replaceString": dep.replace,
            })
    return updates


def summarize(rows: list[Row]) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    edited = [r for r in rows if r.edited]
    found = [r for r in edited if r.verdict == "same"]
    return (", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
            + f"; of the {len(edited)} sites the tool edits, Renovate finds {len(found)}"
              f" and misses {len(edited) - len(found)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", type=Path, default=REPO / "bench" / ".renovate",
                        help="where Renovate is installed (default: bench/.renovate)")
    parser.add_argument("--record", type=Path, help="also write the report (markdown) here")
    args = parser.parse_args()

    renovate = ensure(args.prefix.resolve())
    rules = load_rules()
    failures: list[str] = []
    out = [
        f"Renovate {renovate.version} on Node.js {renovate.node_version}, regex engine "
        f"{'RE2' if renovate.re2 else 'JavaScript RegExp (re2 did not build)'}; "
        f"{datetime.date.today().isoformat()}.",
        "",
        "### The preset validates",
        "",
    ]
    with tempfile.TemporaryDirectory(prefix="renovate-check-") as tmp_name:
        tmp = Path(tmp_name)
        out += validate(renovate, tmp, failures)

        before = new_tree(tmp / "before")
        scan_before = json.loads(tool(before, "scan", ".", "--format", "json"))
        tool(before, "plan", ".", "--out", str(tmp / "plan"))
        plan = json.loads((tmp / "plan" / "plan.json").read_text())
        after = new_tree(tmp / "after-phase-1", tmp / "plan" / "phase-1.diff")
        scan_after = json.loads(tool(after, "scan", ".", "--format", "json"))

        config = json.loads(PRESET.read_text()) | MANAGER_FILES
        sections = []
        for tree, scan, phase in ((before, scan_before, 1), (after, scan_after, 2)):
            sites = tool_sites(scan)
            inserted = add_edits(sites, plan, phase, tree)
            commit_config(tree, config)
            deps = renovate_deps(extract(renovate, tree, tmp, failures), rules)
            locate(deps, tree)
            sections.append((tree, sites, inserted, deps))

        updates = proposals(sections[0][3], lookup(renovate, tmp, failures), failures)
        applies_lines, settled = check_applies(renovate, PRESET, updates, TAGS, tmp, failures)
        branch_lines = lint_branches(before, settled, tmp, failures)

        titles = {1: "Before the upgrade (phase 1 edits)",
                  2: "After phase 1 (phase 2 edits)"}
        used: set = set()
        for (_tree, sites, inserted, deps), phase in zip(sections, (1, 2), strict=True):
            rows = compare(sites, deps, EXPLANATIONS, used)
            for r in rows:
                if not r.explained:
                    failures.append(f"{titles[phase]}: {r.verdict} {r.file}:{r.line} {r.path}"
                                    f" ({r.renovate}) has no explanation")
            others = sorted({d.dep_name for d in deps if d.component is None})
            out += ["", f"### {titles[phase]}", "", summarize(rows) + ".", "", table(rows), ""]
            if inserted:
                out += ["Keys the tool inserts (nothing there yet for Renovate to find):", ""]
                out += [f"- {i}" for i in inserted]
                out.append("")
            out.append("Other images Renovate extracts (not LiteMaaS, LiteLLM or the chart): "
                       + ", ".join(f"`{o}`" for o in others) + ".")
        for e in EXPLANATIONS:
            if e not in used:  # a reason nothing needs any more: the list must stay true
                failures.append(f"explanation used by no row: {e.side} {e.file} {e.path}")
        out += ["", "### The preset applies (Renovate's lookup and packageRules code)", ""]
        out += applies_lines
        out += ["", "### The required status on Renovate's branches", "",
                "Each branch of the lookup run written into the tree before the upgrade "
                "(Renovate's replacement of each `replaceString`), then judged:", "",
                *branch_lines]

    out += ["", f"**{'FAILED' if failures else 'PASSED'}**" + (":" if failures else "")]
    out += [f"- {f}" for f in failures]
    text = "\n".join(out) + "\n"
    print(text)
    if args.record:
        args.record.write_text(
            "# scripts/renovate-check: a recorded run\n\nWritten by `scripts/renovate-check "
            "--record`; what it checks and what the differences mean: docs/renovate.md.\n\n"
            + text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
