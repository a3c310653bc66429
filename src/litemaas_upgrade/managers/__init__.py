"""One manager per kind of input. Each knows how to extract targets from a source and
how to compute the changes and phase files that move a target through a phase."""

from __future__ import annotations

from .base import Manager, PhaseStep, ScanContext


def all_managers() -> list[Manager]:
    # Order matters: a manager may claim files so that later ones do not report them twice.
    from .argocd import ArgoCDManager
    from .compose import ComposeManager
    from .flux import FluxManager
    from .helm import HelmManager
    from .kustomize import KustomizeManager
    from .kustomize_helm import KustomizeHelmManager
    from .manifest import ManifestManager

    # The GitOps managers claim (before anyone extracts) the values files their objects
    # name, so that Helm does not report those as releases of their own.
    return [
        HelmManager(),
        KustomizeManager(),
        ArgoCDManager(),
        FluxManager(),
        KustomizeHelmManager(),
        ComposeManager(),
        ManifestManager(),  # last: folders of workloads nobody else reports
    ]


_BY_KIND: dict[str, Manager] = {}


def manager_for(kind: str) -> Manager:
    # Managers hold no state (a scan's state is in its ScanContext): one of each kind
    # serves every lookup (plan asks once per target and phase).
    if not _BY_KIND:
        _BY_KIND.update((m.kind, m) for m in all_managers())
    return _BY_KIND[kind]


__all__ = ["Manager", "PhaseStep", "ScanContext", "all_managers", "manager_for"]
