"""A similarity run (lecture 2): a classifier run whose network's output is an embedding,
trained with the contrastive or triplet loss on class-tree batches and scored by recall@k.

The network is the zoo's classifier with `embedding_dim` outputs (`ModelSpec.num_classes`), so
it saves and loads through core.runs unchanged; the checkpoints' meta says `objective` (and
`margin`, and the triplet's `miner`), which a classifier's lacks. Each epoch's batches come in
class-tree order (sampling), the tree recomputed from the current embedding of up to
TREE_IMAGES training images per class; each epoch ends with the validation loss, recall@1 and
recall@5, and the best checkpoint is the one of the highest recall@1. The run ends with the
best checkpoint's recall@1 and recall@5 on the test split (its `test_acc` is None).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..data.names import test_set_name
from ..training.data import DeviceData
from ..training.optim import grad_norms
from .events import NAN, EpochEnd, RunFinished
from .losses import Loss
from .sampling import ClassTree, batch_shape, class_means, class_tree_order, mean_subset
from .similarity import SimilarityLoss, recall_at_k
from .trainer import ClassifierRun

TREE_IMAGES = 50  # per class: the class tree's means (digits: 500 of 1,257 images, ~10 ms)
EVAL_BATCH = 512


def similarity_step(
    model: nn.Module, opt: torch.optim.Optimizer, loss_fn: Loss, x: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    """One optimizer step on the batch's embeddings; returns [loss, NaN (no accuracy), each
    parameter's gradient norm] on the device, as a classifier's step does."""
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    if loss.requires_grad:
        loss.backward()
        opt.step()
    loss = loss.detach()
    return torch.stack([loss, torch.full_like(loss, NAN), *grad_norms(opt)])


@torch.inference_mode()
def embed(model: nn.Module, data: DeviceData, idx: torch.Tensor) -> torch.Tensor:
    """The embeddings of the images at idx (eval mode), on the device."""
    was_training = model.training
    model.eval()
    out = torch.cat([model(data.batch(chunk)[0]) for chunk in idx.split(EVAL_BATCH)])
    model.train(was_training)
    return out


@torch.inference_mode()
def evaluate(
    model: nn.Module, data: DeviceData, idx: torch.Tensor, loss_fn: Loss, batch: int
) -> tuple[float, float, float]:
    """(mean loss over batches of `batch`, recall@1, recall@5) of the images at idx. With the
    training's batch size the loss compares with the training loss, and the miner's n^3 triplet
    masks stay small (on digits' 269 validation images: 60 ms in one batch, 8 ms in 64s)."""
    embeddings, labels = embed(model, data, idx), data.labels[idx]
    losses = [loss_fn(e, y) * len(e)
              for e, y in zip(embeddings.split(batch), labels.split(batch), strict=True)]
    recall = recall_at_k(embeddings, labels, (1, 5))
    return float(torch.stack(losses).sum()) / len(idx), recall[1], recall[5]


class SimilarityRun(ClassifierRun):
    """ClassifierRun with the similarity objective's loss, step, batch order, scores and end."""

    score = "val_recall_at_1"
    unstored = ("epoch",)  # NaN accuracies too: the Training panel's curves read them
    step_fn = staticmethod(similarity_step)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.train_labels = self.data.labels[self.data.train].cpu().numpy()
        self.shape = batch_shape(self.batch_size, len(self.data.classes))

    def make_loss(self) -> Loss:
        c = self.config
        return SimilarityLoss(c.objective, c.margin, c.miner)

    def describe(self) -> dict:
        c = self.config
        miner = {"miner": c.miner} if c.objective == "triplet" else {}
        return super().describe() | {"objective": c.objective, "margin": c.margin} | miner

    def shuffled(self) -> torch.Tensor:
        """The epoch's batches in class-tree order, drawn from the loop's random stream (so a
        resumed run draws the same)."""
        d, device = self.data, self.device
        seed = int(torch.randint(2**62, (1,), generator=self.gen, device=device))
        rng = np.random.default_rng(seed)
        subset = mean_subset(self.train_labels, TREE_IMAGES, rng)
        means = embed(self.model, d, d.train[torch.as_tensor(subset, device=device)])
        tree = ClassTree(class_means(means.cpu().numpy(), self.train_labels[subset],
                                     len(d.classes)))
        order = class_tree_order(self.train_labels, tree, self.steps_per_epoch, self.shape, rng)
        return d.train[torch.as_tensor(order, device=device)]

    def evaluate(self, idx: torch.Tensor) -> tuple[float, float, float]:
        return evaluate(self.model, self.data, idx, self.loss_fn, self.batch_size)

    def end_epoch(self, epoch: int) -> tuple[EpochEnd]:
        """Validate (loss, recall@1, recall@5), checkpoint, log, track early stopping."""
        val_loss, r1, r5 = self.evaluate(self.data.val)
        is_best = self.keep(epoch, {"val_loss": val_loss, self.score: r1, "val_recall_at_5": r5})
        end = EpochEnd(epoch, self.step, self.epoch_means("loss")["loss"], NAN, val_loss, NAN,
                       self.seconds, is_best, r1, r5)
        self.log(end)
        return (end,)

    def finish(self, status: str, message: str) -> RunFinished:
        """Recall@1 and recall@5 of the best checkpoint on the test split."""
        test, recall = self.data.test, (None, None)
        test_set = test_set_name(self.config.dataset) if len(test) else None
        if self.take_best():
            recall = self.evaluate(test)[1:]
        if recall[0] is not None and status != "diverged":
            result = (f"test recall@1 {recall[0]:.3f}, recall@5 {recall[1]:.3f} ({test_set} test "
                      f"set, {len(test)} images)")
            message = f"{message}; {result}" if message else result
        return RunFinished(status, message, self.run.id, str(self.run.dir), None,
                           self.best_epoch, test_set, len(test), *recall)
