"""GAN model names, latent priors and the frozen spec that rebuilds G and D (torch-free: safe
for the GUI)."""

from __future__ import annotations

from dataclasses import dataclass

GAN_MODELS = ("dcgan", "cgan")
MIN_GAN_SIZE = 16
MAX_GAN_SIZE = 128
PRIORS = ("gaussian", "uniform", "sphere")  # see core.models.latents
INTERPOLATIONS = ("lerp", "slerp")


@dataclass(frozen=True)
class GanSpec:
    """Everything needed to rebuild a generator and its discriminator: stored beside checkpoints.

    `num_classes` matters for the conditional "cgan" only (labels embedded into both inputs).
    `width` is the number of feature maps of G's last hidden layer and D's first layer; deeper
    layers double it. `tanh`: G ends in tanh for data scaled to [-1, 1], else in a sigmoid for
    data in [0, 1].
    """

    name: str
    latent_dim: int
    channels: int
    image_size: int
    num_classes: int = 0
    width: int = 64
    g_batch_norm: bool = True
    d_batch_norm: bool = True
    leaky_relu: bool = True  # D's activation: leaky ReLU (slope 0.2), else ReLU
    tanh: bool = True

    @property
    def conditional(self) -> bool:
        return self.name == "cgan"
