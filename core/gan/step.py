"""One adversarial training step: D and/or G updates with the configured loss and tricks.

Each step takes one real batch. Which networks it updates comes from the schedule; D's and G's
losses are reported at every step (from the forward passes the step needed anyway). The step's
metrics stay on the device as one small tensor (see METRICS); only the adaptive schedule reads
the losses on the host each step, because it must decide what to update next.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from ..models.gan import Generator, build_gan
from ..models.gan_spec import GanSpec
from ..models.latents import sample_prior
from ..training.optim import FUSED, gradient_norm
from .config import GanConfig
from .losses import (
    SMOOTH_REAL_LABEL,
    WGAN_LOSSES,
    clip_weights,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    mean_output,
)

METRICS = ("d_loss", "g_loss", "d_real", "d_fake", "wasserstein", "d_grad_norm", "g_grad_norm")
MAX_PHASE_STEPS = 10  # adaptive schedule: at most this many updates of one network in a row
REPLAY_BATCHES = 8  # generated batches the replay memory holds
EMA_WARMUP = 10  # EMA decay ramps up as (1 + n) / (EMA_WARMUP + n) over the first updates


def make_gan_optimizer(
    name: str, params, lr: float, betas: tuple[float, float]
) -> torch.optim.Optimizer:
    """Plain SGD (betas unused) or Adam."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, **FUSED)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, **FUSED)
    raise ValueError(f"unknown optimizer {name!r}")


class Schedule:
    """Which networks a step updates. fixed: D every step, G every d_steps-th step. adaptive:
    D while its loss > t_d, then G while its loss > t_g (each at most MAX_PHASE_STEPS in a row)."""

    def __init__(self, config: GanConfig) -> None:
        self.config = config
        self.count, self.phase = 0, "d"

    def plan(self) -> tuple[bool, bool]:
        """(update D, update G) for the next step."""
        if self.config.schedule == "adaptive":
            return self.phase == "d", self.phase == "g"
        return True, (self.count + 1) % self.config.d_steps == 0

    def observe(self, d_loss: torch.Tensor, g_loss: torch.Tensor) -> None:
        """Advance after a step; the adaptive schedule reads the step's losses (a host sync)."""
        self.count += 1
        if self.config.schedule != "adaptive":
            return
        loss, threshold = (d_loss, self.config.t_d) if self.phase == "d" else (g_loss,
                                                                              self.config.t_g)
        if float(loss) <= threshold or self.count >= MAX_PHASE_STEPS:
            self.phase, self.count = ("g" if self.phase == "d" else "d"), 0


