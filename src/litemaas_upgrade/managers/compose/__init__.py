"""Compose files: one target per file, service `image:` lines with `${VAR:-default}`."""

from .manager import ComposeManager

__all__ = ["ComposeManager"]
