"""One package per panel; PANELS lists them in the order the window shows them.

A panel is a QWidget built as `Panel(compute, store)` with a `title`, and `save_settings(s)`
/ `load_settings(s)` of a QSettings. Its key names its settings, its tab and its screenshot;
its tour step shows it in a state worth a screenshot (`deepscope tour` runs them in order, so
a step may use what the steps before it trained).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from .embedding import EmbeddingPanel
from .embedding import tour as embedding_tour
from .features import FeaturesPanel
from .features import tour as features_tour
from .gan import GanPanel
from .gan import tour as gan_tour
from .igan import IganPanel
from .igan import tour as igan_tour
from .latent import LatentPanel
from .latent import tour as latent_tour
from .occlusion import OcclusionPanel
from .occlusion import tour as occlusion_tour
from .training import TrainingPanel
from .training import tour as training_tour

Wait = Callable[[Callable[[], bool]], None]  # process events until a condition holds


Step = Callable[[QWidget, Wait], None]


@dataclass(frozen=True)
class PanelEntry:
    """A panel, its tour step, and the views its screenshots show: each a suffix of the file
    name and a step that brings the view to the front (none: the panel as its tour left it)."""

    key: str
    panel: type[QWidget]
    tour: Step
    views: tuple[tuple[str, Step], ...] = ()


PANELS = (
    PanelEntry("training", TrainingPanel, training_tour.show),
    PanelEntry("occlusion", OcclusionPanel, occlusion_tour.show),
    PanelEntry("features", FeaturesPanel, features_tour.show, features_tour.VIEWS),
    PanelEntry("embedding", EmbeddingPanel, embedding_tour.show),
    PanelEntry("gan", GanPanel, gan_tour.show),
    PanelEntry("latent", LatentPanel, latent_tour.show),
    PanelEntry("igan", IganPanel, igan_tour.show),
)
