"""Occlusion benchmarks against Captum, in one process; prints `name: value` lines.

    python tests/benchmarks/bench_occlusion.py

- occlusion_vs_captum_default_{lenet28,vgg64}: DeepScope time / Captum Occlusion with
  perturbations_per_eval=1 (same model, image, window, stride, baseline, target).
- occlusion_vs_captum_best_{lenet28,vgg64}: / Captum at its best perturbations_per_eval.
- occlusion_first_partial_core_ms_lenet28: from the start of the job to its first partial map
  (core only; the panel adds drawing).
Every time is the fastest of several runs (see `timed`).
"""

from __future__ import annotations

import argparse
import time

import torch
from captum.attr import Occlusion
from torch import nn

from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.occlusion.maps import occlusion_job, occlusion_maps

CAPTUM_BATCHES = (1, 4, 16, 64, 256, 1024)


def vgg64() -> nn.Module:
    """Four 3x3 convs in two blocks, then two linear layers, for 64x64 RGB."""
    def block(cin: int, cout: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1),
                nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(*block(3, 32), *block(32, 64), nn.Flatten(),
                         nn.Linear(64 * 16 * 16, 128), nn.ReLU(), nn.Linear(128, 10))


def timed(fn, seconds: float = 1.0) -> float:
    """Fastest of at least 3 runs (more for quick ones, up to ~`seconds`), after a warm-up.

    The minimum, as timeit advises: on a shared machine other work only ever adds time, and
    Captum's best batch is already a minimum over six batch sizes.
    """
    first = _once(fn)  # warm-up, and a guess at the time one run takes
    return min(_once(fn) for _ in range(max(3, min(50, int(seconds / max(first, 1e-6))))))


def _once(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def case(name: str, model: nn.Module, shape: tuple[int, int, int], window: int, stride: int):
    torch.manual_seed(0)
    model.eval()
    image = torch.randn(shape)
    c = shape[0]
    ours = timed(lambda: occlusion_maps(model, image, 3, window, stride, 0.0))
    captum = Occlusion(lambda x: model(x).softmax(1))

    def run_captum(batch: int):
        with torch.inference_mode():
            captum.attribute(image[None], sliding_window_shapes=(c, window, window),
                             strides=(c, stride, stride), baselines=0.0, target=3,
                             perturbations_per_eval=batch)

    default = timed(lambda: run_captum(1))
    best = min(timed(lambda b=b: run_captum(b)) for b in CAPTUM_BATCHES)
    print(f"# {name}: deepscope {ours * 1000:.1f} ms, captum default {default * 1000:.1f} ms, "
          f"best {best * 1000:.1f} ms")
    print(f"occlusion_vs_captum_default_{name}: {ours / default:.3f}")
    print(f"occlusion_vs_captum_best_{name}: {ours / best:.3f}")
    return model, image


def first_partial_ms(model: nn.Module, image: torch.Tensor) -> float:
    start = time.perf_counter()
    job = occlusion_job(model, image, 3, 7, 2, 0.0, batch_size=16)
    next(e for e in job if e is not None)
    elapsed = time.perf_counter() - start
    job.close()
    return elapsed * 1000


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    lenet, image = case("lenet28", build_model(ModelSpec("lenet", 1, 28, 10)), (1, 28, 28), 7, 2)
    case("vgg64", vgg64(), (3, 64, 64), 8, 4)
    print(f"occlusion_first_partial_core_ms_lenet28: {first_partial_ms(lenet, image):.1f}")


if __name__ == "__main__":
    main()
