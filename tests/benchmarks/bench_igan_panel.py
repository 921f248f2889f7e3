"""The iGAN panel while it optimizes, offscreen; prints `name: value` lines.

    python tests/benchmarks/bench_igan_panel.py [--strokes S]

The panel holds a DCGAN-32 (RGB, z of 64, width 32; untrained weights cost the same) with the
default CPU settings (16 candidates, 40 steps a stroke); each stroke is a white bar painted
through the pad's own stroke methods, as the mouse paints it.
- igan_refresh_hz: candidate-grid paints per second while one long edit (400 steps) runs:
  (paints - 1) / the time from the first paint to the last. Goal >= 10.
- igan_edit_settled_s: from a stroke's end to the grid painting the edit's last frame (the
  best candidate stops changing), the median over S strokes (default 5). Goal <= 2.
- igan_settled_per_bare_step: that time / one bare forward+backward of G on the 16 latents
  (measured in the same process): how many bare steps a settled edit costs (40 is the floor).
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

from event_loop import wait  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def panel_on_dcgan32(app: QApplication):
    from deepscope.compute import ComputeThread
    from deepscope.core.models.gan_spec import GanSpec
    from deepscope.core.runs.store import RunStore
    from deepscope.panels.igan import IganPanel
    from tests.factories import stored_gan

    store = RunStore(Path(tempfile.mkdtemp(prefix="bench-igan-")))
    stored_gan(store, spec=GanSpec("dcgan", 64, 3, 32, width=32))
    compute = ComputeThread()
    compute.start()
    panel = IganPanel(compute, store)
    panel.resize(1300, 760)
    panel.show()
    wait(app, lambda: panel.frame is not None and panel.idle())
    panel.pad.set_color(QColor("white"))
    return panel, compute


def paints(panel) -> list[float]:
    """The times the candidate grid paints, from now on."""
    grid, times = panel.candidates.grid, []
    original = type(grid).paintEvent

    def timed(event) -> None:
        original(grid, event)
        times.append(time.perf_counter())

    grid.paintEvent = timed
    return times


def stroke(panel, x: float) -> float:
    """A bar painted at `x` (a fraction of the pad); the time it ended."""
    from deepscope.panels.igan.pad import CANVAS

    pad = panel.pad.canvas
    pad.begin(CANVAS * x, CANVAS * 0.2)
    for y in (0.4, 0.6, 0.8):
        pad.extend(CANVAS * x, CANVAS * y)
    ended = time.perf_counter()
    pad.finish()
    return ended


def bare_step_ms(panel, n: int = 16, rounds: int = 20) -> float:
    """One forward+backward of the panel's G on n latents that need a gradient (median)."""
    import torch

    gan = panel.jobs.gan(panel.run())
    z = torch.randn(n, gan.spec.latent_dim, requires_grad=True)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        gan.images(z, None).square().sum().backward()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=5)
    args = parser.parse_args()
    app = QApplication([])
    panel, compute = panel_on_dcgan32(app)
    times = paints(panel)
    panel.form.steps.setValue(400)
    stroke(panel, 0.5)
    wait(app, lambda: panel.frame.done and panel.idle())
    app.processEvents()
    hz = (len(times) - 1) / (times[-1] - times[0])
    panel.form.steps.setValue(40)
    settled = []
    for i in range(args.strokes):
        times.clear()
        ended = stroke(panel, 0.3 + 0.1 * i)
        wait(app, lambda: panel.frame.done and panel.idle())
        app.processEvents()
        settled.append(times[-1] - ended)
    bare = bare_step_ms(panel)
    compute.stop()
    median = statistics.median(settled)
    print(f"# 16 candidates of DCGAN-32; settled {min(settled):.2f}-{max(settled):.2f} s; one "
          f"bare forward+backward {bare:.1f} ms")
    print(f"igan_refresh_hz: {hz:.1f}")
    print(f"igan_edit_settled_s: {median:.2f}")
    print(f"igan_settled_per_bare_step: {1000 * median / bare:.0f}")


if __name__ == "__main__":
    main()
