"""Activation maximization's cost per step against the model's own forward and backward pass, in
one process; prints `name: value` lines.

    python tests/benchmarks/bench_dream.py [--device cpu|cuda] [--rounds R] [--seeds S]
        [--case NAME ...] [--cpu-time]

- dream_step_ratio_<case>: one step of `dream_job` (parameterization, transforms, forward,
  backward, Adam) on a class logit ÷ one forward pass and backward pass of the model to its
  input (the least any activation maximization computes), same input size and batch (one image
  per seed). The median of R rounds; in each, the sides time BLOCKS blocks of ~0.1 s in
  turns, and the fastest block of each side counts.
- With --cpu-time, on the CPU, one torch thread timed by its own CPU time: steadier on a busy
  machine, where the wall clock also counts the time the thread waits for a core.
- `# <case>`: the sides' fastest times, and a backward pass that also computes the weights'
  gradients (as training does) for scale.
Cases: lenet28 (LeNet, 28 px gray), vgg32 and resnet32 (the zoo's mini-vgg and mini-resnet,
32 px RGB), untrained (a step costs the same with any weights).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from deepscope.core.device import resolve_device
from deepscope.core.features.dream import dream_job
from deepscope.core.features.dream_settings import MAX_STEPS, DreamSettings
from deepscope.core.features.events import ClassTarget
from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.loader import Classifier

CASES = {"lenet28": ModelSpec("lenet", 1, 28, 10), "vgg32": ModelSpec("mini-vgg", 3, 32, 10),
         "resnet32": ModelSpec("mini-resnet", 3, 32, 10)}
TARGET = ClassTarget(3)
BLOCKS = 5  # timed blocks a side in a round, taking turns


def classifier(spec: ModelSpec, device: torch.device) -> Classifier:
    torch.manual_seed(0)
    stat = torch.full((spec.in_channels, 1, 1), 0.5, device=device)
    return Classifier(build_model(spec).to(device).eval(), tuple(map(str, range(10))), stat,
                      stat, spec, None, device)


@dataclass(frozen=True)
class Timer:
    device: torch.device
    clock: Callable[[], float] = time.perf_counter

    def __call__(self, fn: Callable[[], object], n: int) -> float:
        """Seconds per call over `n` calls back to back, the device's queue drained at both
        ends."""
        sync = torch.cuda.synchronize if self.device.type == "cuda" else (lambda: None)
        sync()
        start = self.clock()
        for _ in range(n):
            fn()
        sync()
        return (self.clock() - start) / n


def case(name: str, spec: ModelSpec, timed: Timer, rounds: int, seeds: int) -> None:
    device = timed.device
    clf = classifier(spec, device)
    settings = DreamSettings(steps=MAX_STEPS, seeds=tuple(range(seeds)), frame_every=MAX_STEPS)
    job = dream_job(clf, TARGET, settings)
    next(job)  # the first frame: settings checked, image built
    x = torch.randn(seeds, spec.in_channels, spec.image_size, spec.image_size, device=device,
                    requires_grad=True)

    def to_input() -> None:
        torch.autograd.grad(clf.model(x)[:, TARGET.klass].sum(), x)

    def to_weights() -> None:
        clf.model(x)[:, TARGET.klass].sum().backward()

    n = max(5, round(0.1 / timed(to_input, 5)))  # blocks of ~0.1 s,
    n = min(n, (MAX_STEPS - 1) // (BLOCKS * rounds))  # within the job's steps
    ratios, dream, base = [], [], []
    for _ in range(rounds):
        pairs = [(timed(lambda: next(job), n), timed(to_input, n))
                 for _ in range(BLOCKS)]
        dream.append(min(d for d, _ in pairs))
        base.append(min(b for _, b in pairs))
        ratios.append(dream[-1] / base[-1])
    job.close()
    weights = min(timed(to_weights, n) for _ in range(3))
    print(f"# {name}: dream step {min(dream) * 1e3:.3f} ms, forward+backward to the input "
          f"{min(base) * 1e3:.3f} ms, with the weights' gradients {weights * 1e3:.3f} ms; "
          f"rounds {min(ratios):.2f}-{max(ratios):.2f}, batch {seeds}, {device}")
    print(f"dream_step_ratio_{name}: {statistics.median(ratios):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=len(DreamSettings().seeds))
    parser.add_argument("--case", action="append", choices=CASES, help="(default: all)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="on the CPU, one torch thread timed by its CPU time")
    args = parser.parse_args()
    if args.cpu_time:
        torch.set_num_threads(1)
    timed = (Timer(torch.device("cpu"), time.thread_time) if args.cpu_time
             else Timer(resolve_device(args.device)))
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name in args.case or CASES:
        case(name, CASES[name], timed, args.rounds, args.seeds)


if __name__ == "__main__":
    main()
