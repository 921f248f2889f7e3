"""One package per panel; PANELS lists them in the order the window shows them.

A panel is a QWidget built as `Panel(compute, store)` with a `title`, and `save_settings(s)`
/ `load_settings(s)` of a QSettings. Its key names its settings, its tab and its screenshot.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from .gan import GanPanel
from .latent import LatentPanel
from .occlusion import OcclusionPanel
from .training import TrainingPanel


@dataclass(frozen=True)
class PanelEntry:
    key: str
    panel: type[QWidget]


PANELS = (
    PanelEntry("training", TrainingPanel),
    PanelEntry("occlusion", OcclusionPanel),
    PanelEntry("gan", GanPanel),
    PanelEntry("latent", LatentPanel),
)
