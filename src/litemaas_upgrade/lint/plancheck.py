"""Build the lint checks from a plan file (`plan --out` writes plan.json; one written by
hand works too): every step's `after` images are a state, and `before` -> `after` is a
transition. Findings point into the plan file, at the step's component."""

from __future__ import annotations

import json

from .. import source
from ..errors import InputError
from ..imageref import ImageRef, ImageRefError
from ..model import ComponentState, Site, Target
from ..rules import Rules
from ..versions import Version
from ..yamlio import YamlDoc, YamlFile
from .context import Check, LintContext

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

FORMAT_HINT = (
    'expected {"phases": [{"phase": 1, "steps": [{"target": ..., "before": {component: '
    '{"image": ..., "tag": ...}}, "after": {...}}]}]}'
)


def plan_context(path: str, rules: Rules) -> LintContext:
    shown = source.shown(path)
    from ..bounded import read_regular

    raw = read_regular(path, shown, "the plan")  # a regular file, within the limits
    doc = _parse(raw, shown)
    data = doc.data if doc is not None else None

    def fail(at: tuple[str | int, ...], message: str) -> InputError:
        node = None
        probe = at
        while doc is not None and probe and node is None:
            node = doc.find(probe)
            probe = probe[:-1]
        where = _path_text(at)
        text = f"{where}: {message}" if where else message
        return InputError(shown, text, node.line if node else 0, node.col if node else 0)

    if not isinstance(data, dict) or not isinstance(data.get("phases"), list):
        raise fail(("phases",), f"not a plan file: {FORMAT_HINT}")
    checks: list[Check] = []
    for i, phase in enumerate(data["phases"]):
        if not isinstance(phase, dict):
            raise fail(("phases", i), "a phase must be an object")
        number = phase.get("phase", i + 1)
        steps = phase.get("steps") or []
        if not isinstance(steps, list):
            raise fail(("phases", i, "steps"), "expected a list of steps")
        for j, step in enumerate(steps):
            at: tuple[str | int, ...] = ("phases", i, "steps", j)
            if not isinstance(step, dict) or not isinstance(step.get("target"), str):
                raise fail(at, 'a step must be an object with a "target" name')
            kind = str(step.get("kind") or "plan")
            after = _target(doc, shown, rules, step, at, "after", number, kind, fail)
            if after is None:
                continue  # nothing deployed by this step: nothing to judge
            before = _target(doc, shown, rules, step, at, "before", number, kind, fail)
            checks.append(Check(after, before, where=f"plan phase {number}", scan=False))
    return LintContext(rules, checks, f"the plan's steps ({shown})", [])


def _parse(raw: bytes, shown: str) -> YamlDoc | None:
    """JSON is YAML: the YAML reader gives positions for real regions. Text that is not
    JSON gets json's own message."""
    try:
        json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(shown, f"not UTF-8 text: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise InputError(shown, f"not JSON: {exc.msg}", exc.lineno, exc.colno) from None
    try:
        docs = YamlFile.parse(raw, shown).documents
    except InputError:
        return _Plain(json.loads(raw.decode("utf-8-sig")))  # JSON no YAML reads: no positions
    return docs[0] if docs else None


class _Plain(YamlDoc):
    def __init__(self, data: Any) -> None:
        super().__init__(0, None, 0, 0)
        self._data = data

    @property
    def data(self) -> Any:
        return self._data


def _target(
    doc: YamlDoc | None,
    shown: str,
    rules: Rules,
    step: dict[str, Any],
    at: tuple[str | int, ...],
    side: str,
    phase: Any,
    kind: str,
    fail: Any,
) -> Target | None:
    images = step.get(side)
    if images is None:
        return None
    if not isinstance(images, dict):
        raise fail(at + (side,), "expected an object of component images")
    target = Target(kind, str(step["target"]), f"plan phase {phase}, {side} the step")
    for name, entry in sorted(images.items()):
        comp = rules.components.get(str(name))
        if comp is None or entry is None:
            continue
        here = at + (side, name)
        if not isinstance(entry, dict):
            raise fail(here, 'expected {"image": ..., "tag": ..., "version": ...}')
        ref = None
        if isinstance(entry.get("image"), str):
            try:
                ref = ImageRef.parse(entry["image"])
            except ImageRefError:
                ref = None
        tag = entry.get("tag")
        tag = str(tag) if tag is not None else (ref.tag if ref else None)
        if ref is not None and tag and ref.tag != tag:
            ref = ref.with_tag(tag)
        version = comp.version_of(tag)
        if version is None and entry.get("version") is not None:
            try:
                version = Version.parse(str(entry["version"]))
            except ValueError:
                version = None
        node = None
        if doc is not None:
            for probe in (here + ("tag",), here + ("image",), here):
                node = doc.find(probe)
                if node is not None:
                    break
        site = Site(
            shown,
            node.line if node is not None else 0,
            node.col if node is not None else 0,
            _path_text(here),
            "tag",
        )
        target.components[comp.name] = ComponentState(comp.name, ref, version, [site])
    return target


def _path_text(at: tuple[str | int, ...]) -> str:
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out
