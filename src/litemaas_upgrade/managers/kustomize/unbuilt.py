"""What a build that does not happen, or does not happen in full, deploys: unknown
components, never absent ones and never built ones.

- A build kustomize refuses (a plugin it does not run without flags, a folder that is
  not there, an overlay inside its own base) renders nothing. What its files imply is
  what the walk found anyway: the images in the resources it lists that exist (after
  their patches and `images:` entries), and `images:` entries naming a component.
  Each such component is unknown, with the reason the build fails.
- A remote resource is never fetched. The components the local files show are reported;
  a component the remote reference itself names (a URL whose path says `litellm`, or a
  LiteMaaS folder or file) is unknown, "deployed by a remote resource that is never
  fetched", unless a local `images:` entry decides its image."""

from __future__ import annotations

import re

from ...imageref import ImageRef, ImageRefError
from ...model import ComponentState, Site, Target, format_path
from ...rules import Rules
from ..base import ScanContext
from .prepare import PreparedView
from .upstream import to_templates

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from .images import Entry, Tracked
    from .resources import Build

FILE_SUFFIXES = (".yaml", ".yml", ".json")


def tracked_sites(ctx: ScanContext, img: Tracked) -> list[Site]:
    """Where a tracked image is written, and the `images:` entries that changed it."""
    src = ctx.source
    o = img.origin
    sites = [
        Site(
            src.display(o.file),
            o.line,
            o.col,
            format_path(o.path) if o.path else "patch",
            "image",
            "patch" if o.what == "patch" else "",
        )
    ]
    for entry in img.applied:
        sites += entry_sites(ctx, entry)
    return sites


def entry_sites(ctx: ScanContext, entry: Entry) -> list[Site]:
    return [
        Site(
            ctx.source.display(entry.file),
            *entry.at[key],
            f"images[{entry.index}].{key}",
            key,
        )
        for key in ("newName", "newTag", "digest")
        if key in entry.at
    ]


def refused_components(ctx: ScanContext, view: PreparedView, target: Target, build: Build) -> None:
    """A build kustomize refuses: every component its files imply is unknown: the images
    of its resources as its transformers leave them, those its images: entries name, and
    any other `image:` line of a file it reads (a patch that targets nothing here)."""
    from ...errors import InputError
    from ...sniff import named_images
    from .images import Img

    why = build.refusal
    for res in build.resources:
        for comp, _path, item in sorted(res.component_images(ctx.rules), key=lambda c: c[1]):
            if comp in target.components:
                continue
            image = item["image"]
            sites = (
                tracked_sites(ctx, to_templates(view, image.tracked()))
                if isinstance(image, Img)
                else []
            )
            target.components[comp] = ComponentState(
                comp, None, None, sites, f"{why}; its files name {image}: unknown"
            )
    for level in build.levels:
        for entry in level.entries:
            named_comp = _entry_component(ctx.rules, entry)
            if named_comp is None or named_comp in target.components:
                continue
            comp = named_comp
            named = entry.new_name or entry.name
            target.components[comp] = ComponentState(
                comp,
                None,
                None,
                entry_sites(ctx, entry)
                or [Site(ctx.source.display(entry.file), 0, 0, f"images[{entry.index}]", "name")],
                f"{why}; an images: entry names {named}: unknown",
            )
    for rel in sorted(build.files):
        try:
            data = view.source.read(rel)
        except InputError:
            continue
        shown = ctx.source.display(view.to_template(rel))
        for found in named_images(data, ctx.rules):
            if found.component not in target.components:
                target.components[found.component] = ComponentState(
                    found.component,
                    None,
                    None,
                    [Site(shown, found.line, found.col, "image", "image")],
                    f"{why}; {shown} names {found.image}: unknown",
                )


