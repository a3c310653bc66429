"""Byte-exact YAML reading and scalar editing.

YamlFile.parse gives positioned nodes over the original text; apply_changes splices new
scalar values into that text and verifies that nothing else changed.
"""

from .edit import ScalarChange, apply_changes
from .nodes import Node, Path
from .reader import YamlDoc, YamlFile

__all__ = ["Node", "Path", "ScalarChange", "YamlDoc", "YamlFile", "apply_changes"]
