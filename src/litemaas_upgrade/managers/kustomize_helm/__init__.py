"""Kustomize `helmCharts:`: the LiteMaaS chart inflated by `kustomize build --enable-helm`,
then subject to the same kustomization's `images:`.

`inflate()` resolves one helmCharts entry and can be called by the Kustomize manager;
KustomizeHelmManager reports every kustomization with a LiteMaaS helmCharts entry as a
target of kind `kustomize-helm`."""

from .manager import KustomizeHelmManager, inflate

__all__ = ["KustomizeHelmManager", "inflate"]
