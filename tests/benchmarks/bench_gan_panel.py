"""GAN panel benchmark; prints `name: value` lines (ratios against same-run baselines).

    python tests/benchmarks/bench_gan_panel.py [--epochs N] [--repeats R]

- gan_throughput_ratio: steps/s of the default GAN (cGAN on digits, batch 64) trained in the
  GAN panel with live curves and sample grids, divided by bench_gan's bare PyTorch loop on the
  same models and batch; each in a fresh process. _same_threads: against the bare loop with the
  compute thread's torch thread count. gan_job_ratio_same_threads: the headless train_gan job
  (events, store, samples, checkpoints, no GUI) against that bare loop, to tell the GUI's share
  of the cost from the trainer's; gan_panel_vs_job_ratio: the panel against that job (the
  live views' own cost).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import child  # noqa: E402  (a sibling script, not a package)

COMPUTE_THREADS = max(1, (os.cpu_count() or 2) - 1)  # what gui/compute.py gives torch
BARE_STEPS = 300


def bare(threads: int) -> dict:
    import torch
    from bench_gan import bare_steps_per_s

    if threads:
        torch.set_num_threads(threads)
    return {"steps_per_s": bare_steps_per_s(BARE_STEPS, 0)}


def job(epochs: int) -> dict:
    """The headless job, driven as the compute thread drives it (events read, not shown)."""
    import torch

    from core.runs.store import RunStore
    from core.training.gan_config import GanConfig
    from core.training.gan_events import GanSteps
    from core.training.gan_trainer import train_gan

    torch.set_num_threads(COMPUTE_THREADS)
    marks: dict[str, float] = {}
    with RunStore(Path(tempfile.mkdtemp(prefix="bench-gan-job-"))) as store:
        for event in train_gan(GanConfig(epochs=epochs), store):
            if isinstance(event, GanSteps):
                seen(marks, event)
    return {"steps_per_s": marks["steps"] / (marks["last"] - marks["first"])}


def seen(marks: dict[str, float], event) -> None:
    """Steps/s bookkeeping from GanSteps events: from the first event's first step on."""
    marks.setdefault("first", time.perf_counter() - len(event.step) / event.steps_per_s)
    marks["last"], marks["steps"] = time.perf_counter(), int(event.step[-1]) + 1


def gui(epochs: int) -> dict:
    """Train in a shown GAN panel at window size, curves and samples live."""
    from core.runs.store import RunStore
    from core.training.gan_config import GanConfig
    from core.training.gan_events import GanFinished, GanSteps
    from gui.app import make_app
    from gui.compute import ComputeThread
    from gui.panels.gan import GanPanel
    from gui.tour import wait_for

    app = make_app()
    store = RunStore(Path(tempfile.mkdtemp(prefix="bench-gan-panel-")))
    compute = ComputeThread()
    panel = GanPanel(compute, store)
    panel.resize(1500, 900)
    panel.show()
    compute.start()
    wait_for(app, lambda: bool(compute.device_label))
    panel.form.set_config(GanConfig(epochs=epochs))
    marks: dict[str, float] = {}

    def on_event(_job: int, event: object) -> None:
        if isinstance(event, GanSteps):
            seen(marks, event)
        elif isinstance(event, GanFinished):
            marks["done"] = 1

    compute.event.connect(on_event)
    panel.start_training()
    wait_for(app, lambda: "done" in marks)
    frames = len(panel.samples.frames)
    compute.stop()
    store.close()
    return {"steps_per_s": marks["steps"] / (marks["last"] - marks["first"]), "frames": frames}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--threads", type=int, default=0, help="bare loop: torch threads (0: default)")
    p.add_argument("--child")
    a = p.parse_args()
    if a.child:
        jobs = {"bare": lambda: bare(a.threads), "job": lambda: job(a.epochs),
                "gui": lambda: gui(a.epochs)}
        print(json.dumps(jobs[a.child]()))
        return
    ratios, same, jobs, panel = [], [], [], []
    for _ in range(a.repeats):
        epochs, threads = ("--epochs", str(a.epochs)), ("--threads", str(COMPUTE_THREADS))
        run = {key: child(mode, *args, script=__file__) for key, mode, args in (
            ("bare", "bare", ()), ("bare1", "bare", threads), ("job", "job", epochs),
            ("gui", "gui", epochs))}
        b, b1, j, g = (run[k]["steps_per_s"] for k in ("bare", "bare1", "job", "gui"))
        ratios.append(g / b)
        same.append(g / b1)
        jobs.append(j / b1)
        panel.append(g / j)
        print(f"# bare {b:.1f}, bare with {COMPUTE_THREADS} thread(s) {b1:.1f}, job {j:.1f}, "
              f"gui {g:.1f} steps/s ({run['gui']['frames']} sample grids)", file=sys.stderr)
    print(f"gan_throughput_ratio: {statistics.median(ratios):.3f}")
    print(f"gan_throughput_ratio_same_threads: {statistics.median(same):.3f}")
    print(f"gan_job_ratio_same_threads: {statistics.median(jobs):.3f}")
    print(f"gan_panel_vs_job_ratio: {statistics.median(panel):.3f}")


if __name__ == "__main__":
    main()
