"""`scan`: what each target deploys today, where it is decided, and its stage."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from ..config_check import CONFIG_FILE
from ..engine import scan
from ..lint.rules.unresolved import of_notices
from ..model import Finding, Severity, Target
from ..source import Source
from .common import Inputs, only_under, open_inputs

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from ..installations.link import Installations


def run(inputs: Inputs, fmt: str) -> int:
    source, rules, options = open_inputs(inputs)
    found = scan(source, rules, options)
    targets = only_under(found.targets, inputs.paths)
    notices = list(of_notices(list(found.notices)))
    linked = _installations(found.targets, targets, options.config, source)
    if fmt == "json":
        write_json(targets, sys.stdout, notices, linked)
    else:
        sys.stdout.write(render_text(targets, notices))
        if linked is not None:
            from ..installations.show import render_text as installations_text

            sys.stdout.write("\n" + installations_text(linked, {t.key: t for t in targets}))
    # Exit 1 when a target reported carries an error (an image that cannot be read, a
    # build that does not happen, a forbidden state): as lint's findings do. Notices of
    # files skipped for no target in particular are not errors.
    return 1 if any(f.severity == Severity.ERROR for t in targets for f in t.findings) else 0


def _installations(
    every: list[Target], shown: list[Target], config: dict | None, source: Source
) -> Installations | None:
    """The installations of the shown targets, linked over every target; None when they
    say nothing a target alone does not (each target is its own installation)."""
    from ..installations.link import link
    from ..installations.show import only_for, worth_showing

    found = only_for(link(every, config, source.display(CONFIG_FILE)), shown)
    return found if worth_showing(found) else None


def write_json(
    targets: list[Target],
    out: TextIO,
    notices: list[Finding] | None = None,
    installations: Installations | None = None,
) -> None:
    """`json.dump({"targets": [...]}, indent=2)`, one target at a time: the JSON of every
    target at once would be a second copy of the scan in memory. The scan's notices (links,
    skipped files), when there are any, follow as `"notices"`; the installations across
    targets, when there are any, as `"installations"` and `"unlinked"`."""
    tail = ""
    if notices:
        text = json.dumps([f.to_json() for f in notices], indent=2)
        tail = ',\n  "notices": ' + text.replace("\n", "\n  ")
    if installations is not None:
        for key, value in installations.to_json().items():
            tail += f',\n  "{key}": ' + json.dumps(value, indent=2).replace("\n", "\n  ")
    if not targets:
        out.write('{\n  "targets": []' + tail + "\n}\n")
        return
    out.write('{\n  "targets": [\n')
    for i, target in enumerate(targets):
        text = json.dumps(target.to_json(), indent=2)
        out.write(("" if i == 0 else ",\n") + "    " + text.replace("\n", "\n    "))
    out.write("\n  ]" + tail + "\n}\n")


def render_text(targets: list[Target], notices: list[Finding] | None = None) -> str:
    tail = ""
    if notices:
        tail = "notices:\n" + "".join(
            f"  {f.severity} {f.code} {f.where()}: {f.message}\n" for f in notices
        )
    if not targets:
        return "no LiteMaaS targets found\n" + ("\n" + tail if tail else "")
    out: list[str] = []
    for t in targets:
        out.append(f"{t.path}  [{t.kind}]  {t.stage}")
        out.append(f"  formed: {t.formed}")
        for name, state in sorted(t.components.items()):
            image = str(state.image) if state.image else "?"
            version = str(state.version) if state.version else "unknown"
            out.append(f"  {name:<9} {image}  (version {version})")
            if state.note and state.version is None:
                out.append(f"            {state.note}")
            for site in state.sites:
                note = f"  ({site.note})" if site.note else ""
                out.append(f"            {site.decides:<10} {site.where()}  {site.path}{note}")
        for f in t.findings:
            out.append(f"  {f.severity} {f.code} {f.where()}: {f.message}")
        out.append("")
    return "\n".join(out) + ("\n" + tail if tail else "")
