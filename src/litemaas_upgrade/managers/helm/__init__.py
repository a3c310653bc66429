"""Helm: a chart (vendored in the repository, or not) plus the override files deployed with it."""

from .manager import HelmManager

__all__ = ["HelmManager"]
