"""GAN training as a generator job, in the run loop every trainer shares (training.loop).

The job yields ``None`` after every step (a tick: the driver may pause or cancel there) and a
frozen event from deepscope.core.gan.events whenever there is something to show. Per-step
metrics stay on the device and reach the host once per emission. The run lives in the run store
with kind "gan": step and epoch metrics, an epoch checkpoint of G, D and the EMA of G
(safetensors), and the sample timeline of the fixed latents in `samples/`.

Mode-collapse indicator (`diversity`): the mean pairwise L2 distance between generated images
divided by the same for as many real images: about 1 when samples vary like the data, towards
0 when the generator collapses. With a judge, `classes_covered` tells the same story by class.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import NamedTuple

import torch
from torch import nn

from ..data.export import to_uint8
from ..data.load import load_dataset
from ..device import device_label, resolve_device
from ..jobs.pacing import EMIT_INTERVAL
from ..models.gan import generate, sample_labels
from ..models.gan_spec import GanSpec
from ..models.latents import sample_prior
from ..runs.generators import load_samples, save_samples
from ..runs.store import RunStore
from ..training.data import DeviceData
from ..training.job import MetricBuffer
from ..training.loop import RunLoop
from .config import GanConfig, problems
from .events import GanEpochEnd, GanFinished, GanSamples, GanStarted, GanSteps
from .scores import GanScores, Judge
from .step import METRICS, Adversary

SAMPLE_GRID = 64  # images of fixed latents per GanSamples event
SCORE_SAMPLES = 1000  # generated (and real) images the judge scores at each epoch end
DIVERSITY_SAMPLES = 256  # without a judge, the epoch's diversity needs fewer


def gan_data(config: GanConfig, device: torch.device) -> DeviceData:
    """Every image of the dataset on the device, served in [-1, 1] (tanh) or [0, 1].

    Official test images included, on purpose: a GAN has no test split (nothing is scored on
    held-out images), so it learns from all of them."""
    root = Path(config.data_root) if config.data_root else None
    ds = load_dataset(config.dataset, root=root, size=config.image_size, seed=config.seed)
    if len(ds) == 0:
        raise ValueError(f"dataset {config.dataset} holds no images")
    mean, std = (0.5, 0.5) if config.scale_tanh else (0.0, 1.0)
    empty = torch.empty(0, dtype=torch.long, device=device)
    return DeviceData(
        images=ds.images.to(device), labels=ds.labels.to(device),
        train=torch.arange(len(ds), device=device), val=empty, test=empty,
        mean=(mean,) * ds.channels, std=(std,) * ds.channels, classes=ds.classes,
    )


def gan_spec(config: GanConfig, data: DeviceData) -> GanSpec:
    """The architecture the config asks for; D has no batch norm under WGAN-GP (its penalty is
    per image, which batch statistics would couple)."""
    return GanSpec(
        config.model, config.latent_dim, data.channels, data.size,
        len(data.classes) if config.model == "cgan" else 0, config.width,
        g_batch_norm=config.batch_norm,
        d_batch_norm=config.batch_norm and config.loss != "wgan-gp",
        leaky_relu=config.leaky_relu, tanh=config.scale_tanh,
    )


def spread(images01: torch.Tensor) -> float:
    """Mean pairwise L2 distance between images (NaN for fewer than two)."""
    if len(images01) < 2:
        return float("nan")
    return float(torch.pdist(images01.flatten(1).double()).mean())


class Reference(NamedTuple):
    """Seeded latents (and cGAN labels) to sample, and as many real images to compare with."""

    z: torch.Tensor
    labels: torch.Tensor | None
    real01: torch.Tensor
    real_spread: float

    def diversity(self, fake01: torch.Tensor) -> float:
        """Mode-collapse indicator: spread of generated images / spread of the real ones."""
        return spread(fake01) / self.real_spread if self.real_spread > 0 else float("nan")


class GanRun(RunLoop):
    """A GAN's training run in the run loop: the adversary (G, D, their optimizers, replay and
    EMA), samples of fixed latents, their diversity and the judge's scores."""

    kind = "gan"
    advice = "Try lower learning rates."
    config: GanConfig

    def __init__(self, config: GanConfig, store: RunStore, emit_interval: float,
                 resume: str | None = None) -> None:
        if found := problems(config):
            raise ValueError("invalid GAN configuration: " + "; ".join(found))
        device = resolve_device(config.device)
        self.judge = None
        if config.classifier:  # before the run exists: a wrong judge creates no run
            self.judge = Judge.from_run(Path(config.classifier), device)
        data = gan_data(config, device)
        self.spec = gan_spec(config, data)
        torch.manual_seed(config.seed)
        n = len(data.train)
        steps_per_epoch = max(1, n // min(config.batch_size, n))
        super().__init__(config, store, emit_interval, device, data, steps_per_epoch,
                         MetricBuffer())
        self.adversary = Adversary(config, self.spec, device, self.gen,
                                   -(-n // steps_per_epoch))
        self.fixed = self.reference(SAMPLE_GRID, config.seed)
        self.scored = self.reference(SCORE_SAMPLES if self.judge else DIVERSITY_SAMPLES,
                                     config.seed + 1)
        self.meta = {"config": config.to_dict(), "classes": list(data.classes)}
        self.last: GanEpochEnd | None = None
        self.open(resume, self.meta | {"model": asdict(self.spec)})

    def load_state(self, state: dict, training_state: dict | None, meta: dict) -> None:
        """Networks, optimizers, random stream, schedule, EMA and replay as they were."""
        done = self.first_epoch - 1
        if done >= self.config.epochs:
            raise ValueError(f"run {self.run.id} has done {done} of {self.config.epochs} "
                             "epochs: ask for more epochs to continue it")
        self.adversary.networks().load_state_dict(state)
        self.adversary.restore(training_state or {})

    def networks(self) -> nn.ModuleDict:
        return self.adversary.networks()

    def training_state(self) -> dict:
        return self.adversary.training_state()

    def reference(self, n: int, seed: int) -> Reference:
        """n seeded latents (labels cycling over the classes for a cGAN) and up to n real
        images in [0, 1]: the same every epoch, whatever the device."""
        cpu = torch.Generator().manual_seed(seed)
        z = sample_prior(n, self.spec.latent_dim, self.config.prior, cpu).to(self.device)
        pick = torch.randperm(len(self.data.images), generator=cpu)[:n].to(self.device)
        real = self.data.images[pick].float() / 255
        return Reference(z, sample_labels(self.spec, n, device=self.device), real, spread(real))

    def sample(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """Images in [0, 1] from the sampling generator (the EMA of G when on), in eval mode."""
        g = self.adversary.sampler
        was_training = g.training
        images = generate(g.eval(), z, labels)
        g.train(was_training)
        return images

    def started(self) -> GanStarted:
        d = self.data
        labels = self.fixed.labels
        return GanStarted(
            self.run.id, str(self.run.dir), device_label(self.device), self.steps_per_epoch,
            self.steps_per_epoch * self.config.epochs, (d.channels, d.size, d.size), d.classes,
            self.spec.conditional, None if labels is None else labels.cpu().numpy(), self.step,
        )

    def history(self) -> Iterator[GanSamples]:
        """A resumed run's sample grids up to where it goes on, as they were first shown."""
        for step, images, labels, diversity in load_samples(self.run.dir):
            if step <= self.step:
                yield GanSamples(-(-step // self.steps_per_epoch), step, images, labels,
                                 diversity)

    def train_step(self, idx: torch.Tensor) -> None:
        self.buffer.add(self.step, self.adversary.step(*self.data.batch(idx)), len(idx))

    def step_event(self, epoch: int) -> GanSamples | None:
        """The fixed latents' samples every `samples_every` steps."""
        return self.samples(epoch) if self.step % self.config.samples_every == 0 else None

    def take_steps(self, epoch: int, wall: float) -> GanSteps:
        step, values, timing = self.buffer.take()
        return GanSteps(epoch=epoch, step=step, wall=wall, **timing,
                        **dict(zip(METRICS, values.T, strict=True)))

    def samples(self, epoch: int) -> GanSamples:
        ref = self.fixed
        images = self.sample(ref.z, ref.labels)
        grid = to_uint8(images)
        labels = None if ref.labels is None else ref.labels.cpu().numpy()
        diversity = ref.diversity(images)
        save_samples(self.run.dir, self.step, grid, labels, diversity)
        return GanSamples(epoch, self.step, grid, labels, diversity)

    def end_epoch(self, epoch: int) -> tuple[GanEpochEnd]:
        """Score, checkpoint and log the epoch."""
        ref = self.scored
        images = self.sample(ref.z, ref.labels)
        scores = self.judge.score(images, ref.real01) if self.judge else None
        means = self.epoch_means("d_loss", "g_loss", "d_real", "d_fake", "wasserstein")
        self.last = GanEpochEnd(epoch, self.step, **means, seconds=self.seconds,
                                diversity=ref.diversity(images), scores=scores)
        self.save_epoch(epoch)
        self.store.log_epoch(self.run.id, epoch, epoch_row(self.last))
        return (self.last,)

    def finish(self, status: str, message: str) -> GanFinished:
        """A finished run's message sums up its last epoch."""
        return GanFinished(status, message or summary(self.last), self.run.id,
                           str(self.run.dir))


def epoch_row(end: GanEpochEnd) -> dict[str, float]:
    """The run store's epoch metrics, with the judge's scores under their CLI names."""
    row = {k: v for k, v in asdict(end).items() if k not in ("epoch", "scores")}
    if end.scores is not None:
        s = end.scores.to_dict()
        row |= {k: s[k] for k in ("classifier_is", "classifier_fd", "mean_max_prob",
                                  "classes_covered")}
    return row


def summary(end: GanEpochEnd | None) -> str:
    """A line about the last epoch: its diversity and, with a judge, its main scores."""
    if end is None:
        return ""
    text = f"epoch {end.epoch}, diversity {end.diversity:.2f}"
    scores: GanScores | None = end.scores
    if scores is not None:
        text += (f", mean max-probability {scores.mean_max_prob:.3f}, "
                 f"{scores.classes_covered} classes covered ({scores.classifier})")
    return text


def resume_config(store: RunStore, run_id: str, epochs: int | None = None) -> GanConfig:
    """The stored configuration of a GAN run, optionally with more epochs."""
    config = GanConfig.from_dict(store.config_of(run_id, "gan"))
    return config if epochs is None else replace(config, epochs=epochs)


def train_gan(config: GanConfig, store: RunStore, emit_interval: float = EMIT_INTERVAL,
              resume: str | None = None) -> Iterator:
    """Train a GAN: yields None per step (a tick) and events from deepscope.core.gan.events.
    With `resume`, continue that stored run (see GanRun.restore)."""
    yield from GanRun(config, store, emit_interval, resume).steps()
