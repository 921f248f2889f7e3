"""A run whose losses run away but stay finite ends as diverged (training.divergence)."""

from __future__ import annotations

from deepscope.core.classifier.config import TrainConfig
from deepscope.core.classifier.events import EpochEnd
from deepscope.core.classifier.trainer import train
from deepscope.core.runs.checkpoint import latest_checkpoint
from deepscope.core.runs.store import RunStore
from deepscope.core.training.divergence import LOSS_LIMIT, runaway


def test_the_rule_flags_a_mean_loss_beyond_the_limit_either_way():
    assert runaway({"d_loss": 0.7, "g_loss": -11.0}, 3) is None
    assert runaway({"loss": LOSS_LIMIT}, 1) is None
    assert runaway({"d_loss": 0.7, "g_loss": -2e3}, 4) == (
        "g_loss averaged -2e+03 over epoch 4, beyond 1000: the run diverged; its checkpoints "
        "are kept.")


def test_lenet_at_learning_rate_10_is_flagged_diverged_not_finished(tmp_path):
    store = RunStore(tmp_path)
    events = [e for e in train(TrainConfig(lr=10, epochs=5), store) if e is not None]
    done = events[-1]
    ends = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in ends] == [1] and ends[0].train_loss > LOSS_LIMIT
    assert done.status == "diverged" and "test accuracy" not in done.message
    assert done.message.startswith("loss averaged ") and "over epoch 1" in done.message
    assert done.message.endswith("Try a lower learning rate.")
    run = store.get(done.run_id)
    assert (run.status, run.message) == ("diverged", done.message)
    assert latest_checkpoint(run.dir) is not None
