"""The occlusion panel's latency, in one process; prints `name: value` lines.

    python tests/benchmarks/bench_occlusion_panel.py

- occlusion_first_partial_ms: from pressing Run in the panel to the first partial map painted
  on screen (LeNet on 28x28 digits, window 7, stride 2, batch 64: 144 positions), median of
  REPEATS presses with the image already previewed, as a user presses Run. Goal <= 100.
- occlusion_first_partial_max_ms: the slowest of those presses.
- occlusion_first_partial_ratio: the median / one bare forward pass of the batch of 64 occluded
  images (same model, same torch thread count, measured in this run).
- occlusion_full_run_ms: from Run to the complete map on screen (median).
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

from tests.benchmarks.event_loop import shown_panel, wait, watching  # noqa: E402 (the path)

REPEATS = 15


def press_run(app, panel, painted: list[float]) -> tuple[float, float]:
    """(ms to the first painted partial map, ms to the full map drawn) for one Run."""
    painted.clear()
    panel.view.maps = None  # paints of the previous map do not count
    with watching(panel.compute) as running:
        start = time.perf_counter()
        panel.run_button.click()
        wait(app, lambda: painted)
        first = painted[0] - start
        wait(app, lambda: not running)
    panel.view.redraw()
    app.processEvents()
    return first * 1000, (time.perf_counter() - start) * 1000


def record_paints(panel, painted: list[float]):
    """Time every paint of the overlay while it holds a map (the map on screen)."""
    overlay = panel.view.overlay
    paint = overlay.paint

    def timed_paint(*args):
        paint(*args)
        if overlay.image is not None and panel.view.maps is not None:
            painted.append(time.perf_counter())

    overlay.paint = timed_paint


def bare_forward_ms(panel) -> float:
    """One forward pass of the first batch of 64 occluded images, median of 50."""
    import torch

    from deepscope.core.occlusion.experiment import occluder
    from deepscope.core.occlusion.maps import occlude
    from deepscope.core.occlusion.source import SourceCache

    exp = SourceCache().experiment(panel.setup.model, panel.setup.image)
    baseline = occluder("grey", exp)[0]
    batch = torch.stack([occlude(exp.image, 7, 2, baseline, *divmod(k, 12))[0]
                         for k in range(64)])
    times = []
    with torch.inference_mode():
        exp.model(batch)
        for _ in range(50):
            start = time.perf_counter()
            exp.model(batch).softmax(1)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    from deepscope.app import make_app
    from deepscope.core.runs.store import RunStore
    from deepscope.panels.occlusion.panel import OcclusionPanel
    from tests.factories import stored_classifier

    app = make_app()
    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(Path(tmp))
        stored_classifier(store)
        compute, panel = shown_panel(OcclusionPanel, store)
        wait(app, lambda: compute.device_label and panel.idle() and panel.view.info is not None)
        painted: list[float] = []
        record_paints(panel, painted)
        press_run(app, panel, painted)  # warm-up
        first, full = zip(*(press_run(app, panel, painted) for _ in range(REPEATS)),
                          strict=True)
        compute.stop()
        import torch

        torch.set_num_threads(compute.tuner.best)  # as the compute thread last chose
        forward = bare_forward_ms(panel)
        store.close()
    median = statistics.median(first)
    print(f"# {REPEATS} presses; first partial map {min(first):.1f}-{max(first):.1f} ms; "
          f"bare forward of 64 occluded images {forward:.2f} ms")
    print(f"occlusion_first_partial_ms: {median:.1f}")
    print(f"occlusion_first_partial_max_ms: {max(first):.1f}")
    print(f"occlusion_first_partial_ratio: {median / forward:.1f}")
    print(f"occlusion_full_run_ms: {statistics.median(full):.1f}")


if __name__ == "__main__":
    main()
