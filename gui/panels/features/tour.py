"""The features panel in `deepscope tour`: the newest run (trained by the training step), its
second convolution scanned over the dataset, the patches of the channel that responds most
and images optimized to excite it (or the empty state when there is no run); VIEWS are the
views the tour saves, by the suffix of their file name."""

from __future__ import annotations

from collections.abc import Callable

from .panel import BACKPROP, MAXIMIZE, UNITS

TOUR_STEPS = 96  # of activation maximization: the images have their shape by then


def show(panel, wait: Callable[[Callable[[], bool]], None]) -> None:
    panel.refresh_runs()
    wait(panel.idle)
    convs = [layer.name for layer in panel.tree.tree.walk() if layer.type == "Conv2d"] \
        if panel.tree else []
    if not convs or panel.scan_problem():
        return
    panel.layers.select(convs[min(1, len(convs) - 1)])
    panel.source.browser.index.setValue(10)
    wait(panel.idle)
    panel.start_scan()
    wait(panel.idle)
    if panel.scan is not None:
        panel.select_channel(int(panel.scan.value[:, 0].argmax()))
        wait(panel.idle)
    panel.maximize.steps.setValue(TOUR_STEPS)
    panel.start_maximize()
    wait(panel.idle)
    panel.views.setCurrentIndex(UNITS)


def view(index: int) -> Callable:
    def show_view(panel, wait: Callable[[Callable[[], bool]], None]) -> None:
        panel.views.setCurrentIndex(index)
        wait(panel.idle)

    return show_view


VIEWS = (("", view(UNITS)), ("-maximize", view(MAXIMIZE)), ("-backprop", view(BACKPROP)))
