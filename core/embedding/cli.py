"""`deepscope embed`: a layer's features over a split of a dataset, mapped to 2-D, with the
map's quality, as .npy files and meta.json."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from typing import TypeVar

from ..jobs.args import out_dir, path, positive_int, seed
from ..runs.model_args import add_model_args, model_source
from .events import METHODS

SPLITS = {"train": "train", "val": "validation", "test": "test", "all": "all"}
T = TypeVar("T")


def positive_float(text: str) -> float:
    """A number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Callable[..., int]]:
    e = sub.add_parser("embed", help="a layer's features over a split, mapped to 2-D (t-SNE, "
                       "PCA or UMAP), with trustworthiness and kNN accuracy")
    add_model_args(e)
    e.add_argument("--dataset", required=True, help="dataset to embed")
    e.add_argument("--data-root", type=path)
    e.add_argument("--split", default="all", choices=SPLITS,
                   help="the run's split of the dataset (indices stay the dataset's)")
    e.add_argument("--layer", help="module name (default: the last hidden layer, the module "
                   "whose output feeds the last Linear)")
    e.add_argument("--n", type=positive_int, help="embed N images of the split drawn at random "
                   "with --seed, kept in the split's order (default: the whole split)")
    e.add_argument("--method", required=True, choices=METHODS)
    e.add_argument("--perplexity", type=positive_float,
                   help="t-SNE's perplexity (default 30), below (N - 1) / 3")
    e.add_argument("--seed", type=seed, default=0,
                   help="draws --n's images, the map's start and trustworthiness's sample")
    e.add_argument("--batch-size", type=positive_int, default=256)
    e.add_argument("--out", type=out_dir, required=True,
                   help="folder for features.npy, coords.npy, labels.npy, indices.npy, meta.json")
    return {"embed": embed_command}


def embed_command(args: argparse.Namespace) -> int:
    from dataclasses import replace

    import numpy as np

    from ..data.sources import run_dataset
    from ..runs.inputs import InputCache
    from .events import TsneSettings
    from .features import features_job
    from .projection import projection_job
    from .quality import map_quality, sample

    if args.perplexity is not None and args.method != "tsne":
        raise ValueError(f"--perplexity is t-SNE's; --method {args.method} has none")
    cache = InputCache()
    clf = cache.classifier(model_source(args))
    clf = replace(clf, dataset=run_dataset(clf.dataset, args.dataset,
                                           str(args.data_root) if args.data_root else None))
    images = cache.dataset(clf)
    indices = clf.dataset.split(images, SPLITS[args.split])
    n = len(indices) if args.n is None else args.n
    if n > len(indices):
        raise ValueError(f"--n {n} is more than the {len(indices)} images of the {args.split} "
                         f"split of {args.dataset}")
    indices = indices[sample(len(indices), n, args.seed)]
    settings = TsneSettings(perplexity=args.perplexity or 30.0, seed=args.seed)
    if args.method == "tsne":
        settings.check(n)
    features = last(features_job(clf, images, indices, args.layer, args.batch_size))
    frame = last(projection_job(features.values, args.method, settings))
    quality = map_quality(features.values, frame.coords, features.labels, seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, array in (("features", features.values), ("coords", frame.coords),
                        ("labels", features.labels), ("indices", features.indices)):
        np.save(args.out / f"{name}.npy", array)
    meta = {"layer": features.layer, "method": args.method, "seconds": frame.seconds,
            "trustworthiness": quality.trustworthiness, "knn_accuracy": quality.knn_accuracy,
            "k": quality.k, "trustworthiness_points": quality.points, "dataset": args.dataset,
            "split": args.split, "n": n, "seed": args.seed, "kl_divergence": frame.kl,
            "explained_variance": frame.explained,
            "perplexity": settings.perplexity if args.method == "tsne" else None}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1))
    print(f"{features.layer} of {n} images by {args.method} in {frame.seconds:.1f} s: "
          f"trustworthiness {quality.trustworthiness:.3f}, kNN accuracy "
          f"{quality.knn_accuracy:.3f}; files in {args.out}")
    return 0


def last(events: Iterable[T]) -> T:
    """A job's final event (the jobs here end with their result)."""
    *_, final = events
    return final
