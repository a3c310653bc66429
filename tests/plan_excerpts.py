"""Excerpts of `plan --out` and `scan --format json` small enough to review in a snapshot,
and the computed checks that pin what the snapshots leave out.

- `targets_digest` and `plan_digest` keep every value of the JSON and drop only its layout:
  one line per target, component, site, finding, phase, step, image and change. Every
  object's keys are checked in order, so a key added later fails here instead of going
  unpinned; plan.json's layout is checked to be json.dumps(indent=2)'s.
- The `phase-N/<repository path>` copies are not snapshotted (the phase diffs show their
  edits): `check_copies` proves each one equals the repository file with the pinned phase
  diffs applied by `git apply`, and equals the original with the phase's recorded edits
  spliced in at their line:col, byte for byte elsewhere.
- `runbook_outline` leaves out the checklists that come from the rules; `runbook_checklists`
  checks them against the rules instead."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from litemaas_upgrade.rules import Rules
from litemaas_upgrade.rulesets import starting

DEPLOY = "_deploy"


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # in the JSON's own key order


def _keys(obj: dict[str, Any], order: str, optional: str = "") -> None:
    """The object has the keys of `order`, in that order, and may have the `optional` ones
    among them: a key added, dropped or moved fails here instead of going unpinned."""
    names, maybe = order.split(), set(optional.split())
    assert list(obj) == [k for k in names if k in obj], list(obj)
    assert {k for k in names if k not in obj} <= maybe, list(obj)


# -- plan.json and scan JSON --------------------------------------------------------------


def _where(obj: dict[str, Any]) -> str:
    return f"{obj['file']}:{obj['line']}:{obj['col']}"


def targets_digest(targets: list[dict[str, Any]]) -> list[str]:
    """Each target: kind, path, stage, how it is formed; each component's image, version,
    note and sites; each finding with its place, message and fix."""
    out = []
    for t in targets:
        _keys(t, "kind path formed stage components findings")
        out.append(f"{t['path']} ({t['kind']}) stage={t['stage']}")
        out.append(f"  formed: {t['formed']}")
        for name, c in t["components"].items():
            _keys(c, "image version sites note", "note")
            out.append(f"  {name}: {_j(c['image'])} version={_j(c['version'])}")
            if "note" in c:
                out.append(f"    note: {_j(c['note'])}")
            for s in c["sites"]:
                _keys(s, "file line col path decides note", "note")
                note = f" note={_j(s['note'])}" if "note" in s else ""
                out.append(f"    site {_where(s)} {s['path']} decides={s['decides']}{note}")
        for f in t["findings"]:
            out += _finding(f, "  ")
    return out


def _finding(f: dict[str, Any], indent: str) -> list[str]:
    _keys(f, "code severity file line col target message fix")
    return [
        f"{indent}{f['severity']} {f['code']} {_where(f)} target={_j(f['target'])}",
        f"{indent}  message: {_j(f['message'])}",
        f"{indent}  fix: {_j(f['fix'])}",
    ]


def scan_digest(targets: list[dict[str, Any]]) -> str:
    """Targets of `scan --format json`, as `targets_digest` writes them."""
    return "\n".join(targets_digest(targets)) + "\n"


def _image(side: dict[str, Any]) -> str:
    _keys(side, "image tag version")
    return f"{_j(side['image'])} tag={_j(side['tag'])} version={_j(side['version'])}"


def _step(s: dict[str, Any]) -> list[str]:
    _keys(s, "target kind stage_before stage_after set pin before after changes files deploy")
    out = [
        f"  step {s['target']} ({s['kind']}) {s['stage_before']} -> {_j(s['stage_after'])}",
        f"    set={_j(s['set'])} pin={_j(s['pin'])}",
    ]
    before, after = s["before"], s["after"]
    if after is None:  # a step with no state after it
        out.append("    after: null")
        out += [f"    {name}: {_image(side)}" for name, side in before.items()]
    else:
        assert list(after) == list(before), (before, after)
    for name in after or ():
        if after[name] == before[name]:
            out.append(f"    {name}: = {_image(before[name])}")
        else:
            out.append(f"    {name}: {_image(before[name])}")
            out.append(f"      -> {_image(after[name])}")
    for c in s["changes"]:
        _keys(c, "file path line col from component value reason")
        out.append(f"    change {_where(c)} {_j(c['path'])} component={_j(c['component'])}")
        out.append(f"      {_j(c['from'])} -> {_j(c['value'])} ({c['reason']})")
    out.append(f"    files: {_j(s['files'])}")
    out.append(f"    deploy: {_j(s['deploy'])}")
    return out


def plan_digest(text: str) -> str:
    """plan.json: its head, its targets (`targets_digest`), and per phase its title, set,
    pins, rule set (and repository moves), changed files and diff, each step with its
    stages, images and changes."""
    data = json.loads(text)
    # Written as json.dumps(indent=2) writes it: the values and key order kept here make
    # the whole text.
    assert text == json.dumps(data, indent=2) + "\n"
    _keys(data, "tool rules root output targets phases findings")
    out = [f"{k}: {_j(data[k])}" for k in ("tool", "rules", "root", "output")]
    out.append("targets:")
    out += ["  " + line for line in targets_digest(data["targets"])]
    for ph in data["phases"]:
        repos = "repos " if "repos" in ph else ""
        _keys(ph, f"phase title set pin {repos}rules changed_files diff steps")
        out.append(f"phase {_j(ph['phase'])}: {ph['title']}")
        out.append(f"  set={_j(ph['set'])} pin={_j(ph['pin'])} diff={ph['diff']}")
        out.append(f"  rules={ph['rules']}" + (f" repos={_j(ph['repos'])}" if repos else ""))
        out += [f"  changed: {f}" for f in ph["changed_files"]]
        for s in ph["steps"]:
            out += _step(s)
    out.append("findings:" if data["findings"] else "findings: []")
    for f in data["findings"]:
        out += _finding(f, "  ")
    return "\n".join(out) + "\n"


# -- the written files --------------------------------------------------------------------


def written_files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def is_copy(name: str) -> bool:
    """`phase-N/<repository path>`: a repository file as phase N leaves it (the thin
    `phase-N/_deploy/` files are the tool's own)."""
    phase, _, rest = name.partition("/")
    return bool(rest) and phase.startswith("phase-") and not rest.startswith(DEPLOY + "/")


def _git(cwd: Path, *args: str) -> None:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, (args, proc.stderr)


def _splice(text: bytes, changes: list[dict[str, Any]]) -> bytes:
    """The phase's recorded scalar edits spliced into `text` at their line:col: each old
    value is found there as written (plain or quoted) and the new value takes its place in
    the same quotes; later edits first, so the earlier places keep their offsets."""
    lines = text.splitlines(keepends=True)
    starts = [sum(len(line) for line in lines[:i]) for i in range(len(lines))]
    for c in sorted(changes, key=lambda c: (c["line"], c["col"]), reverse=True):
        at = starts[c["line"] - 1] + c["col"] - 1
        old, new = c["from"].encode(), c["value"].encode()
        quote = text[at:at + 1] if text[at:at + 1] in (b'"', b"'") else b""
        found = quote + old + quote
        assert text[at:at + len(found)] == found, (c, text[at:at + len(found)])
        text = text[:at] + quote + new + quote + text[at + len(found):]
    return text


def check_copies(repo: Path, out: Path, scratch: Path) -> int:
    """Every `phase-N/<path>` copy in `out` is `path` as the repository's HEAD holds it with
    phase-1.diff … phase-N.diff applied by `git apply` in a clone (`scratch`), for exactly
    the files phases 1…N change; and where every edit of a file replaces a scalar, the copy
    is the phase before's file with those edits spliced in, byte for byte elsewhere.
    Returns how many copies were checked."""
    plan = json.loads((out / "plan.json").read_text())
    copies = [n for n in written_files(out) if is_copy(n)]
    _git(repo.parent, "clone", "-q", str(repo.resolve()), str(scratch.resolve()))
    changed: set[str] = set()
    previous: dict[str, bytes] = {}
    checked = 0
    for ph in plan["phases"]:
        n = ph["phase"]
        for rel in ph["changed_files"]:  # as HEAD holds it, or new
            if rel not in previous:
                previous[rel] = (scratch / rel).read_bytes() if (scratch / rel).exists() else b""
        diff = (out / ph["diff"]).resolve()
        if diff.stat().st_size:
            _git(scratch, "apply", str(diff))  # as the RUNBOOK says
        changed |= set(ph["changed_files"])
        mine = sorted(c.partition("/")[2] for c in copies if c.startswith(f"phase-{n}/"))
        assert mine == sorted(changed), (n, mine, sorted(changed))
        edits: dict[str, list[dict[str, Any]]] = {}
        for step in ph["steps"]:
            for c in step["changes"]:
                edits.setdefault(c["file"], []).append(c)
        for rel in mine:
            copy = (out / f"phase-{n}" / rel).read_bytes()
            assert copy == (scratch / rel).read_bytes(), (n, rel)
            file_edits = _unique(edits.get(rel, []))
            if all(c["from"] is not None for c in file_edits):  # no inserted keys
                assert _splice(previous[rel], file_edits) == copy, (n, rel)
            previous[rel] = copy
            checked += 1
    return checked


def _unique(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A file two targets share (a kustomize base) is edited once at each place."""
    seen: dict[tuple[int, int, str], dict[str, Any]] = {}
    for c in changes:
        key = (c["line"], c["col"], c["path"])
        assert seen.setdefault(key, c)["value"] == c["value"], (seen[key], c)
    return list(seen.values())


# -- RUNBOOK.md ---------------------------------------------------------------------------


def _checklist_line(line: str) -> bool:
    return line.startswith(("- [ ] ", "**Rollback:** "))


def runbook_outline(md: str) -> str:
    """RUNBOOK.md less the checklists and rollbacks that come from the rules: its head,
    targets table, warnings and every per-target section with its deploy command."""
    out = []
    for line in md.splitlines(keepends=True):
        if not _checklist_line(line):
            out.append(line)
        elif not _checklist_line(out[-1]):
            out.append("- [ ] …\n" if line.startswith("- [ ]") else "**Rollback:** …\n")
    return "".join(out)


def runbook_checklists(md: str, rules: Rules) -> int:
    """The checklists `runbook_outline` leaves out are the rules' own, in order: the
    checks before phase 1, then each phase's checks and rollback. Returns how many lines
    were checked."""
    got = [line for line in md.splitlines() if _checklist_line(line)]
    want = [f"- [ ] {item}" for item in rules.before]
    for phase in rules.phases:
        later = starting(rules, phase)  # a later guide of a chain: its checklist first
        want += [f"- [ ] {item}" for item in (later.before if later is not None else ())]
        want += [f"- [ ] {check}" for check in phase.checks]
        if phase.rollback:
            want.append(f"**Rollback:** {phase.rollback}")
    assert got == want
    return len(got)
