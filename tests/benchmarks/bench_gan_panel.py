"""GAN panel benchmark; prints `name: value` lines (ratios against same-run baselines).

    python tests/benchmarks/bench_gan_panel.py [--epochs N] [--repeats R]

- gan_throughput_ratio: steps/s of the default GAN (cGAN on digits, batch 64) trained in the
  GAN panel with live curves and sample grids, divided by bench_gan's bare PyTorch loop on the
  same models and batch (torch's default threads); each in a fresh process, each side the
  fastest of the repeats (other sessions share these cores); _median: the median of the
  repeats' paired ratios (one fresh process runs ~15% faster or slower than the next, so one
  lucky run moves the fastest-of-each ratio; the paired median is the steadier figure).
- gan_job_ratio: the headless train_gan job (events, store, samples, checkpoints, no GUI) as
  `deepscope train-gan` runs it, against that bare loop, to tell the trainer's share of the
  cost from the GUI's; gan_panel_vs_job_ratio: the panel against that job (the live views').
- gan_throughput_ratio_in_process: in one panel's process, the bare loop as a job on the compute
  thread and a run in the panel take turns (R rounds); the median paired ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import child, paired_median  # noqa: E402  (a sibling, not a package)

BARE_STEPS = 300


def bare() -> dict:
    from bench_gan import bare_steps_per_s

    return {"steps_per_s": bare_steps_per_s(BARE_STEPS, 0)}


def job(epochs: int) -> dict:
    """The headless job, driven as the CLI drives it (events read, not shown)."""
    from deepscope.core.gan.config import GanConfig
    from deepscope.core.gan.events import GanSteps
    from deepscope.core.gan.trainer import train_gan
    from deepscope.core.runs.store import RunStore

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


def shown_gan_panel(epochs: int):
    """(app, compute thread, panel, store): a GAN panel shown at window size, torch loaded."""
    from event_loop import shown_panel, wait

    from deepscope.app import make_app
    from deepscope.core.gan.config import GanConfig
    from deepscope.core.runs.store import RunStore
    from deepscope.panels.gan.panel import GanPanel

    app = make_app()
    store = RunStore(Path(tempfile.mkdtemp(prefix="bench-gan-panel-")))
    compute, panel = shown_panel(GanPanel, store, (1500, 900))
    wait(app, lambda: bool(compute.device_label))
    panel.form.set_config(GanConfig(epochs=epochs))
    return app, compute, panel, store


def train_in_panel(app, compute, panel) -> float:
    """Steps/s of one run in the panel, curves and samples live."""
    from event_loop import wait, watching

    from deepscope.core.gan.events import GanFinished, GanSteps

    marks: dict[str, float] = {}

    def on_event(event: object) -> None:
        if isinstance(event, GanSteps):
            seen(marks, event)
        elif isinstance(event, GanFinished):
            marks["done"] = 1

    with watching(compute, on_event) as running:
        panel.start_training()
        wait(app, lambda: "done" in marks and not running, timeout_s=900)
    return marks["steps"] / (marks["last"] - marks["first"])


def gui(epochs: int) -> dict:
    """Train in a shown GAN panel at window size, curves and samples live."""
    app, compute, panel, store = shown_gan_panel(epochs)
    rate = train_in_panel(app, compute, panel)
    compute.stop()
    store.close()
    return {"steps_per_s": rate}


def in_process(epochs: int, rounds: int) -> dict:
    """The bare loop as a job on the panel's compute thread, then a run in the panel, in turn:
    seconds apart in one process, so both meet the same load; the median paired ratio."""
    from bench_gan import bare_loop
    from event_loop import wait

    app, compute, panel, store = shown_gan_panel(epochs)
    rates: list[float] = []

    def seen_rate(event: object) -> None:
        if isinstance(event, float):
            rates.append(event)

    ratios = []
    for _ in range(rounds):
        compute.submit(lambda: bare_loop(BARE_STEPS, 0)).on(yielded=seen_rate)
        wait(app, lambda: len(rates) > len(ratios), timeout_s=600)
        ratios.append(train_in_panel(app, compute, panel) / rates[-1])
    compute.stop()
    store.close()
    return {"ratio": statistics.median(ratios), "low": min(ratios), "high": max(ratios)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--child")
    a = p.parse_args()
    if a.child:
        jobs = {"bare": bare, "job": lambda: job(a.epochs), "gui": lambda: gui(a.epochs),
                "in_process": lambda: in_process(a.epochs, a.repeats)}
        print(json.dumps(jobs[a.child]()))
        return
    runs: dict[str, list[float]] = {"bare": [], "job": [], "gui": []}
    for _ in range(a.repeats):  # interleaved, so all sides see the same spells of load
        epochs = ("--epochs", str(a.epochs))
        for mode, args in (("bare", ()), ("job", epochs), ("gui", epochs)):
            runs[mode].append(child(mode, *args, script=__file__)["steps_per_s"])
        print("# " + ", ".join(f"{k} {v[-1]:.1f}" for k, v in runs.items()) + " steps/s",
              file=sys.stderr)
    b, j, g = (max(runs[k]) for k in ("bare", "job", "gui"))
    print(f"gan_throughput_ratio: {g / b:.3f}")
    print(f"gan_throughput_ratio_median: {paired_median(runs['gui'], runs['bare']):.3f}")
    print(f"gan_job_ratio: {j / b:.3f}")
    print(f"gan_job_ratio_median: {paired_median(runs['job'], runs['bare']):.3f}")
    print(f"gan_panel_vs_job_ratio: {g / j:.3f}")
    print(f"gan_panel_vs_job_ratio_median: {paired_median(runs['gui'], runs['job']):.3f}")
    same = child("in_process", "--epochs", str(a.epochs), "--repeats", str(a.repeats),
                 script=__file__)
    print(f"gan_throughput_ratio_in_process: {same['ratio']:.3f}  "
          f"# rounds {same['low']:.2f}-{same['high']:.2f}")


if __name__ == "__main__":
    main()
