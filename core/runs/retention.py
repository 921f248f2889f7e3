"""Which epoch checkpoints a run keeps, so that its folder stays bounded however long it runs.

Before this, every epoch kept its weights and its full optimizer state: a 10-minute LeNet run
of 3,771 epochs left 11,243 files and 2.7 GB (~0.73 MB an epoch; ~5.2 MB for the default cGAN).
Now only the newest checkpoint keeps what resume needs (optimizers, random streams, replay
buffer); the others keep weights and sidecar. A run keeps at most `keep` epoch checkpoints: the
newest, the best and the epochs that are multiples of a power-of-two stride, the smallest stride
that fits. The stride only grows as the run goes on, so an epoch once removed is never wanted
again, and the kept epochs span the run evenly (the sample timeline and "score every epoch"
still cover it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .checkpoint import epoch_checkpoints, remove_checkpoint, remove_training_state

_EPOCH = re.compile(r"epoch-(\d+)\.safetensors$")


def kept_epochs(epochs: Iterable[int], keep: int | None, best: int | None = None) -> set[int]:
    """The epochs to keep of those saved: all if `keep` is None, else at most `keep` (>= 2):
    the newest, the best, and the multiples of the smallest power-of-two stride that fits."""
    epochs = set(epochs)
    if keep is None or len(epochs) <= keep:
        return epochs
    ends = {max(epochs)} | ({best} & epochs)
    stride = 1
    while len(kept := ends | {e for e in epochs if e % stride == 0}) > keep:
        stride *= 2
    return kept


def prune(run_dir: Path, keep: int | None, best: int | None = None) -> None:
    """Thin a run folder's epoch checkpoints to `kept_epochs`; all but the newest lose their
    training state."""
    paths = {int(_EPOCH.search(p.name).group(1)): p for p in epoch_checkpoints(run_dir)}
    kept = kept_epochs(paths, keep, best)
    newest = max(paths, default=None)
    for epoch, path in paths.items():
        if epoch not in kept:
            remove_checkpoint(path)
        elif epoch != newest:
            remove_training_state(path)
