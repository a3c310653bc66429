"""Files that are not YAML (a Go template outside a chart, a binary file, anything else
named .yaml): why, in words, and which component images their text names, so that such a
file is skipped with a notice unless it decides an image of a target (then that target
carries the error, and the components it names are unknown)."""

from __future__ import annotations

import re

from .errors import InputError
from .imageref import ImageRef, ImageRefError
from .model import ComponentState, Site, Target
from .records import record

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from .managers.base import ScanContext
    from .rules import Rules

# An `image:` key and the reference after it, quoted or not (up to a quote, space or #).
_IMAGE_LINE = re.compile(rb"""(?m)^[ \t-]*image:[ \t]*(["']?)([^\s"'#]+)""")


@record(frozen=True, slots=True)
class Named:
    """A component image written in a file that cannot be parsed."""

    component: str
    image: str
    line: int
    col: int


def not_yaml(data: bytes, exc: InputError) -> str:
    """Why a file is not read: what it looks like, and the parser's complaint."""
    at = f" at {exc.line}:{exc.col or 1}" if exc.line else ""
    if b"{{" in data:
        return (
            f"not YAML{at} ({exc.message}) and holds Go-template syntax ({{{{ }}}}): "
            "taken for a template (it is YAML only once rendered), not read"
        )
    if exc.message.startswith(("binary file", "looks like UTF-16", "invalid utf")):
        return f"{exc.message}: not a YAML file, not read"
    return f"not YAML{at} ({exc.message}): not read"


def named_images(data: bytes, rules: Rules) -> list[Named]:
    """The component images an unparsed file's `image:` lines name (first of each
    component), by line and column: what the file may decide."""
    found: dict[str, Named] = {}
    for m in _IMAGE_LINE.finditer(data):
        text = m.group(2).decode("utf-8", "replace")
        try:
            ref = ImageRef.parse(text)
        except ImageRefError:
            continue
        comp = rules.component_of(ref)
        if comp is None or comp in found:
            continue
        line = data.count(b"\n", 0, m.start(2)) + 1
        col = m.start(2) - (data.rfind(b"\n", 0, m.start(2)) + 1) + 1
        found[comp] = Named(comp, text, line, col)
    return list(found.values())


def unknown_named(ctx: ScanContext, target: Target, files: list[str]) -> None:
    """Components whose images unparsed files name: unknown (fail closed), with the
    place each is named as its site."""
    for rel in files:
        try:
            data = ctx.source.read(rel)
        except InputError:
            continue
        for named in named_images(data, ctx.rules):
            if named.component in target.components:
                continue
            target.components[named.component] = ComponentState(
                named.component,
                None,
                None,
                [Site(ctx.source.display(rel), named.line, named.col, "image", "image")],
                f"{ctx.source.display(rel)} names {named.image} but is not YAML: "
                "what it deploys cannot be read",
            )
