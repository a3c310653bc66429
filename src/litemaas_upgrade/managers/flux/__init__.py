"""Flux: HelmReleases of the LiteMaaS chart, with their OCIRepository / HelmRepository /
GitRepository sources and valuesFrom ConfigMaps found in the repository."""

from .manager import FluxManager

__all__ = ["FluxManager"]
