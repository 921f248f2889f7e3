"""The latent panel's strip latency, in one process; prints `name: value` lines.

    python tests/benchmarks/bench_latent.py [--size PX --width W] [--idle S]

Each of REPEATS rounds types a new seed for A in the panel (a 16-frame slerp strip of the
default cGAN: z of 64, width 32, 28 px, or the size and width given; untrained weights cost the
same), then submits a job that times G on a batch of 16 on the compute thread (same thread,
same torch threads), so both see the same load on a shared machine. The app idles S seconds
(default 0.2, the event loop running) before each, as between a user's actions: after an idle
moment every step runs from cold caches, so the forward pass is timed the same way, as the
first thing its job does. Medians over the rounds:

- interpolation_strip_ms: from the seed typed to the large view painted with the new strip.
- interpolation_core_ms: from the core call on the compute thread to the uint8 frames shown
  in the panel (the strip set, before painting).
- interpolation_forward_ms: one forward pass of G on a batch of 16 after the same idle moment.
- interpolation_forward_warm_ms: the median of FORWARDS more passes back to back.
- interpolation_strip_ratio: strip / forward (the issue's figure). Goal <= 1.5.
- interpolation_core_ratio: core / forward.
- interpolation_render_ratio: the core call alone (latents, G, uint8 frames) / forward.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.event_loop import shown_panel, wait  # noqa: E402 (needs the path above)

REPEATS, FORWARDS, FRAMES = 30, 10, 16


def save_generator(store, config) -> None:
    """A GAN run of `config`'s generator with its untrained weights (one epoch checkpoint)."""
    import torch

    from deepscope.core.gan.trainer import gan_data, gan_spec
    from deepscope.core.models.gan import build_gan
    from deepscope.core.runs.checkpoint import checkpoint_path, save_checkpoint

    spec = gan_spec(config, gan_data(config, torch.device("cpu")))
    g, d = build_gan(spec)
    meta = {"config": config.to_dict(), "classes": [str(k) for k in range(10)], "epoch": 1}
    run = store.create_run(meta | {"model": asdict(spec)}, kind="gan")
    save_checkpoint(checkpoint_path(run.dir, 1), torch.nn.ModuleDict({"generator": g,
                                                                      "discriminator": d}),
                    spec, meta)
    store.set_status(run.id, "finished", "benchmark generator")


def forward_job(panel):
    """Time G on a batch of 16 on the compute thread; yields (the first pass, the median of
    the next FORWARDS) in ms."""
    import torch

    g, spec, _ = panel.jobs.cache().get(panel.info.run)
    z = torch.randn(FRAMES, spec.latent_dim)
    labels = torch.arange(FRAMES) % spec.num_classes
    times = []
    with torch.inference_mode():
        for _ in range(1 + FORWARDS):
            start = time.perf_counter()
            g(z, labels)
            times.append((time.perf_counter() - start) * 1000)
    yield times[0], statistics.median(times[1:])


@dataclass
class Clock:
    """What the benchmark times (perf_counter seconds)."""

    painted: list[tuple] = field(default_factory=list)  # (time, image) of large-view paints
    called: list[float] = field(default_factory=list)  # core calls that render frames
    rendered: list[float] = field(default_factory=list)  # how long each such call took (ms)
    shown: list[float] = field(default_factory=list)  # frames set in the panel
    forwards: list[tuple] = field(default_factory=list)  # (first, median) from forward_job


