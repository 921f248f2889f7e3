"""The unit scan against one plain inference pass over the same images; prints `name: value`.

    python tests/benchmarks/bench_units.py [--repeats R]

- topk_scan_ratio_{lenet28,vgg32}: the scan of a layer (every channel's top-9, one pass, with
  the receptive fields of the units kept) / one inference pass over the same images at the
  same batch size. Goal <= 1.1. Interleaved repeats; the median of the paired ratios.
LeNet scans the embedded digits (1797 images); the 32 px mini-VGG scans 5000 procedural shapes.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from deepscope.core.data.load import load_dataset
from deepscope.core.data.sources import DatasetRef
from deepscope.core.features.units import unit_scan_job
from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.loader import Classifier, stat_tensor

BATCH = 256


def classifier(name: str, channels: int, size: int) -> Classifier:
    torch.manual_seed(0)
    spec = ModelSpec(name, channels, size, 10)
    device = torch.device("cpu")
    return Classifier(build_model(spec).eval(), tuple(map(str, range(10))),
                      stat_tensor((0.5,) * channels, device), stat_tensor((0.25,) * channels,
                                                                           device),
                      spec, DatasetRef("digits"), device)


def plain_pass(clf: Classifier, images: torch.Tensor) -> None:
    with torch.inference_mode():
        for start in range(0, len(images), BATCH):
            clf.model(clf.normalize(images[start : start + BATCH]))


def scan(clf: Classifier, data, layer: str) -> None:
    for _ in unit_scan_job(clf, data, np.arange(len(data)), layer, 9, BATCH):
        pass


def seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def case(name: str, clf: Classifier, data, layer: str, repeats: int) -> None:
    plain_pass(clf, data.images)  # warm-up of both: the first scan of a process also pays
    scan(clf, data, layer)  # ~0.3 s once for the receptive field's first backward passes
    ratios = []
    for _ in range(repeats):
        base = seconds(lambda: plain_pass(clf, data.images))
        ratios.append(seconds(lambda: scan(clf, data, layer)) / base)
    print(f"topk_scan_ratio_{name}: {statistics.median(ratios):.3f}")
    print(f"# {name}: {len(data)} images, layer {layer}, ratios "
          + ", ".join(f"{r:.3f}" for r in ratios))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    case("lenet28", classifier("lenet", 1, 28), load_dataset("digits", size=28),
         "features.conv2.act", args.repeats)
    shapes = load_dataset("shapes", size=32)
    shapes = type(shapes)(shapes.name, shapes.images[:5000], shapes.labels[:5000], shapes.classes)
    case("vgg32", classifier("mini-vgg", 3, 32), shapes, "features.conv4.act",
         args.repeats)


if __name__ == "__main__":
    main()
