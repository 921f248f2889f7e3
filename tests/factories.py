"""Stored runs as training leaves them, for every test that needs one: a classifier run (its
record, config, classes, statistics and a `best` checkpoint) and a GAN run (its record and
epoch checkpoints). Untrained unless a test asks for training: an untrained LeNet saves in
milliseconds, training one on digits takes about a second an epoch here.

Qt-free and importing nothing of the app above deepscope.core: the core tests use these with
Qt blocked (DEEPSCOPE_NO_QT=1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from deepscope.core.classifier import TrainConfig, train
from deepscope.core.gan.config import GanConfig
from deepscope.core.gan.trainer import train_gan
from deepscope.core.models.build import build_model
from deepscope.core.models.gan import Generator, build_gan
from deepscope.core.models.gan_spec import GanSpec
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.checkpoint import checkpoint_path, save_checkpoint
from deepscope.core.runs.store import RunInfo, RunStore

LENET = ModelSpec("lenet", 1, 28, 10)
TINY_GAN = GanSpec("dcgan", 8, 1, 16, width=4)
DIGITS = tuple(str(k) for k in range(10))
STEPS_PER_EPOCH = 10  # what a stored GAN's checkpoints say (training's depends on the data)


def classifier_meta(spec: ModelSpec = LENET, classes: Sequence[str] | None = None,
                    mean: float = 0.3, std: float = 0.4, **config: object) -> dict:
    """What classifier training stores with a run and its checkpoints: the config (digits,
    `spec`'s model, any `config` changes), the classes and per-channel statistics."""
    classes = DIGITS[:spec.num_classes] if classes is None else classes
    return {"config": TrainConfig(model=spec.name, **config).to_dict(), "classes": list(classes),
            "mean": [mean] * spec.in_channels, "std": [std] * spec.in_channels}


def classifier_record(spec: ModelSpec = LENET, **config: object) -> dict:
    """A classifier run's record in the store: its meta and its model spec."""
    return classifier_meta(spec, **config) | {"model": asdict(spec)}


def save_classifier(folder: Path, name: str | int = "best", *, spec: ModelSpec = LENET,
                    seed: int = 0, meta: dict | None = None) -> nn.Module:
    """An untrained classifier (the same weights for the same seed) saved as checkpoint `name`
    of a run folder with `meta` (default: classifier_meta(spec)); returned in eval mode."""
    torch.manual_seed(seed)
    model = build_model(spec)
    save_checkpoint(checkpoint_path(folder, name), model, spec,
                    classifier_meta(spec) if meta is None else meta)
    return model.eval()


def stored_classifier(store: RunStore, *, spec: ModelSpec = LENET, status: str = "finished",
                      message: str = "", **config: object) -> RunInfo:
    """A classifier run in `store` with an untrained `best` checkpoint (seeded by the config's
    seed, as training seeds its model), ended with `status`."""
    meta = classifier_meta(spec, **config)
    run = store.create_run(meta | {"model": asdict(spec)})
    save_classifier(run.dir, spec=spec, seed=meta["config"]["seed"], meta=meta)
    store.set_status(run.id, status, message)
    return store.get(run.id)


def trained_classifier(store: RunStore) -> RunInfo:
    """A LeNet run trained for real on digits: above 80% test accuracy in 3 epochs."""
    done = [e for e in train(TrainConfig(epochs=3), store) if e is not None][-1]
    assert done.status == "finished" and done.test_acc > 0.8, done.message
    return store.get(done.run_id)


def gan_meta(spec: GanSpec = TINY_GAN, **config: object) -> dict:
    """What GAN training stores with a run: the config (digits, `spec`'s model, latent size,
    width and image size, any `config` changes) and the classes."""
    settings = {"model": spec.name, "latent_dim": spec.latent_dim, "width": spec.width,
                "image_size": spec.image_size} | config
    return {"config": GanConfig(**settings).to_dict(), "classes": list(DIGITS)}


def gan_record(spec: GanSpec = TINY_GAN, **config: object) -> dict:
    """A GAN run's record in the store: its meta and its networks' spec."""
    return gan_meta(spec, **config) | {"model": asdict(spec)}


def save_gan(folder: Path, epoch: int = 1, *, spec: GanSpec = TINY_GAN, ema: bool = True,
             meta: dict | None = None) -> nn.ModuleDict:
    """Untrained networks (seeded by `epoch`) saved as epoch checkpoint `epoch` of a GAN run
    folder, as training saves them: generator, discriminator and, with `ema`, the moving
    average of G. The checkpoint's meta is the epoch, its step and `meta` (default:
    gan_meta(spec)). Returned in eval mode."""
    torch.manual_seed(epoch)
    g, d = build_gan(spec)
    nets = nn.ModuleDict({"generator": g, "discriminator": d}
                         | ({"ema": Generator(spec)} if ema else {}))
    meta = gan_meta(spec, ema=ema) if meta is None else meta
    save_checkpoint(checkpoint_path(folder, epoch), nets, spec,
                    {"epoch": epoch, "step": epoch * STEPS_PER_EPOCH} | meta)
    return nets.eval()


def stored_gan(store: RunStore, *, spec: GanSpec = TINY_GAN, epochs: int = 1,
               status: str = "finished", **config: object) -> RunInfo:
    """A GAN run in `store` with an untrained epoch checkpoint for each of 1..`epochs`."""
    meta = gan_meta(spec, epochs=epochs, **config)
    run = store.create_run(meta | {"model": asdict(spec)}, kind="gan")
    for epoch in range(1, epochs + 1):
        save_gan(run.dir, epoch, spec=spec, ema=meta["config"]["ema"], meta=meta)
    store.set_status(run.id, status)
    return store.get(run.id)


DIGITS_GAN = GanConfig(model="dcgan", width=32, epochs=5)


def trained_digits_gan(store: RunStore) -> Path:
    """A DCGAN trained for real on digits (5 epochs of width 32: ~6 s on 2 cores): it draws
    digits the trained LeNet reads. Its run folder."""
    done = [e for e in train_gan(DIGITS_GAN, store) if e is not None][-1]
    assert done.status == "finished", done.message
    return Path(done.run_dir)
