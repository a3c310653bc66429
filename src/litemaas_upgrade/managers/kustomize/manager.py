"""The Kustomize manager: one target per build root, with the images `kubectl kustomize`
renders, the places that decide them, and the edits / thin overlays for each phase."""

from __future__ import annotations

import posixpath
import sys

from ...envfile import can_hold
from ...errors import InputError
from ...facts import Cause, DeadImagesEntry, EnvOverridden, Unreadable
from ...imageref import ImageRef
from ...model import (
    Change,
    ComponentState,
    Severity,
    Site,
    Target,
    TargetData,
    YamlPath,
    format_path,
    unknown_version_note,
)
from ...records import field, record, replace
from ...shellword import word
from ...source import Overlay
from ..base import Manager, PhaseStep, ScanContext
from .names import kustomization_file, split
from .prepare import prepared_view
from .scope import (
    RootScope,
    folders_and_ancestors,
    kustomization_folders,
    may_reach_any,
    written_segments,
)
from .thin import thin_overlay
from .unbuilt import (
    refused_components,
    remote_components,
    tracked_sites,
    unmodelled_components,
)
from .upstream import (
    env_link,
    generated_facts,
    missing_components,
    to_templates,
    unbuildable_roots,
    unsettled,
)

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ...share import Shared
    from .images import Entry, Tracked


@record(slots=True)
class Placed:
    """One container of the build output that runs a component's image."""

    workload: str  # Kind/name
    container: str
    image: str  # as rendered
    tracked: Tracked | None
    init: bool = False
    api: str = ""  # a custom resource's apiVersion: its `spec.image` runs (no container)


@record(slots=True)
class KustomizeData(TargetData):
    root: str  # build root folder, relative to the source root
    files: tuple[str, ...]  # every file the build read
    placed: dict[str, list[Placed]] = field(default_factory=dict)
    prepare: str | None = None  # the preparation script to run before the build