def idle(app, seconds: float) -> None:
    """Let the app sit idle, its event loop running, as between a user's actions."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


def forward_ms(app, compute, panel, clock: Clock) -> tuple[float, float]:
    """(the first forward pass of a job, the median of the next) in ms."""
    clock.forwards.clear()
    compute.submit(lambda: forward_job(panel)).on(yielded=clock.forwards.append)
    wait(app, lambda: clock.forwards)
    return clock.forwards[0]


def record_core_calls(clock: Clock) -> None:
    """The time of every core call that renders frames (on the compute thread)."""
    import deepscope.core.latent.jobs as jobs

    frames = jobs.frames

    def timed_frames(*args):
        clock.called.append(time.perf_counter())
        result = frames(*args)
        clock.rendered.append((time.perf_counter() - clock.called[-1]) * 1000)
        return result

    jobs.frames = timed_frames


def record_paints(clock: Clock) -> None:
    """(time, image) of every paint of the large frame view that showed an image."""
    from deepscope.panels.latent.view import FrameView

    paint = FrameView.paintEvent

    def timed_paint(view, event) -> None:
        paint(view, event)
        if view.image is not None:
            clock.painted.append((time.perf_counter(), view.image))

    FrameView.paintEvent = timed_paint


def record_panel(panel, clock: Clock) -> None:
    """When the panel has set new frames."""
    show_frames = panel.show_frames

    def timed_show(frames) -> None:
        show_frames(frames)
        clock.shown.append(time.perf_counter())

    panel.show_frames = timed_show


def strip_ms(app, panel, seed: int, clock: Clock) -> tuple[float, float, float]:
    """(ms from typing A's seed to the large view painted with a frame of the new strip,
    ms from the core call to the frames in the panel, ms of the core call itself)."""
    def painted_at() -> float | None:
        new = panel.sequence.images
        return next((t for t, image in clock.painted if any(image is im for im in new)), None)

    for times in (clock.painted, clock.called, clock.rendered, clock.shown):
        times.clear()
    start = time.perf_counter()
    panel.form.ends["A"].seed.setValue(seed)
    wait(app, lambda: panel.sequence.frames is not None
         and panel.sequence.frames.request.a.seed == seed and painted_at())
    return ((painted_at() - start) * 1000, (clock.shown[-1] - clock.called[-1]) * 1000,
            clock.rendered[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, help="image size in px (default: the default cGAN's)")
    p.add_argument("--width", type=int, default=32, help="the generator's width")
    p.add_argument("--idle", type=float, default=0.2, help="seconds idle before each timing")
    a = p.parse_args()
    from deepscope.app import make_app
    from deepscope.core.gan.config import GanConfig
    from deepscope.core.runs.store import RunStore
    from deepscope.panels.latent.panel import LatentPanel

    app, clock = make_app(), Clock()
    record_paints(clock)  # (before the view exists: Qt looks overrides up once)
    record_core_calls(clock)
    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(Path(tmp))
        save_generator(store, GanConfig(image_size=a.size, width=a.width))
        compute, panel = shown_panel(LatentPanel, store)
        wait(app, lambda: panel.info is not None and panel.sequence.frames is not None)
        record_panel(panel, clock)
        panel.form.steps.set(FRAMES)
        strip_ms(app, panel, 1, clock)  # warm-up
        forward_ms(app, compute, panel, clock)
        rounds = []
        for k in range(REPEATS):
            idle(app, a.idle)
            strip = strip_ms(app, panel, 100 + k, clock)
            idle(app, a.idle)
            rounds.append((*strip, *forward_ms(app, compute, panel, clock)))
        compute.stop()
        store.close()
    strip, core, render, forward, warm = (statistics.median(c) for c in zip(*rounds, strict=True))
    strips = [r[0] for r in rounds]
    print(f"# {REPEATS} rounds of a {FRAMES}-frame strip: {min(strips):.1f}-{max(strips):.1f} "
          f"ms; device {compute.device_label}; {a.size or 'default'} px, width {a.width}; "
          f"{a.idle} s idle before each")
    print(f"interpolation_strip_ms: {strip:.2f}")
    print(f"interpolation_core_ms: {core:.2f}")
    print(f"interpolation_forward_ms: {forward:.2f}")
    print(f"interpolation_forward_warm_ms: {warm:.2f}")
    print(f"interpolation_strip_ratio: {strip / forward:.2f}")
    print(f"interpolation_core_ratio: {core / forward:.2f}")
    print(f"interpolation_render_ms: {render:.2f}")
    print(f"interpolation_render_ratio: {render / forward:.2f}")
    print(f"interpolation_strip_ratio_warm: {strip / warm:.2f}  # against the warm forward")

if __name__ == "__main__":
    main()
