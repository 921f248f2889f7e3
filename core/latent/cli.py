"""`deepscope sample` and `deepscope interpolate`: a GAN run's latent space, headless. The
frames are the latent panel's (core.latent.jobs): the same seeds give the same images."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from ..jobs.args import index, int_in, out_file, positive_int, seed
from ..models.gan_spec import INTERPOLATIONS, GanSpec
from .events import MAX_STEPS, MIN_STEPS, Endpoint, PathRequest, RunRef

MAX_SAMPLE_BYTES = 2**31  # `sample` holds its images in memory: 2 GiB of float32 at most


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Callable[..., int]]:
    s = sub.add_parser("sample", help="generate images of a GAN run into a .npy file")
    s.add_argument("--run", required=True, help="GAN run folder, checkpoint or run id")
    s.add_argument("--n", type=positive_int, required=True)
    s.add_argument("--seed", type=seed, default=0)
    s.add_argument("--label", type=index,
                   help="cGAN: this class for all (default: cycle classes)")
    s.add_argument("--out", type=out_file, required=True, help="N x C x H x W float32 in [0, 1]")
    i = sub.add_parser("interpolate", help="a latent interpolation as a PNG strip (and GIF)")
    i.add_argument("--run", required=True, help="GAN run folder, checkpoint or run id")
    i.add_argument("--seeds", type=seed, nargs=2, required=True, metavar=("A", "B"))
    i.add_argument("--steps", type=int_in(MIN_STEPS, MAX_STEPS), default=16,
                   help=f"{MIN_STEPS}..{MAX_STEPS}")
    i.add_argument("--mode", default="slerp", choices=INTERPOLATIONS)
    i.add_argument("--label", type=index, help="cGAN: the class along the path (default 0)")
    i.add_argument("--out", type=out_file, required=True, help="PNG strip")
    i.add_argument("--gif", type=out_file, help="also an animated GIF of the frames")
    return {"sample": sample_command, "interpolate": interpolate_command}


def run_dir(args: argparse.Namespace) -> Path:
    """The GAN run folder or checkpoint of --run; a run id is looked up in the run store."""
    from ..runs.lookup import find_run

    return find_run(args.run, args.runs_dir, "gan")


def require_memory(n: int, spec: GanSpec) -> None:
    """Refuse more images than MAX_SAMPLE_BYTES hold, before the allocator fails."""
    each = 4 * spec.channels * spec.image_size**2
    if n * each > MAX_SAMPLE_BYTES:
        raise ValueError(f"--n {n} is too many: {n} images of {spec.channels}x"
                         f"{spec.image_size}x{spec.image_size} float32 would take "
                         f"{n * each / 2**30:.1f} GiB in memory; ask for at most "
                         f"{MAX_SAMPLE_BYTES // each} (2 GiB)")


def sample_command(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from ..models.gan import generate, sample_labels
    from ..models.latents import sample_prior
    from ..runs.generators import load_generator
    from .jobs import prior_of

    g, spec, meta = load_generator(run_dir(args))
    require_memory(args.n, spec)
    z = sample_prior(args.n, spec.latent_dim, prior_of(meta),
                     torch.Generator().manual_seed(args.seed))
    images = generate(g, z, sample_labels(spec, args.n, args.label)).numpy()
    np.save(args.out, images.astype(np.float32))
    print(f"{args.out}: {args.n} images {images.shape[1:]} in [0, 1]")
    return 0


def interpolate_command(args: argparse.Namespace) -> int:
    from ..data.export import GIF_FRAME_MS
    from .jobs import GeneratorCache, export_job, frames

    cache, run = GeneratorCache(), RunRef(str(run_dir(args)))
    _, spec, _ = cache.get(run)
    if args.label is not None and not spec.conditional:
        raise ValueError(f"{spec.name} is unconditional: it takes no class label")
    a, b = (Endpoint(k, args.label) for k in args.seeds)
    strip = frames(cache, PathRequest(run, a, b, args.mode, args.steps))
    written = [next(export_job(strip.images, str(args.out)))]
    if args.gif:
        written.append(next(export_job(strip.images, str(args.gif), GIF_FRAME_MS)))
    print(f"{args.steps} frames ({args.mode}, seeds {args.seeds[0]} -> {args.seeds[1]}): "
          + "; ".join(m.text for m in written))
    return 0
