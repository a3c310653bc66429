"""`diff --format markdown` over its budget: which sections are left out, at every size of
budget, on the sample repository's phase 1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from litemaas_upgrade.commands.common import Inputs, open_inputs
from litemaas_upgrade.diff.collect import from_phase
from litemaas_upgrade.diff.markdown import render_markdown, sections
from litemaas_upgrade.diff.model import ChangeSet


@pytest.fixture
def phase1(sample_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChangeSet]:
    """The sample repository's phase 1, as `diff --phase 1` collects it."""
    monkeypatch.chdir(sample_repo)
    source, rules, options = open_inputs(Inputs(["."]))
    cs = from_phase(source, rules, options, 1)
    try:
        yield cs
    finally:
        cs.close()


def test_sections_are_left_out_largest_first(phase1: ChangeSet) -> None:
    cs = phase1
    secs = sections(cs, 3, False)
    assert len(secs) > 5
    whole = render_markdown(cs, 3, False, "cmd")
    assert "Left out" not in whole and all(s.text in whole for s in secs)
    seen_partial = False
    for budget in range(len(whole) - 1, 0, -max(1, len(whole) // 60)):
        md = render_markdown(cs, 3, False, "cmd", budget=budget)
        kept = [i for i, s in enumerate(secs) if s.text in md]
        dropped = [i for i, s in enumerate(secs) if s.text not in md]
        assert dropped, budget
        if not kept:
            continue
        seen_partial = True
        assert len(md) <= budget
        # the largest go first; of two the same size, the first in the comment
        for k in kept:
            for d in dropped:
                assert (len(secs[d].text), -d) > (len(secs[k].text), -k), (budget, k, d)
        note = next(line for line in md.splitlines() if line.startswith("> **Left out**"))
        assert f"the diffs of {len(dropped)} section(s): " in note
        named = re.findall(r"`([^`]+)`", note.split(": ", 1)[1].split(". Run")[0])
        assert named == [secs[d].name for d in dropped][: len(named)]
    assert seen_partial



def test_summary_rows_kept_as_many_as_fit(phase1: ChangeSet) -> None:
    cs = phase1
    whole = render_markdown(cs, 3, False, "cmd")
    rows = [ln for ln in whole.splitlines() if ln.startswith("| ") and " | " in ln][1:]
    assert len(rows) > 4
    # A budget that holds the head and about half of the rows, and no section.
    head = whole.index(rows[0])
    half = sum(len(r) + 1 for r in rows[: len(rows) // 2])
    for budget in range(head + half - 40, head + half + 400, 37):
        md = render_markdown(cs, 3, False, "cmd", budget=budget)
        assert len(md) <= budget
        kept = [r for r in rows if r in md.splitlines()]
        assert kept == rows[: len(kept)] and 0 < len(kept) < len(rows), budget
        assert f"{len(rows) - len(kept)} more row(s) left out" in md
        # One more row would not have fitted.
        more = md.replace(
            kept[-1] + "\n", kept[-1] + "\n" + rows[len(kept)] + "\n", 1
        )
        assert len(more) > budget - 2, budget
