"""A phase's thin overlay for one Kustomize build root: a kustomization that builds the
original root with the phase's images, so that `kubectl apply -k` of it deploys the phase
without the edited files."""

from __future__ import annotations

import os
import posixpath

from ..base import DEPLOY_DIR, PhaseStep, ScanContext, slug


def thin_overlay(
    ctx: ScanContext,
    target_path: str,
    root: str,
    step: PhaseStep,
    entries: dict[str, tuple[str, str, str]],
    customs: dict[tuple[str, str], str],
) -> dict[str, str]:
    """The overlay file (its path in the phase folder -> its text): `entries` an `images:`
    entry per image name as the root builds it (tag, digest, new name), `customs` a JSON
    patch per custom resource's `spec.image`. Empty when there is nothing to write, or the
    output folder lies inside the root (kustomize refuses the cycle)."""
    from ...yamlio.scalars import generated  # (only plan writes overlays)

    if not entries and not customs:
        return {}
    root_slug = slug(root, "root")
    rel_file = f"kustomize/{root_slug}/kustomization.yaml"
    folder = posixpath.join(
        f"phase-{step.phase.number}", DEPLOY_DIR, posixpath.dirname(rel_file)
    )
    back = _path_back(ctx, folder, root)
    if back == "." or all(part == ".." for part in back.split("/")):
        # kustomize refuses an overlay inside the root it builds ("cycle detected"):
        # with the output folder inside the build root, only the edited files deploy.
        return {}
    lines = [
        f"# litemaas-upgrade: phase {step.phase.number} overlay for {target_path}",
        f"# {step.phase.title}",
        "# Builds the original root with the phase's images: kubectl apply -k <this folder>",
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "resources:",
        f"  - {generated(back)}",
    ]
    if entries:
        lines.append("images:")
    for name, (tag, digest, new_name) in sorted(entries.items()):
        lines.append(f"  - name: {generated(name)}")
        if new_name:
            lines.append(f"    newName: {generated(new_name)}")
        lines.append(f"    newTag: {generated(tag, quoted=True)}")
        if digest:
            lines.append(f"    digest: {generated(digest)}")
    if customs:
        lines.append("patches:")
    for (api, workload), image in sorted(customs.items()):
        group, _, version = api.rpartition("/")
        kind, _, name = workload.partition("/")
        lines += [
            "  - target:",
            f"      group: {generated(group)}",
            f"      version: {generated(version)}",
            f"      kind: {generated(kind)}",
            f"      name: {generated(name)}",
            "    patch: |-",
            "      - op: replace",
            "        path: /spec/image",
            f"        value: {generated(image, quoted=True)}",
        ]
    return {rel_file: "\n".join(lines) + "\n"}


def _path_back(ctx: ScanContext, folder: str, root: str) -> str:
    out = ctx.options.out
    if out and os.path.isabs(out):
        here = os.path.join(out, folder)
        there = os.path.join(str(ctx.source.root), root)
        return os.path.relpath(there, here).replace(os.sep, "/")
    here = posixpath.join(out or "", folder)
    return posixpath.relpath(root or ".", here)
