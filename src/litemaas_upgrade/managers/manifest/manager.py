"""Plain manifests: a folder of YAML files with workloads and no kustomization, and no
file another manager already reports. The image written in a container is the image."""

from __future__ import annotations

import posixpath

from ...facts import Cause, Unreadable
from ...imageref import ImageRef
from ...model import (
    Change,
    ComponentState,
    Severity,
    Site,
    Target,
    TargetData,
    format_path,
    unknown_version_note,
)
from ...records import record
from ...shellword import word
from ..base import Manager, PhaseStep, ScanContext
from ..kustomize.names import KFILES, KTEMPLATE, split
from ..kustomize.scope import ancestors

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ..kustomize.images import Img


@record(slots=True)
class ManifestData(TargetData):
    folder: str
    files: list[str]  # the folder's files that hold workloads
    placed: dict[str, list[Img]]  # component -> its containers' images


class ManifestManager(Manager):
    kind = "manifest"

    def extract(self, ctx: ScanContext) -> list[Target]:
        src = ctx.source
        files = src.files()
        skip = {
            rel.rpartition("/")[0]
            # (a folder of upstream's layout is a kustomization once prepared)
            for name in (*KFILES, "Chart.yaml", KTEMPLATE)
            for rel in src.named(name)
        }
        skipped: dict[str, bool] = {}  # folder -> in or below a folder of `skip`
        # Scoped scans: a folder's target reads the folder's own files only, so only the
        # folders of the changed files are worth reading.
        only = ctx.options.only
        wanted = None if only is None else {posixpath.dirname(o) for o in only}
        by_folder: dict[str, list[str]] = {}
        broken: dict[str, list[str]] = {}  # files that are not YAML and name an image
        for rel in files:
            if rel in ctx.claimed or not rel.endswith((".yaml", ".yml")):
                continue
            folder = rel.rpartition("/")[0]  # (posixpath.dirname, for a relative path)
            if wanted is not None and folder not in wanted:
                continue
            below = skipped.get(folder)
            if below is None:
                below = skipped[folder] = folder in skip or not skip.isdisjoint(ancestors(folder))
            if below:
                continue
            data = src.read(rel)
            if b"image:" not in data or b"kind:" not in data:
                continue
            if ctx.is_claimed(rel):  # scoped scans: a target not built may read it
                continue
            if src.yaml_or_skip(rel) is None:
                # Not YAML: skipped with a notice, unless it names a component image;
                # then the folder's target carries the error (below).
                from ...sniff import named_images  # (rare: only for a file not YAML)

                if named_images(data, ctx.rules):
                    broken.setdefault(folder, []).append(rel)
                continue
            if b"{{" in data:
                continue  # YAML, but a template's: the values it names are not its images
            by_folder.setdefault(folder, []).append(rel)
        out = []
        for folder in sorted(set(by_folder) | set(broken)):
            target = self._target(ctx, folder, by_folder.get(folder, []))
            if broken.get(folder):
                self._broken(ctx, target, broken[folder])
            if target.components:
                out.append(target)
                ctx.claimed.update(target.data_as(ManifestData).files)
        return out

    def _broken(self, ctx: ScanContext, target: Target, rels: list[str]) -> None:
        """Files of the folder that are not YAML and name a component image: what
        `kubectl apply -f` of the folder would deploy cannot be read (LU009 error)."""
        from ...sniff import named_images, unknown_named  # (rare: loaded only here)

        src = ctx.source
        for rel in rels:
            why = src.skipped.pop(rel, "not YAML")
            names = named_images(src.read(rel), ctx.rules)
            first = names[0]
            target.facts.append(
                Unreadable(
                    src.display(rel),
                    first.line,
                    first.col,
                    f"{src.display(rel)}: {why}; it names "
                    + ", ".join(f"{n.component} {n.image}" for n in names)
                    + f", which kubectl apply -f {target.path} would deploy",
                    Severity.ERROR,
                    Cause.NOT_YAML,
                )
            )
            target.data_as(ManifestData).files.append(rel)
        unknown_named(ctx, target, rels)

    def _target(self, ctx: ScanContext, folder: str, rels: list[str]) -> Target:
        from ..kustomize.images import Img  # (loaded only for a folder of workloads)
        from ..kustomize.resources import Builder

        src = ctx.source
        builder = Builder(src, folder)
        placed: dict[str, list[Img]] = {}
        used: list[str] = []
        everything = []
        for rel in rels:
            resources = builder.load_file(rel)
            everything.extend(resources)
            if any(r.kind for r in resources):
                used.append(rel)
            for res in resources:
                for comp, _path, item in res.component_images(ctx.rules):
                    if isinstance(item["image"], Img):
                        placed.setdefault(comp, []).append(item["image"])
        target = Target(
            self.kind,
            src.display(folder),
            f"kubectl apply -f {word(src.display(folder))}",
            data=ManifestData(folder, used, placed),
        )
        target.facts.extend(_installation_facts(ctx, builder, folder, rels, everything))
        for comp, imgs in placed.items():
            o = imgs[0].origin
            ref = ImageRef.parse(str(imgs[0]))
            version = ctx.rules.components[comp].version_of(ref.tag)
            note = "" if version else unknown_version_note(ref, ref.tag)
            target.components[comp] = ComponentState(
                comp,
                ref,
                version,
                [Site(src.display(o.file), o.line, o.col, format_path(o.path), "image")],
                note,
            )
        return target

    def changes(self, ctx: ScanContext, target: Target, step: PhaseStep) -> list[Change]:
        out = []
        for comp, tag in step.set.items():
            for img in target.data_as(ManifestData).placed.get(comp, []):
                o = img.origin
                name, _tag, digest = split(o.text)
                name = step.repos.get(comp, name)
                reason = f"{comp} to {tag}" + ("; the digest is dropped" if digest else "")
                out.append(Change(o.file, o.doc, o.path, f"{name}:{tag}", comp, reason))
        return out

    def phase_files(
        self, ctx: ScanContext, target: Target, step: PhaseStep, tags: dict[str, str]
    ) -> dict[str, str]:
        return {}  # the edited files under phase-N/ are the phase: kubectl apply -f them

    def deploy_command(self, target: Target, phase_file: str | None) -> str:
        return f"kubectl apply -f {word(target.path)}"


def _installation_facts(
    ctx: ScanContext, builder: Any, folder: str, rels: list[str], resources: list[Any]
) -> list[Any]:
    """The backend's LiteLLM URL and the Services selecting LiteLLM (installations), with
    the folder's files that hold Services or ConfigMaps and no image (what `kubectl apply
    -f` of the folder deploys too)."""
    from ...installations.k8s import installation_facts
    from ..redis_env import redis_env

    src = ctx.source
    for rel in src.files():
        if posixpath.dirname(rel) != folder or rel in rels or not rel.endswith((".yaml", ".yml")):
            continue
        data = src.read(rel)
        if b"kind: Service" in data or b"kind: ConfigMap" in data:
            if src.yaml_or_skip(rel) is not None and b"{{" not in data:
                resources = [*resources, *builder.load_file(rel)]

    def locate(rel: str, doc: int, path: tuple[str | int, ...]) -> tuple[str, int, int]:
        docs = src.yaml(rel).documents
        node = docs[doc].find(path) if doc < len(docs) else None
        at = (node.line, node.col) if node is not None else (0, 0)
        return (src.display(rel), *at)

    return [
        *installation_facts(resources, ctx.rules, locate),
        *redis_env(resources, ctx.rules, locate),
    ]
