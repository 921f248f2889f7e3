"""The GAN panel in `deepscope tour`: the default cGAN on digits for a few epochs, judged by the
newest digits classifier when there is one, curves drawn and the last sample grid on screen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from deepscope.core.gan import GanConfig

TOUR_CONFIG = GanConfig(epochs=6, samples_every=28)  # the default cGAN, a grid an epoch


def show(panel, wait: Callable[[Callable[[], bool]], None]) -> None:
    panel.scores.set_dataset(TOUR_CONFIG.dataset)
    if panel.scores.judge.count() > 1:
        panel.scores.judge.setCurrentIndex(1)  # newest first
    panel.form.set_config(replace(TOUR_CONFIG, classifier=panel.scores.judge_path()))
    panel.start_training()
    wait(lambda: panel.job is None)
    panel.board.redraw_all()