class KustomizeManager(Manager):
    kind = "kustomize"

    def extract(self, ctx: ScanContext) -> list[Target]:
        only = ctx.options.only
        if only is not None:
            return self._scoped(ctx, only)
        from .resources import build_roots  # (loaded only when roots are built)

        roots, _folders = build_roots(
            prepared_view(ctx.source).source, ctx.options.config, ctx.source
        )
        targets = [t for t in (self._kept(ctx, root) for root in roots) if t is not None]
        targets += unbuildable_roots(ctx, prepared_view(ctx.source), KustomizeData)
        for target in targets:
            ctx.claimed.update(target.data_as(KustomizeData).files)
        return targets

    def _kept(self, ctx: ScanContext, root: str) -> Target | None:
        target = self._target(ctx, root)
        if not target.components and _inflates_charts(ctx, root):
            # Its images come from `helmCharts:`, which the kustomize-helm manager
            # reports (with this kustomization's `images:` applied).
            return None
        return target

    def _scoped(self, ctx: ScanContext, only: frozenset[str]) -> list[Target]:
        """Build only the roots a changed file can reach; the others are built later only
        if another manager asks whether one of their files is claimed."""
        src = prepared_view(ctx.source).source  # with what preparation.sh would generate
        folders = kustomization_folders(src)
        if not folders:
            broken = unbuildable_roots(ctx, prepared_view(ctx.source), KustomizeData)
            for made in broken:
                ctx.claimed.update(made.data_as(KustomizeData).files)
            return broken
        segments = written_segments(src, folders)
        above = folders_and_ancestors(folders)
        reaches = may_reach_any(only, folders, segments, above)
        if not reaches:
            roots: list[str] | None = None
            scope: RootScope | None = None
        else:
            from .resources import build_roots

            roots, _ = build_roots(src, ctx.options.config, ctx.source)
            scope = RootScope(src, folders)
        targets: list[Target] = []
        pending: list[str] = []
        for root in roots or ():
            if scope is not None and scope.affected(root, only):
                target = self._kept(ctx, root)
                if target is not None:
                    targets.append(target)
            else:
                pending.append(root)
        targets += unbuildable_roots(ctx, prepared_view(ctx.source), KustomizeData)
        for target in targets:
            ctx.claimed.update(target.data_as(KustomizeData).files)
        unbuilt: list[str] | None = pending if roots is not None else None

        def would_claim(rel: str) -> bool:
            # Whether a root this scan did not build reads `rel`: cheap answers first.
            nonlocal unbuilt
            if unbuilt == [] or not may_reach_any(frozenset({rel}), folders, segments, above):
                return rel in ctx.claimed
            if unbuilt is None:
                from .resources import build_roots

                unbuilt, _ = build_roots(src, ctx.options.config, ctx.source)
            for root in unbuilt:
                target = self._kept(ctx, root)
                if target is not None:
                    ctx.claimed.update(target.data_as(KustomizeData).files)
            unbuilt = []
            return rel in ctx.claimed

        if pending or roots is None:
            ctx.deferred.append(would_claim)
        return targets

    def _target(self, ctx: ScanContext, root: str) -> Target:
        from .images import Img
        from .resources import Builder

        src = ctx.source
        view = prepared_view(src)
        # Only what planning needs is kept of the build: the rendered resources (copies
        # of every manifest) and the levels go once the containers are placed.
        build = Builder(view.source, root).run()
        prep = view.folders.get(root)
        files = {view.to_template(f) for f in build.files}
        for f in build.files:
            other = view.prepared_for(f)
            if other is not None:
                files.update(other.files)
        data = KustomizeData(root, tuple(sorted(files)))
        formed = f"kubectl kustomize {src.display(root)}"
        if prep is not None and prep.script is not None:
            formed = f"{src.display(prep.script)}, then " + formed
            data.prepare = src.display(prep.script)
        target = Target(self.kind, src.display(root), formed, data=data)
        target.facts.extend(generated_facts(view, build.facts))
        if build.refused:
            # kustomize renders nothing: the target is its error (LU009), what its files
            # imply is unknown, and an images: entry matching nothing in a build that
            # does not happen says nothing more.
            target.facts = [f for f in target.facts if not isinstance(f, DeadImagesEntry)]
            from ...sniff import unknown_named

            refused_components(ctx, view, target, build)
            unknown_named(ctx, target, build.unparsed)
            if not target.components:
                # Its files imply no LiteMaaS or LiteLLM image: the refusal says nothing
                # about the upgrade, so it warns (a repository that runs ksops for other
                # apps must not fail every commit).
                target.facts = [
                    replace(f, severity=Severity.WARNING)
                    if isinstance(f, Unreadable) and f.severity == Severity.ERROR
                    else f
                    for f in target.facts
                ]
            return target
        for res in build.resources:
            for comp, path, item in res.component_images(ctx.rules):
                image = item["image"]
                custom = path == ("spec",)
                data.placed.setdefault(comp, []).append(
                    Placed(
                        sys.intern(f"{res.kind}/{res.name}"),
                        "spec.image" if custom else str(item.get("name", format_path(path))),
                        sys.intern(str(image)),
                        to_templates(view, image.tracked()) if isinstance(image, Img) else None,
                        "initContainers" in path,
                        res.api if custom else "",
                    )
                )
        for comp, placed in data.placed.items():
            placed.sort(key=lambda p: p.init)  # a main container is the primary one
            target.components[comp] = self._state(ctx, target, comp, placed)
        target.facts.extend(_installation_facts(ctx, view, build.resources))
        if build.remote:
            remote_components(ctx, target, build)
        unmodelled_components(ctx, target, build)
        missing_components(ctx, view, target, build.missing)
        return target

    def _state(
        self, ctx: ScanContext, target: Target, comp: str, placed: list[Placed]
    ) -> ComponentState:
        src = ctx.source
        primary = placed[0]
        ref = ImageRef.parse(primary.image)
        rule = ctx.rules.components[comp]
        version = rule.version_of(ref.tag)
        sites: list[Site] = []
        note = ""
        img = primary.tracked
        if img is not None:
            o = img.origin
            sites += tracked_sites(ctx, img)
            link = env_link(ctx, o)
            if link is not None:
                written = link.prefix + link.value.value
                overridden = img.tag_entry is not None and split(written)[1] != (ref.tag or "")
                sites.append(
                    Site(
                        src.display(link.env_file),
                        link.value.line,
                        link.value.col,
                        link.var,
                        "env",
                        f"fills {src.display(link.template)}"
                        + ("; overridden by images:" if overridden else ""),
                    )
                )
                decider = img.tag_entry
                if overridden and decider is not None:
                    entry = decider
                    line, col = entry.at.get("newTag", entry.at.get("digest", (0, 0)))
                    target.facts.append(
                        EnvOverridden(
                            comp,
                            src.display(link.env_file),
                            link.var,
                            link.value.value,
                            src.display(entry.file),
                            entry.index,
                            line,
                            col,
                            primary.image,
                        )
                    )
                elif (
                    split(o.text)[1] != link.value.value
                    and link.prefix + link.value.value != o.text
                ):
                    target.facts.append(
                        Unreadable(
                            src.display(o.file),
                            o.line,
                            o.col,
                            f"{comp}: {src.display(o.file)} says {o.text} but {link.var}="
                            f"{link.value.value}: the generated file is stale",
                            Severity.WARNING,
                            Cause.STALE_GENERATED,
                        )
                    )
        others = {
            p.image
            for p in placed[1:]
            if rule.version_of(ImageRef.parse(p.image).tag) != version or p.image != primary.image
        }
        if others:
            target.facts.append(
                Unreadable(
                    sites[0].file if sites else "",
                    sites[0].line if sites else 0,
                    sites[0].col if sites else 0,
                    f"{comp}: containers deploy different images: {primary.image} "
                    f"({primary.workload}/{primary.container}) and " + ", ".join(sorted(others)),
                    Severity.WARNING,
                    Cause.MIXED_IMAGES,
                )
            )
        why = None
        if img is not None:
            view = prepared_view(src)
            why = unsettled(view, img.origin.file, img.origin.line, img.tag_entry is not None)
        if why is not None:
            version, note = None, why
        elif version is None:
            note = unknown_version_note(ref, ref.tag)
        state = ComponentState(comp, ref, version, sites, note)
        if len(placed) > 1:
            state.versions = tuple(rule.version_of(ImageRef.parse(p.image).tag) for p in placed)
        return state

    # -- update -------------------------------------------------------------------

    def changes(self, ctx: ScanContext, target: Target, step: PhaseStep) -> list[Change]:
        data = target.data_as(KustomizeData)
        out: dict[tuple, Change] = {}
        for comp, tag in step.set.items():
            for placed in data.placed.get(comp, []):
                for change in self._changes_for(ctx, placed, comp, tag, step.repos.get(comp)):
                    out.setdefault((change.file, change.doc, change.path, change.span), change)
        return list(out.values())

    def _changes_for(
        self, ctx: ScanContext, placed: Placed, comp: str, tag: str, repo: str | None = None
    ) -> list[Change]:
        """`repo`: the repository the phase moves the image to (with its tag): in the
        `images:` entry that decides the tag (its newName), else in the image itself."""
        img = placed.tracked
        if img is None:
            return []
        why = f"{comp} to {tag}"
        out: list[Change] = []
        entry = img.tag_entry
        origin = img.origin
        if entry is not None:
            out += entry_changes(ctx, entry, tag, why)
            if repo is not None and entry.new_name != repo:
                # The entry decides the tag: its newName takes the repository beside it
                # (the base's name stays, so that the entry still matches it).
                where = ("images", entry.index, "newName")
                moved = f"{comp} to {repo} (with its tag)"
                out.append(Change(entry.file, 0, where, repo, "", moved))
            template = entry.file + ".template"
            if ctx.source.exists(template):
                out += self._template_entry(ctx, template, entry, tag, why)
            link = env_link(ctx, origin)
            if link is None:
                return out
        elif not origin.editable:
            return out  # not reachable by an edit: the engine reports the phase is not reached
        # The origin decides (or is generated and kept consistent with the entry).
        name, _old_tag, digest = split(origin.text)
        new = f"{repo or name}:{tag}"
        reason = why + ("; the digest is dropped (it would pin the old image)" if digest else "")
        link = env_link(ctx, origin)
        if origin.file.endswith(".template"):
            pass  # the template keeps its `${VAR}`: the env files below decide
        elif origin.span is not None:
            out.append(
                Change(origin.file, origin.doc, (), new, comp, reason, origin.span, origin.text)
            )
        else:
            out.append(Change(origin.file, origin.doc, origin.path, new, comp, reason))
        if link is not None and link.prefix + tag == new:
            for env_file, v in link.others:
                if not can_hold(tag, v.quote):
                    continue
                out.append(
                    Change(
                        env_file,
                        0,
                        (),
                        tag,
                        comp,
                        f"{why} (keeps {link.var} consistent with "
                        f"{ctx.source.display(link.template)})",
                        (v.start, v.end),
                        v.value,
                    )
                )
        return out

    def _template_entry(
        self, ctx: ScanContext, template: str, entry: Entry, tag: str, why: str
    ) -> list[Change]:
        try:
            doc = ctx.source.yaml(template).documents[0]
        except InputError:
            return []
        name = doc.find(("images", entry.index, "name"))
        if name is None or name.value != entry.name:
            return []
        node = doc.find(("images", entry.index, "newTag"))
        if node is not None and "$" in node.value:
            return []  # filled from the env file, which is kept consistent elsewhere
        changes = [
            Change(
                template,
                0,
                ("images", entry.index, "newTag"),
                tag,
                "",
                f"{why} (keeps the template consistent)",
            )
        ]
        if doc.find(("images", entry.index, "digest")) is not None:
            changes.append(
                Change(
                    template,
                    0,
                    ("images", entry.index, "digest"),
                    "",
                    "",
                    "drop the digest with the tag change",
                )
            )
        return changes

    def phase_files(
        self, ctx: ScanContext, target: Target, step: PhaseStep, tags: dict[str, str]
    ) -> dict[str, str]:
        data = target.data_as(KustomizeData)
        # One entry per image name as the root leaves it; a digest the phase keeps (a
        # pinned component) is written too, or newTag alone would drop it.
        # A pinned component whose containers run different images under one name is
        # left alone: one entry would make them equal, which the phase must not do.
        moved = {c for p in ctx.rules.phases[: step.phase.number] for c in p.set}
        # A component the phase moves to another repository is named in the original
        # root's build as it was before the move: the entry matches that name and renames.
        moved_to = set(step.phase.repos.values())
        renamed = any(split(p.image)[0] in moved_to for ps in data.placed.values() for p in ps)
        was = self._original_names(ctx, data.root) if renamed else {}
        entries: dict[str, tuple[str, str, str]] = {}
        # Custom resources' `spec.image`, which `images:` does not reach: a JSON patch each.
        customs: dict[tuple[str, str], str] = {}
        for comp, tag in sorted(tags.items()):
            by_name: dict[str, set[str]] = {}
            for placed in data.placed.get(comp, []):
                if placed.api:
                    name, now, digest = split(placed.image)
                    keep = digest if now == tag else ""
                    customs[(placed.api, placed.workload)] = f"{name}:{tag}" + (
                        f"@{keep}" if keep else ""
                    )
                    continue
                by_name.setdefault(split(placed.image)[0], set()).add(placed.image)
            for name, images in sorted(by_name.items()):
                if comp not in moved and len(images) > 1:
                    continue
                _name, now, digest = split(sorted(images)[0])
                olds = {was.get((p.workload, p.container), name) for p in data.placed[comp]
                        if split(p.image)[0] == name}  # fmt: skip
                for old in sorted(olds):
                    new_name = name if old != name else ""
                    entries.setdefault(old, (tag, digest if now == tag else "", new_name))
        return thin_overlay(ctx, target.path, data.root, step, entries, customs)

    def _original_names(self, ctx: ScanContext, root: str) -> dict[tuple[str, str], str]:
        """(workload, container) -> the image name the root builds to in the repository
        as it is (a phase's thin overlay builds that root, not the edited one)."""
        if not isinstance(ctx.source, Overlay):
            return {}  # the repository as it is: the names are the ones placed
        try:
            original = self._target(ScanContext(ctx.source.base, ctx.rules, ctx.options), root)
        except InputError:
            return {}
        out = {}
        for placed in original.data_as(KustomizeData).placed.values():
            for p in placed:
                out[(p.workload, p.container)] = split(p.image)[0]
        return out

    def share(self, target: Target, shared: Shared) -> None:
        """What the build root keeps, shared with the equal roots of other phases."""
        data = target.data_as(KustomizeData)
        data.root = shared.text(data.root)
        data.files = shared.value(tuple(shared.text(f) for f in data.files))

    def planned(self, target: Target) -> None:
        """Planning is done with the target: its containers are not needed any more."""
        data = target.data_as(KustomizeData)
        data.placed = {}

    def deploy_command(self, target: Target, phase_file: str | None) -> str:
        data = target.data
        # The upstream layout: its kustomization.yaml and *.local files are generated.
        prepare = ""
        if isinstance(data, KustomizeData) and data.prepare:
            folder = posixpath.dirname(data.prepare) or "."
            script = word(posixpath.basename(data.prepare))
            prepare = f"(cd {word(folder)} && bash {script}) && "
        if phase_file:
            return f"{prepare}kubectl apply -k {word(posixpath.dirname(phase_file))}"
        return f"{prepare}kubectl apply -k {word(target.path)}"


