"""Kustomize `helmCharts:`: the LiteMaaS chart inflated by `kustomize build --enable-helm`,
then subject to the same kustomization's `images:`.

KustomizeHelmManager reports each LiteMaaS helmCharts entry of a kustomization as a
target of kind `kustomize-helm`; the Kustomize manager leaves such a kustomization to it
when the kustomization's own resources deploy no component."""

from .manager import KustomizeHelmManager

__all__ = ["KustomizeHelmManager"]
