"""Argo CD: Applications (and ApplicationSet templates with literal values) that deploy
the LiteMaaS chart, from this repository or referenced by version."""

from .manager import ArgoCDManager

__all__ = ["ArgoCDManager"]
