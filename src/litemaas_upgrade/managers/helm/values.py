"""Helm values the way Helm reads them: override files merged in order (maps deeply,
later wins), then coalesced with the chart's defaults (`null` removes a default)."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from ...model import YamlPath

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any


def merge_overrides(layers: list[Any], share: bool = False) -> dict[str, Any]:
    """`-f a -f b`: maps merge deeply, the later file wins; nulls are kept for coalescing.

    With `share`, the result is read-only: it shares the layers' subtrees that no later
    layer merges into (copying only the maps on the way to a merged value), so that a
    release does not hold a second copy of its override files' values."""
    merged: dict[str, Any] = {}
    for layer in layers:
        if isinstance(layer, dict):
            _merge_into(merged, layer, share)
    return merged


def _merge_into(dst: dict[str, Any], src: dict[str, Any], share: bool) -> None:
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            if share:
                dst[key] = dict(dst[key])  # copy on write: it may be a layer's own map
            _merge_into(dst[key], value, share)
        else:
            dst[key] = value if share else copy.deepcopy(value)


def coalesce(user: dict[str, Any], defaults: Any) -> dict[str, Any]:
    """User values over chart defaults; a user `null` deletes the default key.

    The result is read-only: it shares every subtree of the chart's defaults and of the
    user's values that it does not change (copying only the maps on the way to a user
    value), so that a release costs what its override files change, not a copy of the
    chart's values."""
    result: dict[str, Any] = dict(defaults) if isinstance(defaults, dict) else {}
    _coalesce_into(result, user)
    return result


def _coalesce_into(dst: dict[str, Any], src: dict[str, Any]) -> None:
    for key, value in src.items():
        if value is None:
            dst.pop(key, None)
        elif isinstance(value, dict) and isinstance(dst.get(key), dict):
            dst[key] = dict(dst[key])  # copy on write: it may be the chart's own map
            _coalesce_into(dst[key], value)
        elif isinstance(value, dict):
            dst[key] = {k: v for k, v in value.items() if v is not None}
        else:
            dst[key] = value


def get_path(data: Any, path: YamlPath) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def walk(data: Any, path: YamlPath = ()) -> Iterator[tuple[YamlPath, Any]]:
    """Every (path, value) pair below `data`, in document order."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk(value, path + (str(key),))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from walk(value, path + (i,))


def helm_string(value: Any) -> str:
    """How a Helm template prints a scalar value (`{{ .Values.x }}`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Go prints float64 with %v: the shortest form that round-trips.
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if value is None:
        return ""
    return str(value)