class Replay:
    """Earlier generated images (and labels) that D sees again as half of each fake batch."""

    def __init__(self, capacity: int, gen: torch.Generator) -> None:
        self.capacity, self.gen, self.count = capacity, gen, 0
        self.images: torch.Tensor | None = None
        self.labels: torch.Tensor | None = None

    def mix(
        self, fake: torch.Tensor, labels: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The batch D sees: the first half fresh, the second half replayed; then remember it."""
        mixed, mixed_labels = fake, labels
        if self.count:
            half = len(fake) // 2
            pick = torch.randint(self.count, (len(fake) - half,), generator=self.gen,
                                 device=fake.device)
            mixed = torch.cat([fake[:half], self.images[pick]])
            if labels is not None:
                mixed_labels = torch.cat([labels[:half], self.labels[pick]])
        self.remember(fake, labels)
        return mixed, mixed_labels

    def remember(self, fake: torch.Tensor, labels: torch.Tensor | None) -> None:
        if self.images is None:
            self.images = fake.new_empty((self.capacity, *fake.shape[1:]))
            self.labels = torch.zeros(self.capacity, dtype=torch.long, device=fake.device)
        n = min(len(fake), self.capacity)
        free = min(n, self.capacity - self.count)
        slots = torch.arange(self.count, self.count + free, device=fake.device)
        if free < n:  # full: overwrite random slots
            slots = torch.cat([slots, torch.randint(self.capacity, (n - free,), generator=self.gen,
                                                    device=fake.device)])
        self.images[slots] = fake[:n]
        if labels is not None:
            self.labels[slots] = labels[:n]
        self.count += free


class Ema:
    """Exponential moving average of G's weights (buffers copied), always in eval mode."""

    def __init__(self, generator: Generator, decay: float) -> None:
        self.model = copy.deepcopy(generator).requires_grad_(False).eval()
        self.decay, self.updates = decay, 0

    @torch.no_grad()
    def update(self, generator: Generator) -> None:
        decay = min(self.decay, (1 + self.updates) / (EMA_WARMUP + self.updates))
        self.updates += 1
        torch._foreach_lerp_(list(self.model.parameters()), list(generator.parameters()),
                             1 - decay)
        for mine, theirs in zip(self.model.buffers(), generator.buffers(), strict=True):
            mine.copy_(theirs)


class Adversary:
    """G, D, their optimizers and the tricks; `step` trains on one real batch."""

    def __init__(
        self, config: GanConfig, spec: GanSpec, device: torch.device, gen: torch.Generator,
        batch_size: int,
    ) -> None:
        self.config, self.spec, self.device, self.gen = config, spec, device, gen
        self.g, self.d = (net.to(device) for net in build_gan(spec))
        c = config
        self.opt_d = make_gan_optimizer(c.d_optimizer, self.d.parameters(), c.d_lr,
                                        (c.d_beta1, c.d_beta2))
        self.opt_g = make_gan_optimizer(c.g_optimizer, self.g.parameters(), c.g_lr,
                                        (c.g_beta1, c.g_beta2))
        self.schedule = Schedule(config)
        self.replay = Replay(REPLAY_BATCHES * batch_size, gen) if c.replay else None
        self.ema = Ema(self.g, c.ema_decay) if c.ema else None
        smooth = c.label_smoothing and c.loss not in WGAN_LOSSES
        self.real_label = SMOOTH_REAL_LABEL if smooth else 1.0
        self.nan = torch.tensor(math.nan, device=device)

    @property
    def sampler(self) -> Generator:
        """The generator that makes samples and scores: the EMA of G when on, else G."""
        return self.ema.model if self.ema is not None else self.g

    def networks(self) -> nn.ModuleDict:
        """What a checkpoint holds: generator, discriminator and (if on) ema."""
        nets = {"generator": self.g, "discriminator": self.d}
        return nn.ModuleDict(nets | ({"ema": self.ema.model} if self.ema is not None else {}))

    def training_state(self) -> dict:
        """What a checkpoint keeps besides the networks, so that a resumed run goes on as if
        it had not stopped: both optimizers, the random stream, the schedule, the EMA's count
        and the replayed fakes."""
        state = {"d": self.opt_d.state_dict(), "g": self.opt_g.state_dict(),
                 "rng": self.gen.get_state(), "schedule": [self.schedule.count,
                                                           self.schedule.phase]}
        if self.ema is not None:
            state["ema_updates"] = self.ema.updates
        if self.replay is not None and self.replay.images is not None:
            r = self.replay
            state["replay"] = {"images": r.images, "count": r.count} | (
                {"labels": r.labels} if r.labels is not None else {})
        return state

    def restore(self, state: dict) -> None:
        """Take up a training_state (checkpoints from before it kept only the optimizers)."""
        self.opt_d.load_state_dict(state["d"])
        self.opt_g.load_state_dict(state["g"])
        if "rng" in state:
            self.gen.set_state(state["rng"])
        self.schedule.count, self.schedule.phase = state.get("schedule", (0, "d"))
        if self.ema is not None:
            self.ema.updates = state.get("ema_updates", 0)
        if self.replay is not None and (replay := state.get("replay")):
            self.replay.images = replay["images"].to(self.device)
            self.replay.labels = replay["labels"].to(self.device) if "labels" in replay else None
            self.replay.count = replay["count"]

    def latents(self, n: int) -> torch.Tensor:
        return sample_prior(n, self.spec.latent_dim, self.config.prior, self.gen)

    def step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """One step on a real batch; returns the METRICS as one device tensor."""
        update_d, update_g = self.schedule.plan()
        labels = y if self.spec.conditional else None
        with torch.set_grad_enabled(update_g):
            fake = self.g(self.latents(len(x)), labels)
        if update_d:
            d_loss, real_out, fake_out, d_norm = self.update_d(x, fake.detach(), labels)
        else:
            with torch.no_grad():
                real_out, d_norm = self.d(x, labels), self.nan
        if update_g:
            g_loss, fake_out, g_norm = self.update_g(fake, labels)
        else:
            g_loss, g_norm = generator_loss(self.config.loss, fake_out), self.nan
        if not update_d:
            d_loss = discriminator_loss(self.config.loss, real_out, fake_out, self.real_label)
        self.schedule.observe(d_loss, g_loss)
        return torch.stack([d_loss, g_loss, *self.outputs(real_out, fake_out), d_norm, g_norm])

    def outputs(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """D(x), D(G(z)) as shown, and the Wasserstein estimate (NaN unless WGAN)."""
        loss = self.config.loss
        gap = real.mean() - fake.mean() if loss in WGAN_LOSSES else self.nan
        return mean_output(loss, real), mean_output(loss, fake), gap

    def update_d(
        self, x: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor | None
    ) -> tuple[torch.Tensor, ...]:
        seen, seen_labels = self.replay.mix(fake, labels) if self.replay else (fake, labels)
        real_out, fake_out = self.d(x, labels), self.d(seen, seen_labels)
        loss = discriminator_loss(self.config.loss, real_out, fake_out, self.real_label)
        if self.config.loss == "wgan-gp":
            eps = torch.rand(len(x), 1, 1, 1, generator=self.gen, device=x.device)
            loss = loss + gradient_penalty(lambda m: self.d(m, labels), x, fake, eps)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        if self.config.loss == "wgan":
            clip_weights(self.d)
        norm = gradient_norm(self.opt_d).to(x.device)
        return loss.detach(), real_out.detach(), fake_out.detach(), norm

    def update_g(
        self, fake: torch.Tensor, labels: torch.Tensor | None
    ) -> tuple[torch.Tensor, ...]:
        self.d.requires_grad_(False)  # no weight gradients for D: only G steps here
        try:
            out = self.d(fake, labels)
        finally:
            self.d.requires_grad_(True)
        loss = generator_loss(self.config.loss, out)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        if self.ema is not None:
            self.ema.update(self.g)
        return loss.detach(), out.detach(), gradient_norm(self.opt_g).to(fake.device)