def entry_changes(ctx: ScanContext, entry: Entry, tag: str, why: str) -> list[Change]:
    out = [Change(entry.file, 0, ("images", entry.index, "newTag"), tag, "", why)]
    if entry.digest:
        out.append(
            Change(
                entry.file,
                0,
                ("images", entry.index, "digest"),
                "",
                "",
                f"{why}: the digest is cleared, or it would keep pinning the old image "
                "(re-pin the new image's digest after checking it)",
            )
        )
    return out


def _installation_facts(ctx: ScanContext, view: Any, resources: list[Any]) -> list[Any]:
    """The backend's LiteLLM URL and the Services of LiteLLM in the build (installations),
    and the backend's Redis (LU018)."""
    from ...installations.k8s import installation_facts
    from ..redis_env import redis_env

    def locate(rel: str, doc: int, path: YamlPath) -> tuple[str, int, int]:
        docs = view.source.yaml(rel).documents
        node = docs[doc].find(path) if doc < len(docs) else None
        shown = ctx.source.display(view.to_template(rel))
        return (shown, node.line, node.col) if node is not None else (shown, 0, 0)

    return [
        *installation_facts(resources, ctx.rules, locate),
        *redis_env(resources, ctx.rules, locate),
    ]


def _inflates_charts(ctx: ScanContext, root: str) -> bool:
    kfile = kustomization_file(ctx.source, root)
    if kfile is None:
        return False
    try:
        docs = ctx.source.yaml(kfile).documents
    except InputError:
        return False
    data = docs[0].data if docs else None
    return isinstance(data, dict) and bool(data.get("helmCharts"))
