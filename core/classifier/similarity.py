"""Similarity learning (lecture 2): the contrastive and triplet losses, negative mining and
recall@k, on pytorch-metric-learning with every choice set explicitly, so the figures do not
change with the library's defaults or with what else is installed.

The metric is plain L2 between the network's outputs: embeddings are NOT L2-normalized. The
network's output is the embedding, and the losses, the miners, recall@k and any neighbour
search downstream all measure the same distance in it, so nothing downstream must know to
normalize first. Margins are therefore in the embedding's own units.

Pairs and triplets come from the batch: the contrastive loss takes every ordered pair of the
batch (i, j), i != j (positive when the labels agree), the triplet loss the triplets its miner
picks. Both average over the pairs or triplets whose loss is not zero (pml's AvgNonZeroReducer;
the contrastive loss adds its positive and negative means), so easy pairs do not dilute the
gradient as the embedding improves.
"""

from __future__ import annotations

import torch
from pytorch_metric_learning.distances import LpDistance
from pytorch_metric_learning.losses import ContrastiveLoss, TripletMarginLoss
from pytorch_metric_learning.miners import TripletMarginMiner
from pytorch_metric_learning.reducers import AvgNonZeroReducer

from .config import MINERS
from .config import OBJECTIVES as ALL_OBJECTIVES

OBJECTIVES = tuple(o for o in ALL_OBJECTIVES if o != "classify")
Triplets = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # anchor, positive, negative indices


def distance() -> LpDistance:
    """Euclidean distance (not squared) between unnormalized embeddings."""
    return LpDistance(p=2, power=1, normalize_embeddings=False)


def random_triplets(labels: torch.Tensor, generator: torch.Generator | None = None) -> Triplets:
    """One negative drawn uniformly from the other classes for every (anchor, positive) pair of
    the batch: the lecture's random negatives (pml has no such miner)."""
    same = labels[:, None] == labels[None, :]
    anchor, positive = (same & ~torch.eye(len(labels), dtype=torch.bool,
                                          device=labels.device)).nonzero(as_tuple=True)
    others = (~same[anchor]).float()
    keep = others.sum(1) > 0  # a batch of one class has no negatives
    anchor, positive, others = anchor[keep], positive[keep], others[keep]
    if not len(anchor):
        return anchor, positive, anchor
    negative = torch.multinomial(others, 1, generator=generator)[:, 0]
    return anchor, positive, negative


def mine(
    miner: str, embeddings: torch.Tensor, labels: torch.Tensor, margin: float,
    generator: torch.Generator | None = None,
) -> Triplets:
    """The triplets `miner` picks: random (one random negative per positive pair), semihard
    (d_ap < d_an <= d_ap + margin) or hard (d_an <= d_ap), by pml's TripletMarginMiner."""
    if miner == "random":
        return random_triplets(labels, generator)
    if miner not in MINERS:
        raise ValueError(f"miner must be one of {', '.join(MINERS)}")
    return TripletMarginMiner(margin=margin, type_of_triplets=miner,
                              distance=distance())(embeddings.detach(), labels)


class SimilarityLoss:
    """The loss of a batch of embeddings under an objective: contrastive (pos_margin 0,
    neg_margin `margin`, every pair of the batch) or triplet (`margin`, on the `miner`'s
    triplets)."""

    def __init__(self, objective: str, margin: float = 1.0, miner: str = "semihard") -> None:
        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}")
        if margin <= 0:
            raise ValueError("margin must be > 0")
        if objective == "triplet" and miner not in MINERS:
            raise ValueError(f"miner must be one of {', '.join(MINERS)}")
        self.objective, self.margin, self.miner = objective, margin, miner
        reducer = AvgNonZeroReducer()
        if objective == "contrastive":
            self.loss = ContrastiveLoss(pos_margin=0.0, neg_margin=margin, distance=distance(),
                                        reducer=reducer)
        else:
            self.loss = TripletMarginLoss(margin=margin, distance=distance(), reducer=reducer)

    def __call__(
        self, embeddings: torch.Tensor, labels: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        if self.objective == "contrastive":
            return self.loss(embeddings, labels)
        triplets = mine(self.miner, embeddings, labels, self.margin, generator)
        return self.loss(embeddings, labels, indices_tuple=triplets)


@torch.inference_mode()
def recall_at_k(
    embeddings: torch.Tensor, labels: torch.Tensor, ks: tuple[int, ...] = (1, 5),
    chunk: int = 1024,
) -> dict[int, float]:
    """For each k, the share of embeddings with at least one of their k nearest neighbours (L2,
    itself excluded) among `embeddings` in the same class. Brute force, `chunk` queries at a
    time (a 10,000-image validation set never holds its full distance matrix)."""
    n, top = len(embeddings), max(ks)
    if not 0 < top < n:
        raise ValueError(f"recall@{top} needs more than {top} embeddings, got {n}")
    hits = {k: 0 for k in ks}
    for start in range(0, n, chunk):
        queries = embeddings[start:start + chunk]
        dist = torch.cdist(queries, embeddings)
        rows = torch.arange(len(queries), device=dist.device)
        dist[rows, rows + start] = float("inf")
        nearest = dist.topk(top, largest=False).indices
        same = labels[nearest] == labels[start:start + chunk, None]
        for k in ks:
            hits[k] += int(same[:, :k].any(1).sum())
    return {k: hits[k] / n for k in ks}
