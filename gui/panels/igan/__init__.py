"""The iGAN brushing panel (issue 19): paint colours and sketches and a batch of latents
follows them; project real images and edit them."""

from .panel import IganPanel

__all__ = ["IganPanel"]
