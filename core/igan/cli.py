"""`deepscope generate`, `deepscope project` and `deepscope igan`: a generator's images for given
latents, a real image projected onto its manifold, and a painted edit, headless. They run the
iGAN panel's jobs (core.igan), so a seed gives the panel's candidates."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ..jobs.args import index, int_in, out_dir, out_file, path, seed
from .events import MAX_CANDIDATES, MAX_STEPS, METHODS

if TYPE_CHECKING:
    import numpy as np

    from .encoder import Encoder
    from .events import Constraints
    from .generator import Gan

T = TypeVar("T")
CHUNK = 256  # latents rendered at once by `generate`
STEPS = int_in(1, MAX_STEPS)


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Callable[..., int]]:
    g = sub.add_parser("generate", help="a GAN run's images of given latents, into a .npy file")
    g.add_argument("--run", required=True, help="GAN run folder, checkpoint or run id")
    g.add_argument("--z", type=path, required=True, help="N x dim latents (.npy)")
    g.add_argument("--label", type=index, help="cGAN: this class for all (default: cycle "
                   "classes)")
    g.add_argument("--out", type=out_file, required=True, help="N x C x H x W float32 in [0, 1]")
    p = sub.add_parser("project", help="find the latent whose image is nearest to an image")
    p.add_argument("--run", required=True, help="GAN run folder, checkpoint or run id")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--image", type=path, help="image file (converted to the generator's "
                        "size and channels)")
    source.add_argument("--dataset", help="dataset of the image (with --index)")
    p.add_argument("--data-root", type=path)
    p.add_argument("--index", type=index, help="the dataset image's index")
    p.add_argument("--method", required=True, choices=METHODS, help="optimization, the "
                   "inverting network (trained and saved with the run when missing), or both")
    p.add_argument("--steps", type=STEPS, help=f"optimization steps, 1..{MAX_STEPS} "
                   "(default 200; opt and hybrid)")
    p.add_argument("--label", type=index, help="cGAN: the class (default: searched)")
    p.add_argument("--out", type=out_dir, required=True, help="folder for z.npy, target.npy, "
                   "reconstruction.npy, reconstruction.png, meta.json")
    i = sub.add_parser("igan", help="edit by painting: latents optimized toward a colour image "
                       "under a mask (and a sketch's edges)")
    i.add_argument("--run", required=True, help="GAN run folder, checkpoint or run id")
    i.add_argument("--colour", type=path, required=True, help="colour image: held where the "
                   "mask is white")
    i.add_argument("--mask", type=path, required=True, help="white where the colour holds "
                   "(the colour image's size)")
    i.add_argument("--sketch", type=path, help="white lines where edges should be")
    i.add_argument("--candidates", type=int_in(1, MAX_CANDIDATES), help="latents optimized "
                   "side by side (default 64 on a GPU, 16 on a CPU)")
    i.add_argument("--steps", type=STEPS, default=40, help=f"1..{MAX_STEPS} (default 40)")
    i.add_argument("--seed", type=seed, default=0, help="draws the starting candidates")
    i.add_argument("--out", type=out_dir, required=True,
                   help="folder for candidates.npy, z.npy, costs.json, best.png")
    return {"generate": generate_command, "project": project_command, "igan": igan_command}


def run_gan(args: argparse.Namespace) -> Gan:
    """The generator of --run (a run id is looked up in the run store)."""
    from ..runs.lookup import find_run
    from .generator import load_gan

    return load_gan(find_run(args.run, args.runs_dir, "gan"))


def last(events: Iterable[T | None]) -> T:
    """A job's final event (the jobs here end with their result)."""
    final = None
    for event in events:
        final = event if event is not None else final
    return final


def say(note: str | None) -> None:
    if note:
        print(f"deepscope: {note}", file=sys.stderr)


def save_png(image, file: Path) -> None:
    import torch

    from ..data.export import save_strip

    save_strip(torch.as_tensor(image)[None], file)


