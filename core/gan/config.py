"""GAN training configuration and its validation (torch-free, safe for the GUI to import)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..models.gan_spec import GAN_MODELS, MAX_GAN_SIZE, MIN_GAN_SIZE, PRIORS
from ..training.config import RunConfig, choice, keep_problems, run_problems

GAN_LOSSES = ("minimax", "ns", "wgan", "wgan-gp")
GAN_OPTIMIZERS = ("sgd", "adam")
GAN_SCHEDULES = ("fixed", "adaptive")


@dataclass(frozen=True)
class GanConfig(RunConfig):
    """Everything that defines a GAN training run.

    schedule "fixed": D is updated every step and G every `d_steps`-th step. "adaptive": D is
    updated while its loss > t_d, then G while its loss > t_g, and so on (at most
    MAX_PHASE_STEPS updates in a row). SGD ignores the betas. The EMA's decay ramps up as
    (1 + n) / (10 + n) over the first G updates, so the average soon forgets the random start.
    `classifier` names a classifier run (folder) trained on the same data that judges the
    generator every epoch. The defaults (a cGAN on digits) pass issue 4's quality bar.
    """

    dataset: str = "digits"
    data_root: str | None = None
    image_size: int | None = None
    model: str = "cgan"
    latent_dim: int = 64
    prior: str = "gaussian"
    width: int = 32
    loss: str = "ns"
    d_optimizer: str = "adam"
    d_lr: float = 2e-4
    d_beta1: float = 0.5
    d_beta2: float = 0.999
    g_optimizer: str = "adam"
    g_lr: float = 2e-4
    g_beta1: float = 0.5
    g_beta2: float = 0.999
    schedule: str = "fixed"
    d_steps: int = 1
    t_d: float = 1.0
    t_g: float = 1.0
    scale_tanh: bool = True  # data in [-1, 1] and a tanh output, else [0, 1] and a sigmoid
    batch_norm: bool = True
    leaky_relu: bool = True
    label_smoothing: bool = True  # one-sided: D's real target 0.9 (minimax and ns only)
    replay: bool = False  # half of each fake batch D sees comes from earlier generated batches
    ema: bool = True  # samples, scores and `sample` use an exponential moving average of G
    ema_decay: float = 0.999
    epochs: int = 20
    batch_size: int = 64
    seed: int = 0
    device: str = "auto"
    samples_every: int = 50  # steps between sample grids of the fixed latents
    classifier: str | None = None
    keep_epochs: int | None = 50  # epoch checkpoints a run keeps (runs.retention); None: all


def _optimizer_problems(who: str, name: str, lr: float, betas: tuple[float, float]) -> list[str]:
    found = choice(f"{who} optimizer", name, GAN_OPTIMIZERS)
    if not 0 < lr <= 10:
        found.append(f"{who} learning rate must be in (0, 10]")
    if not all(0 <= b < 1 for b in betas):
        found.append(f"{who} betas must be in [0, 1)")
    return found


def problems(config: GanConfig) -> list[str]:
    """Every reason the config cannot run, as messages a user can act on (empty when valid)."""
    c = config
    found = run_problems(c.dataset, c.device, c.epochs, c.batch_size)
    if c.image_size is not None and not MIN_GAN_SIZE <= c.image_size <= MAX_GAN_SIZE:
        found.append(f"image size must be between {MIN_GAN_SIZE} and {MAX_GAN_SIZE}")
    found += keep_problems(c.keep_epochs)
    found += choice("model", c.model, GAN_MODELS)
    found += choice("prior", c.prior, PRIORS)
    found += choice("loss", c.loss, GAN_LOSSES)
    found += choice("schedule", c.schedule, GAN_SCHEDULES)
    found += _optimizer_problems("D", c.d_optimizer, c.d_lr, (c.d_beta1, c.d_beta2))
    found += _optimizer_problems("G", c.g_optimizer, c.g_lr, (c.g_beta1, c.g_beta2))
    if not 1 <= c.latent_dim <= 4096:
        found.append("latent size must be between 1 and 4096")
    if not 4 <= c.width <= 512:
        found.append("width must be between 4 and 512")
    if not 1 <= c.d_steps <= 100:
        found.append("D steps per G step must be between 1 and 100")
    if not (math.isfinite(c.t_d) and math.isfinite(c.t_g)):
        found.append("adaptive thresholds t_d and t_g must be finite numbers")
    if not 0 < c.ema_decay < 1:
        found.append("EMA decay must be in (0, 1)")
    if c.samples_every < 1:
        found.append("samples every must be at least 1 step")
    return found
