"""The latent panel in `deepscope tour`: the newest GAN run, draws 1 and 6 as A and B, a
16-frame slerp with its middle frame large (or the empty state when there is no GAN run)."""

from __future__ import annotations

from collections.abc import Callable

from .form import ENDS, MODE_LABELS


def show(panel, wait: Callable[[Callable[[], bool]], None]) -> None:
    panel.refresh_runs()
    if panel.picker.run_id() is None:
        return
    wait(lambda: panel.draws is not None or panel.failed is not None)
    if panel.draws is None:
        return
    panel.form.mode.set(MODE_LABELS["slerp"])
    panel.form.steps.set(16)
    panel.next_end = ENDS[0]
    panel.pick(1)
    panel.pick(6)
    wait(panel.settled)
    panel.sequence.slider.setValue(8)
