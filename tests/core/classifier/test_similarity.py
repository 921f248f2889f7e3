"""Similarity losses, miners and recall@k against hand computations and brute force."""

import numpy as np
import pytest
import torch

from deepscope.core.classifier.similarity import SimilarityLoss, mine, recall_at_k

# 1-D embeddings: anchor 0 and its positive 1 (class 0) at distance 1; negatives of classes
# 1, 2, 3 at 0.5 (closer than the positive), 1.5 and 3.5.
LINE = torch.tensor([[0.0], [1.0], [0.5], [1.5], [3.5]])
LINE_LABELS = torch.tensor([0, 0, 1, 2, 3])


def triplets(found: tuple[torch.Tensor, ...]) -> set[tuple[int, int, int]]:
    return {tuple(int(i) for i in t) for t in zip(*found, strict=True)}


def test_contrastive_loss_is_the_hand_computed_value() -> None:
    # class 0 at (0,0), (3,4): d = 5; class 1 at (0,1), (0,2): d = 1. Margin 2: only the
    # negative pair at d = 1 is inside it (loss 1). Mean of the nonzero positive losses
    # (5, 5, 1, 1: 3) plus that of the negative ones (1, 1: 1) = 4.
    x = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0], [0.0, 2.0]], requires_grad=True)
    loss = SimilarityLoss("contrastive", margin=2.0)(x, torch.tensor([0, 0, 1, 1]))
    assert loss.item() == pytest.approx(4.0)
    loss.backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_triplet_loss_is_the_hand_computed_value() -> None:
    # 1-D: a class-0 pair at 0 and 1, a negative at 1.5, margin 1. Triplet (0, 1, 2):
    # 1 - 1.5 + 1 = 0.5; (1, 0, 2): 1 - 0.5 + 1 = 1.5; their mean: 1.0 (semihard mining
    # would keep only the first: the hard miner's pick is the second).
    x = torch.tensor([[0.0], [1.0], [1.5]])
    labels = torch.tensor([0, 0, 1])
    assert SimilarityLoss("triplet", 1.0, "random")(x, labels).item() == pytest.approx(1.0)
    assert SimilarityLoss("triplet", 1.0, "semihard")(x, labels).item() == pytest.approx(0.5)
    assert SimilarityLoss("triplet", 1.0, "hard")(x, labels).item() == pytest.approx(1.5)


def test_hard_miner_picks_negatives_no_farther_than_the_positive() -> None:
    # anchor 0 (positive at 1): 0.5 is closer; anchor 1 (positive at 1): 0.5 and 1.5 are at 0.5
    found = triplets(mine("hard", LINE, LINE_LABELS, margin=1.0))
    assert found == {(0, 1, 2), (1, 0, 2), (1, 0, 3)}


def test_semihard_miner_picks_negatives_within_the_margin_beyond_the_positive() -> None:
    # anchor 0: 1.5 lies at 1.5 in (1, 2]; anchor 1: 3.5 lies at 2.5, beyond 1 + margin
    assert triplets(mine("semihard", LINE, LINE_LABELS, margin=1.0)) == {(0, 1, 3)}
    # a wider margin takes it in as well
    assert triplets(mine("semihard", LINE, LINE_LABELS, margin=2.0)) == {(0, 1, 3), (1, 0, 4)}


def test_random_miner_draws_one_negative_of_another_class_per_positive_pair() -> None:
    labels = torch.tensor([0, 0, 0, 1, 1, 2])
    seen: set[int] = set()
    for seed in range(30):
        a, p, n = mine("random", LINE[:1].expand(6, 1), labels, 1.0,
                       torch.Generator().manual_seed(seed))
        pairs = sorted(zip(a.tolist(), p.tolist(), strict=True))
        assert pairs == [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (3, 4), (4, 3)]
        assert bool((labels[n] != labels[a]).all())
        seen |= set(n[a == 0].tolist())
    assert seen == {3, 4, 5}  # every negative of anchor 0 is drawn


def test_random_miner_finds_no_triplet_in_a_batch_of_one_class() -> None:
    a, p, n = mine("random", LINE[:3], torch.tensor([0, 0, 0]), 1.0)
    assert len(a) == len(p) == len(n) == 0


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_margin_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="margin must be > 0"):
        SimilarityLoss("triplet", bad)


def test_unknown_miner_and_objective_are_refused() -> None:
    with pytest.raises(ValueError, match="miner must be one of random, semihard, hard"):
        SimilarityLoss("triplet", 1.0, "hardest")
    with pytest.raises(ValueError, match="objective must be one of contrastive, triplet"):
        SimilarityLoss("classify")


def brute_force_recall(x: np.ndarray, labels: np.ndarray, k: int) -> float:
    hits = 0
    for i in range(len(x)):
        d = np.sqrt(((x - x[i]) ** 2).sum(1))
        d[i] = np.inf
        hits += bool((labels[np.argsort(d)[:k]] == labels[i]).any())
    return hits / len(x)


def test_recall_at_k_equals_brute_force() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 6, size=300)
    x = rng.normal(size=(300, 8)) + labels[:, None] * 0.4  # classes overlap: recall < 1
    found = recall_at_k(torch.from_numpy(x).float(), torch.from_numpy(labels), (1, 5),
                        chunk=64)  # chunks that do not divide 300
    for k in (1, 5):
        assert found[k] == pytest.approx(brute_force_recall(x, labels, k))
    assert 0 < found[1] < found[5] < 1


def test_recall_at_k_needs_more_points_than_k() -> None:
    with pytest.raises(ValueError, match="recall@5 needs more than 5 embeddings, got 5"):
        recall_at_k(torch.zeros(5, 2), torch.zeros(5, dtype=torch.long))
