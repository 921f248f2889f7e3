"""The Embeddings panel's map at 70,000 points; prints `name: value` lines.

    python tests/benchmarks/bench_embedding_panel.py [--n N] [--frames F]

The map widget (offscreen, 900 x 650) holds N points (default 70,000: all of MNIST) in 10
clusters, coloured by class; each frame pans or zooms the view a little and repaints it at
once, as a drag or a wheel turn does.
- scatter_fps_70k: frames per second, the median of 5 runs of F frames (default 60). Goal >= 30.
- scatter_speedup_vs_pyqtgraph: the same frames with pyqtgraph's ScatterPlotItem (one item per
  class, pxMode, no pen: its fast path) / this map's time per frame.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def clusters(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, n)
    centres = rng.normal(0, 30, (10, 2))
    return (centres[labels] + rng.normal(0, 4, (n, 2))).astype(np.float32), labels


def frames_per_s(plot: pg.PlotWidget, box: pg.ViewBox, frames: int) -> float:
    """Pan right and left, zoom in and out: one repaint per step."""
    app = QApplication.instance()
    start = time.perf_counter()
    for i in range(frames):
        if i % 4 < 2:
            box.translateBy(x=(-1) ** (i // 4) * 0.5)
        else:
            box.scaleBy((0.97, 0.97) if i % 8 < 4 else (1 / 0.97, 1 / 0.97))
        plot.viewport().repaint()
        app.processEvents()
    return frames / (time.perf_counter() - start)


def ours(coords: np.ndarray, labels: np.ndarray):
    from deepscope.panels.embedding.map_view import MapView

    view = MapView()
    view.resize(900, 700)
    view.show()
    view.set_points(labels, labels, tuple(str(k) for k in range(10)))
    view.set_coords(coords, fit=True)
    QApplication.instance().processEvents()
    return view, view.plot, view.box


def theirs(coords: np.ndarray, labels: np.ndarray):
    from deepscope.widgets.palette import class_color

    plot = pg.PlotWidget(background="w")
    plot.resize(900, 650)
    for k in range(10):
        mine = labels == k
        plot.addItem(pg.ScatterPlotItem(coords[mine, 0], coords[mine, 1], size=4, pen=None,
                                        brush=class_color(k)))
    plot.show()
    QApplication.instance().processEvents()
    return plot, plot, plot.getViewBox()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=70_000)
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    QApplication([])
    coords, labels = clusters(args.n)
    widget, plot, box = ours(coords, labels)
    base_widget, base_plot, base_box = theirs(coords, labels)
    mine, base = [], []
    for _ in range(5):  # in turns: both meet the same load
        mine.append(frames_per_s(plot, box, args.frames))
        base.append(frames_per_s(base_plot, base_box, args.frames))
    fps, base_fps = statistics.median(mine), statistics.median(base)
    print(f"# {args.n} points, {args.frames} frames x 5: ours {min(mine):.0f}-{max(mine):.0f} "
          f"fps, ScatterPlotItem {min(base):.0f}-{max(base):.0f} fps")
    print(f"scatter_fps_70k: {fps:.1f}")
    print(f"scatter_speedup_vs_pyqtgraph: {fps / base_fps:.2f}")


if __name__ == "__main__":
    main()
