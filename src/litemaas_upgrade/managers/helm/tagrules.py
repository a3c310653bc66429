"""What a release deploys where its values leave the tag empty, or where the chart's
templates write the image themselves: the tag the chart's own image template derives
(templates.py reads it), else the rules' hint (`default_tag: appVersion`, for a chart
known only from the catalog); and the images written literally in templates."""

from __future__ import annotations

from ...imageref import ImageRef, ImageRefError
from ...model import UNREADABLE, ComponentState, Site, YamlPath, unknown_version_note
from ...records import record
from ...rules import Component
from ..base import ScanContext
from .templates import Literal, TagRule, Where
from .values import get_path

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from .release import Release


@record(slots=True)
class EmptyTag:
    tag: str | None
    sites: list[Site]
    note: str = ""
    unknown: bool = False  # the chart renders something the tool cannot tell

    def __post_init__(self) -> None:
        # What the chart renders is not known: an error of the target (LU009), never
        # passed as "no tag".
        if self.unknown and not self.note.startswith(UNREADABLE):
            self.note = f"{UNREADABLE}: {self.note}"


def _site(ctx: ScanContext, where: Where, note: str) -> Site:
    return Site(ctx.source.display(where.file), where.line, where.col, "image", "tag", note)


def _at(ctx: ScanContext, where: Where) -> str:
    return f"{ctx.source.display(where.file)}:{where.line}:{where.col}"


def empty_tag(ctx: ScanContext, rel: Release, comp: Component, path: YamlPath) -> EmptyTag:
    """The tag an empty (or unset) `tag` under the image mapping at `path` renders."""
    templates, inner = rel.templates_at(path)
    app_version, app_site = rel.app_at(path)
    if templates is not None and templates.image_lines:
        rules = templates.rules_for(inner)
        forms = {(r.app, r.prefix, r.suffix, r.literal) for r in rules}
        if len(forms) > 1:
            return EmptyTag(
                None,
                [_site(ctx, r.where, f"template: {r.describe()}") for r in rules],
                "the tag is empty and the chart's templates render it differently ("
                + "; ".join(f"{_at(ctx, r.where)}: {r.describe()}" for r in rules)
                + "): unknown",
                True,
            )
        if rules:
            return _by_rule(ctx, rules[0], app_version, app_site)
        unread = templates.unread_for(inner)
        if unread:
            first = unread[0]
            return EmptyTag(
                None,
                [_site(ctx, first.where, "template the tool does not read")],
                f"the tag is empty, and the chart's image template at {_at(ctx, first.where)} "
                f"({first.text.strip()}) is in a form the tool does not read: what it "
                "renders for an empty tag is unknown",
                True,
            )
    if comp.helm and comp.helm.default_tag == "appVersion":
        if app_version:
            return EmptyTag(app_version, [app_site] if app_site is not None else [])
        return EmptyTag(
            None, [], "the tag falls back to the chart's appVersion, which is not known"
        )
    return EmptyTag(None, [])


def _by_rule(
    ctx: ScanContext, rule: TagRule, app_version: str | None, app_site: Site | None
) -> EmptyTag:
    shown = _at(ctx, rule.where)
    if rule.literal is not None:
        site = _site(ctx, rule.where, f"template default {rule.literal!r}: the tag is empty")
        return EmptyTag(
            rule.literal or None,
            [site],
            "" if rule.literal else f"the tag is empty and {shown} renders none: unknown",
            not rule.literal,
        )
    if not rule.app:
        return EmptyTag(
            None,
            [_site(ctx, rule.where, "template without a default")],
            f"the tag is empty and the chart's image template at {shown} has no default: it "
            "renders the image without a tag, which no registry serves: unknown",
            True,
        )
    if not app_version:
        return EmptyTag(
            None,
            [_site(ctx, rule.where, f"template: {rule.describe()}")],
            f"the tag is empty and {shown} renders {rule.describe()}, but the chart has no "
            "appVersion: unknown",
            True,
        )
    sites = []
    if app_site is not None:
        if rule.prefix or rule.suffix:
            app_site = Site(
                app_site.file,
                app_site.line,
                app_site.col,
                app_site.path,
                app_site.decides,
                f"appVersion fallback: the tag is empty; {shown} renders {rule.describe()}",
            )
        sites.append(app_site)
    return EmptyTag(rule.fallback(app_version), sites)


def template_literals(ctx: ScanContext, rel: Release) -> dict[str, list[Literal]]:
    """Component images written literally in the templates of the release's vendored
    chart and of its subcharts that are not switched off by their condition."""
    out: dict[str, list[Literal]] = {}
    sources = [rel.chart.templates]
    for sub in rel.chart.subcharts:
        off = False
        for cond in sub.conditions:
            value = get_path(rel.merged, cond)
            if isinstance(value, bool):
                off = not value
                break
        if not off:
            sources.append(sub.templates)
    for templates in sources:
        if templates is None:
            continue
        for lit in templates.literals:
            component = _component(ctx, lit.text)
            if component is not None:
                out.setdefault(component, []).append(lit)
    return out


def _component(ctx: ScanContext, text: str) -> str | None:
    try:
        return ctx.rules.component_of(ImageRef.parse(text))
    except ImageRefError:
        return None


def literal_state(ctx: ScanContext, comp: Component, lits: list[Literal]) -> ComponentState:
    """A component whose image a template writes literally (the first one is the image;
    every one's version is judged)."""
    sites = [
        Site(
            ctx.source.display(lit.where.file),
            lit.where.line,
            lit.where.col,
            "image",
            "image",
            "written in the chart's template",
        )
        for lit in lits
    ]
    versions = []
    for lit in lits:
        versions.append(comp.version_of(ImageRef.parse(lit.text).tag))
    ref = ImageRef.parse(lits[0].text)
    note = "" if versions[0] is not None else unknown_version_note(ref, ref.tag)
    state = ComponentState(comp.name, ref, versions[0], sites, note)
    if len(lits) > 1:
        state.versions = tuple(versions)
    return state


def named_state(ctx: ScanContext, rel: Release, comp: Component) -> ComponentState | None:
    """A component that only a template expression names (`repo/litellm:{{ ... }}`): its
    image is not a site the tool reads, so it is unknown, at that line."""
    for templates in (rel.chart.templates, *(s.templates for s in rel.chart.subcharts)):
        if templates is None:
            continue
        for named in templates.named:
            if named.component != comp.name:
                continue
            where = named.where
            return ComponentState(
                comp.name,
                None,
                None,
                [
                    Site(
                        ctx.source.display(where.file),
                        where.line,
                        where.col,
                        "image",
                        "image",
                        "template expression",
                    )
                ],
                f"{UNREADABLE}: the chart's template at {_at(ctx, where)} writes the image as "
                f"a template expression ({named.text.strip()}), which the tool does not "
                "evaluate: unknown",
            )
    return None
