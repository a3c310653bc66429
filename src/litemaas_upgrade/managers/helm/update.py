"""The edits that take a Helm release through a phase: the chart reference moved to the
catalog release that deploys the phase's tags, and each tag set in the layer that decides
it (or in the release's own values file when only a default does)."""

from __future__ import annotations

from ...imageref import ImageRef
from ...model import Change, Target
from ...rules import Rules
from ..base import PhaseStep, ScanContext
from .release import Release, decider_of, edit_locations, edit_path
from .values import get_path, helm_string

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from ...catalog import ChartRelease


def default_tag(rules: Rules, release: ChartRelease, component: str) -> str | None:
    """The tag a catalog release deploys for a component when nothing overrides it."""
    hints = rules.components[component].helm
    if hints is None:
        return None
    image = get_path(release.values, hints.values)
    if not isinstance(image, dict):
        return None
    raw = image.get("tag")
    if raw not in (None, ""):
        return helm_string(raw)
    return release.app_version if hints.default_tag == "appVersion" else None


def default_repository(rules: Rules, release: ChartRelease, component: str) -> str | None:
    """The repository a catalog release deploys for a component by default."""
    hints = rules.components[component].helm
    image = get_path(release.values, hints.values) if hints is not None else None
    repo = image.get("repository") if isinstance(image, dict) else None
    return str(repo) if repo else None


def _move_chart(
    ctx: ScanContext, target: Target, rel: Release, step: PhaseStep
) -> ChartRelease | None:
    """The catalog release whose defaults deploy the step's tags, when the chart is
    referenced by an editable version: phase 1 moves the chart reference there."""
    chart = rel.chart
    if chart.release is None or chart.path is None:
        return None
    from ...catalog import catalog_for

    catalog = catalog_for(ctx.rules).chart(chart.name)
    assert catalog is not None

    def deploys(release: ChartRelease) -> bool:
        return all(
            default_tag(ctx.rules, release, c) == tag
            and (c not in step.repos or default_repository(ctx.rules, release, c) == step.repos[c])
            for c, tag in step.set.items()
            if c in target.components
        )

    if deploys(chart.release):
        return None  # the release referenced already deploys the step: only tags move
    for candidate in catalog.releases:
        if candidate is not chart.release and deploys(candidate):
            return candidate  # the first (oldest) such release: never further than asked
    return None


def _same_form(current: str, refs: tuple[str, ...]) -> str:
    want_v = current.startswith("v")
    for ref in refs:
        if ref.startswith("v") == want_v:
            return ref
    return refs[0]


def changes(ctx: ScanContext, target: Target, rel: Release, step: PhaseStep) -> list[Change]:
    out: list[Change] = []
    tags = dict(step.tags())
    moved = _move_chart(ctx, target, rel, step)
    if moved is not None and rel.chart.ref is not None and rel.chart.path is not None:
        new_ref = _same_form(rel.chart.ref, moved.refs)
        out.append(
            Change(
                rel.chart.file,
                rel.chart.doc,
                rel.chart.path,
                new_ref,
                "",
                f"chart to {new_ref} (LiteMaaS {moved.version})",
            )
        )
        assert rel.chart.release is not None
        # Anything else the chart move would change is pinned where it is today: a tag,
        # and a default repository the step does not move (a mirror left as it is).
        for name, state in target.components.items():
            if name not in tags and state.tag is not None:
                if default_tag(ctx.rules, rel.chart.release, name) != default_tag(
                    ctx.rules, moved, name
                ):
                    tags[name] = state.tag
            if name not in step.repos:
                out.extend(_repository_pin(ctx, rel, moved, name))
    for component, tag in tags.items():
        pin_only = component not in step.set
        if rel.post_change is not None:
            change = rel.post_change(component, tag)
            if change is not None:
                out.append(change)
                continue
        why = f"pin {component} at {tag}" if pin_only else f"{component} to {tag}"
        out.extend(_literal_changes(rel, component, tag, why, pin_only))
        if component in rel.literals and not rel.locations.get(component):
            continue  # the templates write it: no values key would change it
        locs = edit_locations(ctx.rules, rel, component)
        for loc in locs:
            path = edit_path(loc)
            decider = decider_of(rel, path)
            explicit = decider is not None and decider.kind != "default"
            if pin_only and explicit:
                continue
            if (
                not explicit
                and moved is not None
                and component in step.set
                and default_tag(ctx.rules, moved, component) == tag
            ):
                continue  # the chart move deploys it
            layer = decider if explicit and decider is not None else rel.owner
            value = tag
            repo = step.repos.get(component)
            if loc.shape == "string":
                ref = ImageRef.parse(str(get_path(rel.merged, loc.path)))
                # A digest pins the old image: it goes when the tag moves (as in compose).
                ref = ref.with_tag(tag).with_digest(ref.digest if ref.tag == tag else None)
                value = str(ref.with_name(repo) if repo is not None else ref)
            elif repo is not None:
                out.extend(_repository_change(rel, loc.path, repo, component, moved is not None))
            out.append(layer.change(path, value, component, why))
    return out


def _repository_change(
    rel: Release, image_path: tuple, repo: str, component: str, chart_moved: bool
) -> list[Change]:
    """The repository a phase moves a component to (the LiteLLM fork), written where
    the repository is decided: beside the tag, never apart from it (LU015)."""
    path = image_path + ("repository",)
    if get_path(rel.merged, path) == repo:
        return []
    decider = decider_of(rel, path)
    explicit = decider is not None and decider.kind != "default"
    if not explicit and chart_moved:
        return []  # the moved chart's default is the new repository (checked by deploys)
    layer = decider if explicit and decider is not None else rel.owner
    return [layer.change(path, repo, component, f"{component} to {repo} (with its tag)")]


def _repository_pin(
    ctx: ScanContext, rel: Release, moved: ChartRelease, component: str
) -> list[Change]:
    """The chart's default repository of a component written where the chart reads it,
    when the moved chart's default is another one and the values leave it to the
    default: the component stays where it is (an `images:` rename of it still applies)."""
    assert rel.chart.release is not None
    now = default_repository(ctx.rules, rel.chart.release, component)
    if now is None or now == default_repository(ctx.rules, moved, component):
        return []
    out = []
    for loc in edit_locations(ctx.rules, rel, component):
        if loc.shape == "string":
            continue  # an image string names its repository already
        path = loc.path + ("repository",)
        decider = decider_of(rel, path)
        if decider is not None and decider.kind != "default":
            continue  # written by the operator: the chart move does not change it
        why = f"pin {component}'s repository at {now} (the chart move would change it)"
        out.append(rel.owner.change(path, now, component, why))
    return out


def _literal_changes(
    rel: Release, component: str, tag: str, why: str, pin_only: bool
) -> list[Change]:
    """An image a template writes literally: its tag replaced in the template's text
    (a pin has nothing to do: the literal is explicit)."""
    out = []
    for lit in [] if pin_only else rel.literals.get(component, []):
        new = str(ImageRef.parse(lit.text).with_tag(tag))
        if new != lit.text:
            out.append(
                Change(lit.where.file, 0, (), new, component, why, span=lit.span, old=lit.text)
            )
    return out
