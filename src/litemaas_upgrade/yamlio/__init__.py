"""Byte-exact YAML reading and scalar editing.

YamlFile.parse gives positioned nodes over the original text; apply_changes splices new
scalar values into that text and verifies that nothing else changed.
"""

from __future__ import annotations

from .nodes import Node, Path
from .reader import YamlDoc, YamlFile

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from .edit import ScalarChange, apply_changes

__all__ = ["Node", "Path", "ScalarChange", "YamlDoc", "YamlFile", "apply_changes"]


def __getattr__(name: str) -> Any:
    # The editor is loaded by the commands that edit, not by every reader (start-up time
    # of a pre-commit hook).
    if name in ("ScalarChange", "apply_changes"):
        from . import edit

        return getattr(edit, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