def generate_command(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from ..models.gan import generate, sample_labels

    z = load_latents(args.z)
    gan = run_gan(args)
    spec = gan.spec
    if z.shape[1] != spec.latent_dim:
        raise ValueError(f"{args.z.name} holds latents of size {z.shape[1]}; this generator "
                         f"takes {spec.latent_dim}")
    labels = sample_labels(spec, len(z), args.label, gan.device)
    out = np.lib.format.open_memmap(args.out, "w+", np.float32,
                                    (len(z), spec.channels, spec.image_size, spec.image_size))
    for i in range(0, len(z), CHUNK):  # written as rendered: N may not fit in memory twice
        rows = slice(i, i + CHUNK)
        out[rows] = generate(gan.model, torch.from_numpy(z[rows]).to(gan.device),
                             None if labels is None else labels[rows]).cpu().numpy()
    out.flush()
    print(f"{args.out}: {len(z)} images {out.shape[1:]} in [0, 1]")
    return 0


def load_latents(file: Path) -> np.ndarray:
    """Latents from a .npy file, refused unless N x dim finite numbers (never a pickle)."""
    import numpy as np

    if not file.is_file():
        raise ValueError(f"no latents file at {file}")
    with file.open("rb") as f:
        try:  # .npy only: an .npz or torch.save zip, a pickle or any other file is refused
            z = np.lib.format.read_array(f, allow_pickle=False)
        except ValueError:
            raise ValueError(f"{file} is not a .npy array of numbers: DeepScope reads latents "
                             "from plain .npy files (np.save), never pickles") from None
    if z.ndim != 2 or len(z) == 0 or not np.issubdtype(z.dtype, np.number):
        raise ValueError(f"{file.name} must hold N x dim numbers, got shape {z.shape} of "
                         f"{z.dtype}")
    if not np.isfinite(z).all():
        raise ValueError(f"{file.name} holds values that are not finite numbers")
    return z.astype(np.float32)


def project_command(args: argparse.Namespace) -> int:
    import numpy as np

    from .events import ProjectionSettings
    from .images import dataset_image, read_image
    from .projection import classes_to_try, projection_job

    if (args.dataset is None) != (args.index is None):
        raise ValueError("--dataset and --index go together: the image's index in the dataset")
    if args.steps is not None and args.method == "encoder":
        raise ValueError("--steps counts optimization steps; --method encoder has none")
    gan = run_gan(args)
    classes_to_try(gan, args.label)  # a wrong --label is refused before any work
    target, note = (read_image(args.image, gan) if args.image is not None else
                    dataset_image(gan, args.dataset, args.data_root and str(args.data_root),
                                  args.index))
    say(note)
    encoder = ready_encoder(gan) if args.method != "opt" else None
    settings = ProjectionSettings(args.method, args.steps or ProjectionSettings.steps,
                                  label=args.label)
    done = last(projection_job(gan, target, settings, encoder))
    args.out.mkdir(parents=True, exist_ok=True)
    for name, array in (("z", done.z), ("target", target), ("reconstruction",
                                                              done.reconstruction)):
        np.save(args.out / f"{name}.npy", array.astype(np.float32))
    save_png(done.reconstruction, args.out / "reconstruction.png")
    meta = {"method": done.method, "mse": done.mse, "psnr": done.psnr, "seconds": done.seconds,
            "steps": done.steps if done.method != "encoder" else 0, "label": done.label,
            "label_searched": done.label_searched, "converted": note,
            "epoch": gan.epoch, "checkpoint": str(gan.checkpoint)}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1))
    found = "" if done.label is None else (
        f", class {done.label}{' (searched)' if done.label_searched else ''}")
    print(f"projected by {done.method}: PSNR {done.psnr:.1f} dB (MSE {done.mse:.2g}){found} "
          f"in {done.seconds:.1f} s; files in {args.out}")
    return 0


def ready_encoder(gan: Gan) -> Encoder:
    """The inverting network saved with the run, trained (with progress) when missing."""
    from .encoder import encoder_job, load_encoder
    from .events import EncoderProgress

    if (encoder := load_encoder(gan)) is not None:
        return encoder
    say(f"training an inverting network for {gan.checkpoint.name} (saved with the run)")
    tenth = 0
    for event in encoder_job(gan):
        if isinstance(event, EncoderProgress) and event.done * 10 // event.total > tenth:
            tenth = event.done * 10 // event.total
            say(f"  step {event.done}/{event.total}, loss {event.loss:.4f}")
    return load_encoder(gan)


def igan_command(args: argparse.Namespace) -> int:
    import numpy as np

    from .edit import draw_start, edit_job
    from .events import EditSettings, default_candidates

    gan = run_gan(args)
    constraints, notes = read_constraints(args, gan)
    for note in notes:
        say(note)
    n = args.candidates or default_candidates(gan.device.type)
    start = draw_start(gan, n, args.seed)
    done = last(edit_job(gan, start, constraints, EditSettings(steps=args.steps)))
    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / "candidates.npy", done.images.astype(np.float32))
    np.save(args.out / "z.npy", done.z.astype(np.float32))
    save_png(done.images[0], args.out / "best.png")
    costs = {"costs": done.costs.tolist(), "colour_error": done.colour_error.tolist(),
             "edge_error": done.edge_error.tolist(),
             "labels": None if done.labels is None else done.labels.tolist(),
             "steps": done.steps, "seconds": done.seconds, "seed": args.seed,
             "converted": notes}
    (args.out / "costs.json").write_text(json.dumps(costs, indent=1))
    print(f"{n} candidates, {done.steps} steps in {done.seconds:.1f} s: best cost "
          f"{done.costs[0]:.4g} (colour error {done.colour_error[0]:.4g}); files in {args.out}")
    return 0


def read_constraints(args: argparse.Namespace, gan: Gan) -> tuple[Constraints, list[str]]:
    """The colour under the mask and the sketch's edges at the generator's size, and what
    was converted to get there."""
    import numpy as np

    from .events import Constraints
    from .images import image_header, read_image, read_white

    colour, note = read_image(args.colour, gan)
    mask, mask_size = read_white(args.mask, gan.spec.image_size)
    colour_size = image_header(args.colour)[:2]
    if mask_size != colour_size:
        raise ValueError(f"--mask is {mask_size[0]}x{mask_size[1]} pixels but --colour is "
                         f"{colour_size[0]}x{colour_size[1]}: paint the mask on the colour "
                         "image's canvas")
    notes = [note] if note else []
    if args.sketch is None:
        return Constraints(colour, mask), notes
    edges, sketch_size = read_white(args.sketch, gan.spec.image_size)
    size = gan.spec.image_size
    if sketch_size != (size, size):
        notes.append(f"{args.sketch.name}: {sketch_size[0]}x{sketch_size[1]} converted to "
                     f"{size}x{size} (the generator's size)")
    return Constraints(colour, mask, np.ones_like(edges), edges), notes
