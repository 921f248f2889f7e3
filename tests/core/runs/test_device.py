"""Every loader follows core.device's policy, and the probing jobs (occlusion maps and probes,
split predictions, a judge's scores) run where it puts the model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from deepscope.core.data import DatasetImage
from deepscope.core.device import resolve_device
from deepscope.core.gan.scores import Judge
from deepscope.core.latent.events import RunRef
from deepscope.core.latent.jobs import GeneratorCache
from deepscope.core.occlusion.gallery import predict_split_job
from deepscope.core.occlusion.jobs import probe_job, run_job
from deepscope.core.occlusion.source import SourceCache
from deepscope.core.occlusion.spec import OcclusionSettings, Setup
from deepscope.core.runs.cache import ModelCache
from deepscope.core.runs.loader import load_classifier
from deepscope.core.runs.sources import RunModel
from tests.factories import save_classifier, save_gan

SETTINGS = OcclusionSettings(window=(7, 7), stride=(3, 3), occluder="noise", target="pred")


def test_every_loader_follows_the_policy(tmp_path: Path):
    save_classifier(tmp_path / "run")
    save_gan(tmp_path / "gan")
    policy = resolve_device().type
    source = RunModel(tmp_path / "run")
    judge = Judge.from_run(tmp_path / "run")
    generator = GeneratorCache().get(RunRef(str(tmp_path / "gan"), 8))[0]
    models = [load_classifier(source).model, ModelCache().classifier(source).model,
              SourceCache().classifier(source).model, judge.model, generator]
    assert {p.device.type for model in models for p in model.parameters()} == {policy}
    assert judge.device.type == policy
    assert load_classifier(source, "cpu").device == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA was requested"):
            load_classifier(source, "cuda")


@contextmanager
def input_devices(model: nn.Module) -> Iterator[set[str]]:
    """The device types of every input any of the model's modules sees within the block."""
    seen: set[str] = set()
    handles = [m.register_forward_pre_hook(lambda _m, args: seen.add(args[0].device.type))
               for m in model.modules()]
    try:
        yield seen
    finally:
        for handle in handles:
            handle.remove()


def probe(run: Path, device: str | None) -> dict:
    """Occlusion maps and a probe of one image, the test split's predictions and a judge's
    scores, with the device types of the parameters and the inputs behind them."""
    cache, model = SourceCache(device), RunModel(run)
    setup = Setup(model, DatasetImage(5), SETTINGS)
    clf = cache.classifier(model)
    with input_devices(clf.model) as seen:
        *_, maps = (e for e in run_job(cache, setup) if e is not None)
        (probed,) = probe_job(cache, setup, 1, 2)
        *_, predictions = predict_split_job(cache, model, "test", batch_size=100)
    judge = Judge.from_run(run, device)
    images = torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with input_devices(judge.model) as judged:
        scores = judge.score(images[:32], images[32:])
    params = {p.device.type for m in (clf.model, judge.model) for p in m.parameters()}
    return {"devices": params | seen | judged, "maps": maps, "probe": probed,
            "predictions": predictions, "scores": scores}


@pytest.mark.cuda
def test_probing_jobs_run_on_cuda_and_match_the_cpu(tmp_path: Path, monkeypatch):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    # cuDNN's default TF32 convolutions keep 10 mantissa bits: compare in full float32
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    save_classifier(tmp_path)
    cuda, cpu = probe(tmp_path, None), probe(tmp_path, "cpu")  # None: the policy picks CUDA
    assert cuda["devices"] == {"cuda"} and cpu["devices"] == {"cpu"}
    for name in ("probability", "pixel"):
        np.testing.assert_allclose(getattr(cuda["maps"], name), getattr(cpu["maps"], name),
                                   atol=1e-5)
    np.testing.assert_allclose([p for _, p in cuda["probe"].top5],
                               [p for _, p in cpu["probe"].top5], atol=1e-5)
    gpu, ref = cuda["predictions"], cpu["predictions"]
    np.testing.assert_allclose(gpu.confidence, ref.confidence, atol=1e-5)
    assert np.mean(gpu.predicted == ref.predicted) >= 0.99  # near-ties may flip
    for name in ("inception_score", "frechet_distance", "mean_max_prob"):
        assert getattr(cuda["scores"], name) == pytest.approx(getattr(cpu["scores"], name),
                                                              rel=1e-3)
