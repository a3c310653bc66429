"""Kustomize: build roots resolved as kustomize v5 builds them."""

from .manager import KustomizeManager

__all__ = ["KustomizeManager"]
