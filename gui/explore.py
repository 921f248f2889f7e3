"""`deepscope.explore(model)`: the window on a live nn.Module from a script or notebook (napari's
habit), offered in every model picker beside the runs, with the user's images or the embedded
digits resized to the model's input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deepscope.core.data.arrays import array_set
from deepscope.core.runs import LiveModel

Shape = tuple[int, int, int]


def explore(model: Any, images: Any = None, labels: Any = None, class_names: Any = None,
            mean: Any = None, std: Any = None, input_shape: Shape | None = None,
            runs_dir: Path | None = None) -> Any:
    """Open DeepScope on `model` (an nn.Module returning class scores).

    images: N x H x W or N x C x H x W, uint8 or floats in [0, 1] (default: the embedded digits),
    with labels (N class indices) and class_names; mean and std normalize pixels in [0, 1]
    (one value or one per channel; default none); input_shape is the model's (C, H, W)
    (default: the first convolution's channels at the images' size, else 28 px grey or 32 px
    RGB). Blocks until the window closes and returns its exit code, unless a Qt event loop
    already runs (IPython's `%gui qt`): then it returns the window at once.
    """
    shape = input_shape or guess_shape(model, images)
    if images is None:
        images, labels, class_names = embedded_digits()
    live = LiveModel(model, tuple(shape), floats(mean, 0.0), floats(std, 1.0),
                     tuple(map(str, class_names)) if class_names is not None else (),
                     array_set(images, labels, class_names, shape[0]))
    from PySide6.QtWidgets import QApplication

    running = QApplication.instance() is not None
    from .app import make_app, make_window

    app = make_app()
    window = make_window(runs_dir)
    offer(window, live)
    return window if running else app.exec()


def offer(window: Any, live: LiveModel) -> None:
    """Choose the live model in every panel's model picker and show the features panel."""
    from .widgets.model_picker import ModelPicker

    for panel in window.panels.values():
        if isinstance(picker := getattr(panel, "model", None), ModelPicker):
            picker.add_user(live)
    if "features" in window.panels:
        window.show_panel("features")


def guess_shape(model: Any, images: Any) -> Shape:
    """(C, H, W): the first convolution's input channels (else the images', else 1), at the
    images' size (else 28 px for grey, 32 for RGB)."""
    import numpy as np

    conv = next((m for m in model.modules() if hasattr(m, "in_channels")), None)
    pixels = None if images is None else np.asarray(images)
    channels = int(conv.in_channels) if conv is not None else (
        pixels.shape[1] if pixels is not None and pixels.ndim == 4 else 1)
    size = pixels.shape[-1] if pixels is not None else (28 if channels == 1 else 32)
    return channels, size, size


def floats(values: Any, default: float) -> tuple[float, ...]:
    if values is None:
        return (default,)
    return tuple(float(v) for v in ([values] if isinstance(values, (int, float)) else values))


def embedded_digits() -> tuple[Any, Any, tuple[str, ...]]:
    """scikit-learn's 8 x 8 digits as floats in [0, 1], their labels and names."""
    import sklearn.datasets

    bunch = sklearn.datasets.load_digits()
    return bunch.images / 16.0, bunch.target, tuple(map(str, range(10)))
