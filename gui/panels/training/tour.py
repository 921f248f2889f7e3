"""The training panel in `deepscope tour`: LeNet on digits for a few epochs, curves and the
validation predictions on screen."""

from __future__ import annotations

from collections.abc import Callable

from deepscope.core.classifier import TrainConfig

TOUR_CONFIG = TrainConfig(dataset="digits", model="lenet", epochs=3)


def show(panel, wait: Callable[[Callable[[], bool]], None]) -> None:
    panel.form.set_config(TOUR_CONFIG)
    panel.start_training()
    wait(lambda: panel.job is None)
    panel.board.redraw_all()
    panel.predictions.flush()
