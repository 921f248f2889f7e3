"""Training-dashboard benchmarks; prints `name: value` lines (ratios against same-run baselines).

    python tests/benchmarks/bench_training.py [--epochs N] [--repeats R]

- training_throughput_ratio: steps/s training LeNet on digits in the GUI with live curves,
  divided by a bare PyTorch loop (torch's default threads) on the same model, batch and data;
  each in a fresh process, each side the fastest of the repeats (other sessions share these
  cores); _median: the median of the repeats' paired ratios; _fused_baseline: the same
  against a bare loop with the app's fused Adam (the app's own overhead, kernels aside).
  One fresh process runs ~15% faster or slower than the next on these shared cores, so:
- training_throughput_ratio_in_process: in one window's process, the bare loop as a job on the
  compute thread and a run in the window take turns (R rounds); the median paired ratio.
- training_throughput_ratio_following: the same with the Filters & activations panel in front,
  following the run as it trains (its filters and maps redrawn at each epoch's checkpoint).
- ui_lateness_p99_ms, ui_lateness_max_ms: lateness of a 10 ms QTimer probe while training
  (in runs of their own: the probe's wake-ups would lower the throughput it runs beside).
- first_window_ratio: process start to first painted window / process start to `import torch`.
- memory_growth_mb: RSS growth over 10 train start/stop cycles (after one warm-up cycle).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BATCH = 64


def child(mode: str, *args: str, script: str = __file__) -> dict:
    """Run `script --child mode args` in a fresh offscreen process; its last line as JSON."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               XDG_CONFIG_HOME=tempfile.mkdtemp(prefix="bench-config-"))  # not the user's tab
    out = subprocess.run([sys.executable, script, "--child", mode, *args], env=env,
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bare_loop(epochs: int, fused: bool = False) -> Iterator[float | None]:
    """The same model, batch, data and optimizer; validation each epoch; no app, no store.
    Yields None after each step, then the steps/s. With `fused`, Adam uses the one-kernel
    update the app uses (torch's default on the CPU is one kernel per parameter)."""
    import torch
    import torch.nn.functional as F

    from deepscope.core.data.digits import load_digits
    from deepscope.core.data.split import channel_stats, split_indices
    from deepscope.core.models.build import build_model
    from deepscope.core.models.spec import ModelSpec

    ds = load_digits(28)
    train, val, _ = split_indices(len(ds), (0.7, 0.15, 0.15), 0)
    mean, std = channel_stats(ds.images[train])
    x_all, y_all = ds.images, ds.labels
    torch.manual_seed(0)
    model = build_model(ModelSpec("lenet", 1, 28, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused or None)
    steps_per_epoch = len(train) // BATCH
    model(torch.zeros(2, 1, 28, 28)).sum().backward()  # warm-up, as the app does
    start, steps = time.perf_counter(), 0
    for _ in range(epochs):
        for idx in train[torch.randperm(len(train))].tensor_split(steps_per_epoch):
            x = (x_all[idx].float() / 255 - mean[0]) / std[0]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y_all[idx]).backward()
            opt.step()
            steps += 1
            yield None
        with torch.inference_mode():  # validate once per epoch, as any real loop does
            x = (x_all[val].float() / 255 - mean[0]) / std[0]
            F.cross_entropy(model(x), y_all[val]).item()
    yield steps / (time.perf_counter() - start)


def bare(epochs: int, fused: bool = False) -> dict:
    """The bare loop on the main thread of a fresh process."""
    *_, rate = bare_loop(epochs, fused)
    return {"steps_per_s": rate}


def bench_window(epochs: int):
    """(app, window, training panel): the real window, Training tab in front (the curves are
    drawn only while shown), torch loaded, LeNet on digits configured."""
    from event_loop import wait

    from deepscope.app import make_app, make_window
    from deepscope.core.classifier.config import TrainConfig

    app = make_app()
    window = make_window(Path(os.environ.get("BENCH_RUNS", "/tmp/deepscope-bench-runs")))
    panel = window.show_panel("training")
    wait(app, lambda: bool(window.compute.device_label))
    panel.form.set_config(TrainConfig(model="lenet", epochs=epochs, batch_size=BATCH))
    return app, window, panel


def train_in_window(app, window, panel, follow: bool = False) -> float:
    """Steps/s of one training run in the window, from its first Steps event to its last;
    with `follow`, the features panel in front follows the run once it has a checkpoint."""
    from event_loop import wait, watching
    from PySide6.QtCore import QTimer

    from deepscope.core.classifier.events import RunFinished, Steps

    marks: dict[str, float] = {}

    def seen(event: object) -> None:
        if isinstance(event, Steps):
            marks.setdefault("first", time.perf_counter() - event.step_time * len(event.step))
            marks["last"], marks["steps"] = time.perf_counter(), int(event.step[-1]) + 1
        elif isinstance(event, RunFinished):
            marks["done"] = 1

    with watching(window.compute, seen) as running:
        panel.start_training()
        chooser = QTimer()
        if follow:
            window.show_panel("features")
            chooser.timeout.connect(lambda: choose_running(window, chooser))
            chooser.start(100)
        wait(app, lambda: "done" in marks and not running, timeout_s=600)
        chooser.stop()
    window.show_panel("training")
    return marks["steps"] / (marks["last"] - marks["first"])


def choose_running(window, chooser) -> None:
    """Pick the running run in the features panel once it is offered."""
    picker = window.panels["features"].model
    ids = [r.id for r in picker.runs]
    running = [r.id for r in picker.runs if r.status == "running"]
    if running:
        picker.run_combo.setCurrentIndex(ids.index(running[0]))
        chooser.stop()


def gui(epochs: int, probe: bool) -> dict:
    """Train in the real window with live curves shown; with `probe`, measure event-loop
    lateness meanwhile (a 10 ms timer: its own wake-ups cost the training ~1%, so the
    throughput runs go without it)."""
    from PySide6.QtCore import Qt, QTimer

    app, window, panel = bench_window(epochs)
    late: list[float] = []
    timer, last = QTimer(), [time.perf_counter()]
    timer.setTimerType(Qt.TimerType.PreciseTimer)

    def tick() -> None:
        now = time.perf_counter()
        late.append(max(0.0, (now - last[0]) * 1000 - 10))
        last[0] = now

    timer.timeout.connect(tick)
    if probe:
        timer.start(10)
    rate = train_in_window(app, window, panel)
    timer.stop()
    window.close()
    if probe:
        late.sort()
        return {"p99": late[int(0.99 * (len(late) - 1))], "max": late[-1]}
    return {"steps_per_s": rate}


def in_process(epochs: int, rounds: int, follow: bool = False) -> dict:
    """The bare loop as a job on the app's compute thread, then a run in the window, in turn:
    seconds apart in one process, so both meet the same load; the median paired ratio."""
    from event_loop import wait

    app, window, panel = bench_window(epochs)
    rates: list[float] = []

    def seen(event: object) -> None:
        if isinstance(event, float):
            rates.append(event)

    ratios = []
    for _ in range(rounds):
        window.compute.submit(lambda: bare_loop(epochs)).on(yielded=seen)
        wait(app, lambda: len(rates) > len(ratios), timeout_s=600)
        ratios.append(train_in_window(app, window, panel, follow) / rates[-1])
    window.close()
    return {"ratio": statistics.median(ratios), "low": min(ratios), "high": max(ratios)}


def first_window() -> dict:
    from PySide6.QtCore import QEvent, QObject

    from deepscope.app import make_app, make_window

    app = make_app()

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
            if event.type() == QEvent.Type.Paint:
                print(json.dumps({"t": time.time()}), flush=True)
                os._exit(0)
            return False

    painted = FirstPaint()
    window = make_window(Path("/tmp/deepscope-bench-runs"))
    window.installEventFilter(painted)
    window.update()
    app.exec()
    return {}


def import_torch() -> dict:
    import torch  # noqa: F401

    return {"t": time.time()}


def memory(cycles: int) -> dict:
    from event_loop import watching

    from deepscope.tour import waiter

    def rss_mb() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    app, window, panel = bench_window(epochs=100)
    wait = waiter(app)
    sizes = []
    for _ in range(cycles + 1):
        with watching(window.compute) as running:
            panel.start_training()
            wait(lambda: (c := panel.board.plots["loss"].curves.get("train")) is not None
                 and c.series.n > 40)
            panel.controls.stop()
            wait(lambda: not running)
        sizes.append(rss_mb())
    window.close()
    return {"growth": sizes[-1] - sizes[0]}


def paired_median(values: list[float], baselines: list[float]) -> float:
    return statistics.median(v / b for v, b in zip(values, baselines, strict=True))


def timed_start(mode: str) -> float:
    start = time.time()
    return child(mode)["t"] - start


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--child")
    p.add_argument("rest", nargs="*")
    a = p.parse_args()
    if a.child:
        jobs = {"bare": lambda: bare(a.epochs), "fused": lambda: bare(a.epochs, fused=True),
                "gui": lambda: gui(a.epochs, probe=False),
                "in_process": lambda: in_process(a.epochs, a.repeats),
                "following": lambda: in_process(a.epochs, a.repeats, follow=True),
                "probe": lambda: gui(a.epochs, probe=True), "window": first_window,
                "torch": import_torch, "memory": lambda: memory(10)}
        print(json.dumps(jobs[a.child]()))
        return
    bares, fused, guis, p99s, maxes = [], [], [], [], []
    epochs = ("--epochs", str(a.epochs))
    for _ in range(a.repeats):  # interleaved, so all sides see the same spells of load
        bares.append(child("bare", *epochs)["steps_per_s"])
        fused.append(child("fused", *epochs)["steps_per_s"])
        guis.append(child("gui", *epochs)["steps_per_s"])
        print(f"# bare {bares[-1]:.1f}, fused {fused[-1]:.1f}, gui {guis[-1]:.1f} steps/s",
              file=sys.stderr)
        probed = child("probe", *epochs)
        p99s.append(probed["p99"])
        maxes.append(probed["max"])
    print(f"training_throughput_ratio: {max(guis) / max(bares):.3f}")
    print(f"training_throughput_ratio_median: {paired_median(guis, bares):.3f}")
    print(f"training_throughput_ratio_fused_baseline: {paired_median(guis, fused):.3f}")
    same = child("in_process", *epochs, "--repeats", str(a.repeats))
    print(f"training_throughput_ratio_in_process: {same['ratio']:.3f}  "
          f"# rounds {same['low']:.2f}-{same['high']:.2f}")
    same = child("following", *epochs, "--repeats", str(a.repeats))
    print(f"training_throughput_ratio_following: {same['ratio']:.3f}  "
          f"# rounds {same['low']:.2f}-{same['high']:.2f}")
    print(f"ui_lateness_p99_ms: {statistics.median(p99s):.1f}")
    print(f"ui_lateness_max_ms: {max(maxes):.1f}")
    windows = [timed_start("window") for _ in range(a.repeats)]
    torches = [timed_start("torch") for _ in range(a.repeats)]
    print(f"first_window_ratio: {statistics.median(windows) / statistics.median(torches):.3f}")
    print(f"memory_growth_mb: {child('memory')['growth']:.1f}")


if __name__ == "__main__":
    main()
