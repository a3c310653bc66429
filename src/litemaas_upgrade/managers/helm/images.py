"""Image values in the shapes charts really use, recognised by the rules' image
patterns rather than by key names: `{repository, tag}`, `{registry, repository, tag,
digest}`, and `"repo:tag"` strings, nested anywhere (subchart keys included)."""

from __future__ import annotations

from ...imageref import ImageRef, ImageRefError
from ...model import YamlPath
from ...records import record
from ...rules import Rules
from .values import get_path, walk

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

MAP_KEYS = ("registry", "repository", "tag", "digest")


@record(frozen=True, slots=True)
class ImageLocation:
    path: YamlPath  # the image mapping, or the key holding an image string
    shape: str  # "map" | "string"


def image_name(value: dict[str, Any]) -> str | None:
    repo = value.get("repository")
    if not isinstance(repo, str) or not repo:
        return None
    registry = value.get("registry")
    return f"{registry}/{repo}" if isinstance(registry, str) and registry else repo


def find_images(data: Any, rules: Rules) -> dict[str, list[ImageLocation]]:
    found: dict[str, list[ImageLocation]] = {}
    if not isinstance(data, dict):
        return found
    for path, value in walk(data):
        comp = None
        shape = ""
        if isinstance(value, dict) and "repository" in value:
            name = image_name(value)
            if name:
                comp = _component(name, rules)
                shape = "map"
        elif isinstance(value, str) and path and "image" in str(path[-1]).lower():
            comp = _component(value, rules)
            shape = "string"
        if comp:
            found.setdefault(comp, []).append(ImageLocation(path, shape))
    # Where the rules say the chart reads an image, a mapping there is that image even
    # without a repository (an override file that only sets the tag).
    for component in rules.components.values():
        if component.helm is None:
            continue
        at = component.helm.values
        hinted = get_path(data, at)
        known = {loc.path for loc in found.get(component.name, [])}
        if isinstance(hinted, dict) and at not in known and any(k in hinted for k in MAP_KEYS):
            found.setdefault(component.name, []).insert(0, ImageLocation(at, "map"))
    return found


def _component(text: str, rules: Rules) -> str | None:
    try:
        ref = ImageRef.parse(text)
    except ImageRefError:
        return None
    return rules.component_of(ref)
