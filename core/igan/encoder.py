"""The inverting network: E maps an image to the latent G would draw it from, trained on G's own
samples (iGAN's "predict z"), and saved beside the run as safetensors for the checkpoint it
was trained on; a newer checkpoint (a run still training) makes it stale, and it is retrained.

E halves the image with stride-2 convolutions as D does, then a linear layer gives w, and
z = support(w) (igan.support), so its guess lies in the prior's support. Its loss on a batch
of draws z is |E(G(z)) - z|^2 / dim + |G(E(G(z))) - G(z)|^2 / pixels: the latent alone leaves
blurry guesses where G is flat in some directions, the pixels alone train slowly from scratch.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from ..models.gan import LEAKY_SLOPE, grid_plan
from ..models.latents import sample_prior
from ..runs.files import write_atomic
from .events import EncoderProgress, EncoderReady, EncoderSettings
from .generator import Gan
from .support import to_z

ENCODER_FILE = "igan-encoder.safetensors"
WIDTH = 32  # feature maps of E's first layer; deeper layers double it
PROGRESS_EVERY = 25  # steps between progress events
DEFAULTS = EncoderSettings()


class Encoder(nn.Module):
    """Images N x C x H x W in [0, 1] -> w (N x latent_dim); `latents` gives z."""

    def __init__(self, channels: int, size: int, latent_dim: int, prior: str) -> None:
        super().__init__()
        self.prior = prior
        _, halvings = grid_plan(size)
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        cin = channels
        for i in range(1, halvings + 1):
            cout = WIDTH * 2 ** (i - 1)
            layers[f"down{i}"] = nn.Conv2d(cin, cout, 4, 2, 1)
            layers[f"act{i}"] = nn.LeakyReLU(LEAKY_SLOPE)
            cin, size = cout, size // 2
        layers["flatten"] = nn.Flatten()
        layers["out"] = nn.Linear(cin * size * size, latent_dim)
        self.body = nn.Sequential(layers)

    def forward(self, images: Tensor) -> Tensor:
        return self.body(images * 2 - 1)

    def latents(self, images: Tensor) -> Tensor:
        """E's guess of z for each image, inside the prior's support."""
        return to_z(self(images), self.prior)


def encoder_path(gan: Gan) -> Path:
    return gan.checkpoint.parent / ENCODER_FILE


def _stamp(gan: Gan) -> dict[str, str]:
    """What names the checkpoint an encoder belongs to (an epoch checkpoint is written once)."""
    return {"generator": gan.checkpoint.name, "step": str(gan.step)}


def new_encoder(gan: Gan) -> Encoder:
    spec = gan.spec
    return Encoder(spec.channels, spec.image_size, spec.latent_dim, gan.prior).to(gan.device)


def encoder_saved(gan: Gan) -> bool:
    """Whether an encoder for `gan`'s checkpoint is saved beside its run."""
    path = encoder_path(gan)
    if not path.exists():
        return False
    with safe_open(path, framework="pt") as f:
        return {k: (f.metadata() or {}).get(k) for k in ("generator", "step")} == _stamp(gan)


def load_encoder(gan: Gan) -> Encoder | None:
    """The encoder saved for `gan`'s checkpoint (eval mode, on its device), or None when there
    is none or it belongs to another checkpoint."""
    if not encoder_saved(gan):
        return None
    encoder = new_encoder(gan)
    encoder.load_state_dict(load_file(encoder_path(gan), device=str(gan.device)), strict=True)
    return encoder.eval().requires_grad_(False)


def save_encoder(gan: Gan, encoder: Encoder, settings: EncoderSettings, loss: float) -> Path:
    path = encoder_path(gan)
    tensors = {k: v.detach().cpu().contiguous() for k, v in encoder.state_dict().items()}
    meta = _stamp(gan) | {"steps": str(settings.steps), "loss": f"{loss:.6g}"}
    write_atomic(path, lambda tmp: save_file(tensors, tmp, meta))
    return path


def encoder_loss(gan: Gan, encoder: Encoder, z: Tensor, labels: Tensor | None) -> Tensor:
    """The latent error plus the pixel error of E's guess for G's images of z."""
    with torch.no_grad():
        images = gan.images(z, labels)
    guess = encoder.latents(images)
    return F.mse_loss(guess, z) + F.mse_loss(gan.images(guess, labels), images)


def draw(gan: Gan, n: int, draws: torch.Generator) -> tuple[Tensor, Tensor | None]:
    """n latents of the prior and, for a cGAN, random classes: a training batch."""
    spec = gan.spec
    z = sample_prior(n, spec.latent_dim, gan.prior, draws)
    labels = (torch.randint(spec.num_classes, (n,), generator=draws, device=gan.device)
              if spec.conditional else None)
    return z, labels


def encoder_job(gan: Gan, settings: EncoderSettings = DEFAULTS
                ) -> Iterator[EncoderProgress | EncoderReady | None]:
    """Train an encoder for `gan` on fresh draws (a tick after each step, progress every
    PROGRESS_EVERY steps), save it beside the run, and say where."""
    began = time.perf_counter()
    with torch.random.fork_rng(devices=[]):  # seeded weights, the process's stream untouched
        torch.manual_seed(settings.seed)
        encoder = new_encoder(gan)
    adam = torch.optim.Adam(encoder.parameters(), lr=settings.lr)
    draws = torch.Generator(gan.device).manual_seed(settings.seed)
    total = torch.zeros((), device=gan.device)
    for step in range(1, settings.steps + 1):
        z, labels = draw(gan, settings.batch, draws)
        loss = encoder_loss(gan, encoder, z, labels)
        adam.zero_grad(set_to_none=True)
        loss.backward()
        adam.step()
        total += loss.detach()
        if step % PROGRESS_EVERY == 0 or step == settings.steps:
            done = (step - 1) % PROGRESS_EVERY + 1
            yield EncoderProgress("training the inverting network", step, settings.steps,
                                  float(total) / done, time.perf_counter() - began)
            total.zero_()
        else:
            yield None
    with torch.no_grad():
        final = float(encoder_loss(gan, encoder, z, labels))
    path = save_encoder(gan, encoder, settings, final)
    yield EncoderReady(str(path), True, settings.steps, final)


def ready_encoder_job(gan: Gan, settings: EncoderSettings = DEFAULTS
                      ) -> Iterator[EncoderProgress | EncoderReady | None]:
    """The encoder saved for `gan` if there is one (EncoderReady, not trained), else
    encoder_job's training."""
    if encoder_saved(gan):
        yield EncoderReady(str(encoder_path(gan)), False, 0)
    else:
        yield from encoder_job(gan, settings)
