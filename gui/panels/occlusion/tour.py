"""The occlusion panel in `deepscope tour`: the newest run on a test digit, the pixel map, and
a probe where occluding hurts most."""

from __future__ import annotations

from collections.abc import Callable


def show(panel, wait: Callable[[Callable[[], bool]], None]) -> None:
    panel.refresh_runs()
    panel.source.browser.index.setValue(10)
    panel.view.map_choice.setCurrentText("pixel attribution")
    panel.start()
    wait(panel.idle)
    if (maps := panel.view.maps) is None:  # no run to occlude: the empty state
        return
    panel.probe_at(*divmod(int(maps.drop.argmax()), maps.drop.shape[1]))
    wait(panel.idle)