def remote_components(ctx: ScanContext, target: Target, build: Build) -> None:
    """Components a remote resource may carry: decided by a local images: entry that
    matched nothing here, else unknown when the remote reference names them."""
    for level in build.levels:
        for entry in level.entries:
            if entry.index in level.used:
                continue
            comp = _entry_component(ctx.rules, entry)
            if comp is None or comp in target.components:
                continue
            ref = ImageRef.parse(entry.new_name or entry.name)
            tag = entry.new_tag
            ref = ref.with_tag(tag).with_digest(entry.digest)
            version = ctx.rules.components[comp].version_of(tag) if tag else None
            target.components[comp] = ComponentState(
                comp,
                ref if tag or entry.digest else None,
                version,
                entry_sites(ctx, entry),
                "decided by an images: entry for a remote resource (not fetched)"
                if tag
                else "carried by a remote resource (not fetched): unknown",
            )
    src = ctx.source
    for kfile, node, url in build.remote:
        line, col = (node.line, node.col) if node is not None else (0, 0)
        site = Site(src.display(kfile), line, col, "resources", "resource")
        why = f"deployed by a remote resource that is never fetched: {url}"
        for comp in named_by_remote(url, ctx.rules):
            state = target.components.get(comp)
            if state is None:
                target.components[comp] = ComponentState(comp, None, None, [site], why)
            elif state.image is not None and site not in state.sites:
                # Local files show it too; the remote copy's version is unknown, so the
                # component is judged on an unknown version as well (fail closed).
                state.versions = (*state.all_versions(), None)
                state.sites.append(site)
                state.note = f"{state.note}; also {why}" if state.note else f"also {why}"


def _entry_component(rules: Rules, entry: Entry) -> str | None:
    try:
        return rules.component_of(ImageRef.parse(entry.new_name or entry.name))
    except ImageRefError:
        return None


def named_by_remote(url: str, rules: Rules) -> list[str]:
    """The components a remote reference names: a path segment read as an image name
    (`litellm-deployment.yaml` is LiteLLM's, `litemaas-backend` the backend's); and, when
    a segment names the suite the components share (`litemaas`), a remote file the
    components its name says (`backend-deployment.yaml`) and a remote folder (a whole
    kustomization) all of them."""
    path = url.split("?", 1)[0].split("://", 1)[-1].replace(":", "/").lower()
    segments = [s for s in path.split("/") if s not in ("", ".", "..")]
    if not segments:
        return []
    is_file = segments[-1].endswith(FILE_SUFFIXES)
    stems = [re.sub(r"\.(ya?ml|json|git)$", "", s) for s in segments]
    found: list[str] = []
    for stem in stems:
        try:
            comp = rules.component_of(ImageRef.parse(stem))
        except ImageRefError:
            continue
        if comp is not None and comp not in found:
            found.append(comp)
    suite = suite_words(rules)
    if any(word in stem for stem in stems for word in suite):
        for comp in rules.components:
            if comp not in found and (not is_file or comp.lower() in stems[-1]):
                found.append(comp)
    return found


def suite_words(rules: Rules) -> set[str]:
    """Words that the image names of two or more components share (`litemaas`, from
    litemaas-backend and litemaas-frontend): the name of what deploys them together."""
    words: dict[str, set[str]] = {}
    for comp in rules.components.values():
        for pattern in comp.images:
            for word in re.split(r"[^a-z0-9]+", pattern.rsplit("/", 1)[-1].lower()):
                if len(word) > 2:
                    words.setdefault(word, set()).add(comp.name)
    return {w for w, comps in words.items() if len(comps) > 1}


def unmodelled_components(ctx: ScanContext, target: Target, build: Build) -> None:
    """A builtin plugin the tool does not model (an ImageTagTransformer config) whose
    config names a component's image: what it makes of that image is unknown."""
    for what, strings in build.unmodelled:
        for text in strings:
            try:
                comp = ctx.rules.component_of(ImageRef.parse(text))
            except ImageRefError:
                continue
            state = target.components.get(comp) if comp else None
            if state is None or state.image is None:
                continue
            state.note = f"{what}, and it names {text}: what it deploys is unknown"
            state.image, state.version, state.versions = None, None, ()
