"""The iGAN panel in `deepscope tour`: the newest GAN run (the GAN step trained it), a white
bar painted down the middle, and the candidates once they obey it (or the empty state when
there is no GAN run)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QColor

from .pad import CANVAS


def show(panel, wait: Callable[[Callable[[], bool]], None]) -> None:
    panel.picker.refresh()
    wait(panel.idle)
    if panel.frame is None:
        return
    pad = panel.pad.canvas
    panel.pad.set_color(QColor("white"))
    pad.begin(CANVAS / 2, CANVAS * 0.2)
    for y in (0.35, 0.5, 0.65, 0.8):
        pad.extend(CANVAS / 2, CANVAS * y)
    pad.finish()
    wait(panel.idle)
