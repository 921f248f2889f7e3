"""The Embeddings panel in `deepscope tour`: the newest run's last hidden layer over its test
split, mapped by t-SNE to the end, with a point clicked for its nearest neighbours (or the
empty state when there is no run)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def show(panel, wait: Callable[[Callable[[], bool]], None]) -> None:
    panel.refresh_runs()
    wait(panel.idle)
    if panel.problems():
        return
    panel.form.split.setCurrentIndex(panel.form.split.findData("test"))
    panel.start()
    wait(panel.idle)
    pane = panel.panes[0]
    if pane.has_map():
        wrong = np.flatnonzero(pane.features.predicted != pane.features.labels) \
            if pane.features.predicted is not None else np.zeros(0, np.int64)
        panel.clicked(0, int(wrong[0]) if len(wrong) else 0)
        wait(panel.idle)
