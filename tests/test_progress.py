"""The progress line: silent unless stderr is a terminal, and erased when the work ends."""

from __future__ import annotations

import io
import time

import pytest

from litemaas_upgrade import progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LITEMAAS_UPGRADE_PROGRESS", raising=False)
    out = io.StringIO()
    items = list(progress.each(["a", "b"], "scanning", str, stream=out, delay=0))
    assert items == ["a", "b"]
    assert out.getvalue() == ""


def test_terminal_gets_a_line_that_is_erased_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LITEMAAS_UPGRADE_PROGRESS", raising=False)
    out = Tty()
    found: list[str] = []
    for item in progress.each(["helm", "kustomize"], "scanning", str, lambda: len(found),
                              stream=out, delay=0):
        time.sleep(0.3)  # longer than a redraw period
        found.append(item)
    text = out.getvalue()
    assert "litemaas-upgrade: scanning helm [1/2], 0 so far" in text
    assert "scanning kustomize [2/2], 1 so far" in text
    assert text.endswith("\r\x1b[K")  # nothing left on the line


def test_off_switch_beats_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITEMAAS_UPGRADE_PROGRESS", "0")
    out = Tty()
    for _ in progress.each([1], "scanning", stream=out, delay=0):
        time.sleep(0.3)
    assert out.getvalue() == ""


def test_short_runs_stay_silent_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LITEMAAS_UPGRADE_PROGRESS", raising=False)
    out = Tty()
    assert list(progress.each([1, 2, 3], "scanning", stream=out)) == [1, 2, 3]
    assert out.getvalue() == ""  # done before the one-second delay
