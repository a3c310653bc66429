"""How `scan` shows installations: each installation's members (each component's image
and stage) and how each link was found; the backends no target is known to serve."""

from __future__ import annotations

from ..model import Target
from .link import Installations, Key


def worth_showing(found: Installations) -> bool:
    """Only what a target alone does not say: an installation across targets, or a
    backend whose LiteLLM is not known."""
    return bool(found.unlinked) or any(len(i.members) > 1 for i in found.installations)


def only_for(found: Installations, shown: list[Target]) -> Installations:
    """The installations and unlinked backends that involve a shown target."""
    keys = {t.key for t in shown}
    return Installations(
        [i for i in found.installations if keys & set(i.members)],
        [u for u in found.unlinked if u.caller in keys],
    )


def render_text(found: Installations, targets: dict[Key, Target]) -> str:
    out = ["installations:"]
    alone = sum(1 for inst in found.installations if len(inst.members) < 2)
    for inst in found.installations:
        if len(inst.members) < 2:
            continue  # a target alone: its own section above says it all
        out.append(f"  {inst.name}")
        for key in inst.members:
            t = targets.get(key)
            if t is None:
                continue
            images = ", ".join(
                f"{name} {state.image or '?'}" for name, state in sorted(t.components.items())
            )
            out.append(f"    {t.path}  [{t.kind}]  {t.stage}: {images}")
        for lk in inst.links:
            out.append(f"    link {lk.caller[0]} -> {lk.callee[0]}: {lk.describe()}")
    for u in found.unlinked:
        out.append(f"  unlinked: {u.describe()}")
    if alone:
        out.append(f"  ({alone} more target(s) each deploy their backend with its own LiteLLM)")
    return "\n".join(out) + "\n"
