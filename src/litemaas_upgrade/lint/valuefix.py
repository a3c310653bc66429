"""A finding's fix as one scalar's new value (model.ValueFix), where the fix is exactly
that: the site a finding points at decides the component's version on its own, and
writing the new tag there is the whole of the advice. Anything less certain gets no
machine fix (the words of `Finding.fix` stay); a consumer re-checks the scalar anyway."""

from __future__ import annotations

from ..model import ComponentState, Site, Target, ValueFix
from .context import VERSION_SITES, locate

# Sites whose scalar holds a tag, or a whole image reference.
_TAG_SITES = ("tag", "newTag")
_IMAGE_SITES = ("image",)


def pointed_site(target: Target, state: ComponentState) -> Site | None:
    """The site `locate` points a finding about `state` at, when it has a line."""
    file, line, col = locate(target, state, VERSION_SITES)
    if not line:
        return None
    return next(
        (s for s in state.sites if (s.file, s.line, s.col) == (file, line, col)), None
    )


def tag_fix(target: Target, state: ComponentState, new_tag: str) -> ValueFix | None:
    """Set the tag of `state` (a component of `target`) to `new_tag` at the site a
    finding about it points at; None unless that one scalar alone decides the tag."""
    site = pointed_site(target, state)
    image = state.image
    if site is None or image is None or image.tag is None or image.digest:
        return None
    if len(state.all_versions()) > 1:  # several containers: one scalar is not all of them
        return None
    if site.path == "appVersion":  # the chart's version: it moves every fallback with it
        return None
    here = (site.file, site.line, site.col)
    for other in target.components.values():
        if other is not state and any((s.file, s.line, s.col) == here for s in other.sites):
            return None  # shared with another component: it would move too
    if site.decides in _TAG_SITES:
        return ValueFix(image.tag, new_tag)
    if site.decides in _IMAGE_SITES:
        # The tag of the reference written there (an overlay may rename the image).
        return ValueFix(image.tag, new_tag, in_image=True)
    return None


def same_site(a: Site | None, b: Site | None) -> bool:
    """The same scalar of the same file, at two revisions (its line may have moved)."""
    return (
        a is not None
        and b is not None
        and (a.file, a.path, a.decides) == (b.file, b.path, b.decides)
    )
