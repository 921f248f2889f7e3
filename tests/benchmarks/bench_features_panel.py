"""The features panel's live activations, in one process; prints `name: value` lines.

    python tests/benchmarks/bench_features_panel.py [--moves N]

- activations_live_ms: from a drawn piece of stroke (a mouse move on the Draw canvas) to every
  channel of LeNet's first conv layer painted in the Activations view, median over N moves,
  one at a time, as a user draws. Goal <= 33 (30 per second).
- activations_live_p90_ms: the 90th percentile of those moves.
- activations_live_ratio: the median / one bare forward pass of LeNet on one image (same torch
  thread count, measured in this run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.event_loop import shown_panel, wait  # noqa: E402 (the path)


def record_paints(panel, painted: list[float]) -> None:
    """After each activations event, paint the tiles at once and note the time."""
    got = panel.got_activations

    def got_and_painted(act) -> None:
        got(act)
        panel.activations.grid.repaint()
        painted.append(time.perf_counter())

    panel.got_activations = got_and_painted
    panel.live.wanted = None


def move(canvas, x: float, y: float, pressed: bool) -> None:
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    kind = QEvent.Type.MouseMove if pressed else QEvent.Type.MouseButtonPress
    left = Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, QPointF(x, y), QPointF(x, y), left if not pressed else
                        Qt.MouseButton.NoButton, left, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, event)


def bare_forward_ms(store) -> float:
    import torch

    from deepscope.core.runs import InputCache, RunModel

    clf = InputCache("cpu").classifier(RunModel(store.runs("classifier")[0].dir))
    x = clf.normalize(torch.zeros(1, 1, 28, 28, dtype=torch.uint8))
    times = []
    with torch.inference_mode():
        for _ in range(200):
            start = time.perf_counter()
            clf.model(x)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=60)
    args = parser.parse_args()
    from deepscope.app import make_app
    from deepscope.core.runs.store import RunStore
    from deepscope.panels.features.panel import ACTIVATIONS, FeaturesPanel
    from deepscope.widgets.image_source import DRAW
    from tests.factories import stored_classifier

    app = make_app()
    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(Path(tmp))
        stored_classifier(store)
        compute, panel = shown_panel(FeaturesPanel, store)
        wait(app, lambda: compute.device_label and panel.act is not None and panel.idle())
        panel.views.setCurrentIndex(ACTIVATIONS)
        panel.source.tabs.setCurrentIndex(DRAW)
        wait(app, panel.idle)
        canvas = panel.source.canvas
        painted: list[float] = []
        record_paints(panel, painted)
        side = canvas.width()
        move(canvas, side * 0.2, side * 0.2, pressed=False)
        wait(app, lambda: painted and panel.idle())
        times = []
        for k in range(args.moves):
            done = len(painted)
            t = (k + 1) / (args.moves + 1)
            start = time.perf_counter()
            move(canvas, side * (0.2 + 0.6 * t), side * (0.2 + 0.5 * abs(0.5 - t)), pressed=True)
            wait(app, lambda d=done: len(painted) > d)
            times.append((painted[-1] - start) * 1000)
            wait(app, panel.idle)
        compute.stop()
        import torch

        torch.set_num_threads(compute.tuner.best)
        forward = bare_forward_ms(store)
        store.close()
    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1]
    print(f"# {args.moves} moves, {min(times):.1f}-{max(times):.1f} ms; one bare LeNet forward "
          f"{forward:.3f} ms")
    print(f"activations_live_ms: {median:.1f}")
    print(f"activations_live_p90_ms: {p90:.1f}")
    print(f"activations_live_ratio: {median / forward:.1f}")


if __name__ == "__main__":
    main()
