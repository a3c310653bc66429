"""Render every target on both sides of a change set and compare the resources."""

from __future__ import annotations

from .model import ChangeSet
from .render import Materializer, NotRendered, render
from .structured import compare, drop_labels, identify


def render_changes(cs: ChangeSet, ignored_labels: frozenset[str], show_secrets: bool) -> None:
    cs.rendered = True
    mat = Materializer(cs.cleanup)
    for tc in cs.targets:
        sides = []
        try:
            for target, source in ((tc.before, cs.before), (tc.after, cs.after)):
                docs = render(target, source, mat) if target is not None else []
                sides.append(identify([drop_labels(d, ignored_labels) for d in docs]))
        except NotRendered as exc:
            tc.rendered_note = f"not rendered: {exc}"
            if tc.changed(False):
                cs.notes.append(
                    f"{tc.path} ({tc.kind}): {tc.rendered_note}; its source diff is shown"
                )
            continue
        old, new = sides
        tc.rendered_count = (len(old), len(new))
        tc.resources = compare(old, new, show_secrets)
