"""Similarity runs (`train --objective contrastive|triplet`): the config's refusals, a run's
events, stored scores and best checkpoint, its checkpoint loaded through core.runs as an
embedding network, and the triplet run's recall on digits from the command line."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from deepscope.core.classifier import cli
from deepscope.core.classifier.config import TrainConfig, problems
from deepscope.core.classifier.events import EpochEnd, Predictions, RunFinished, Steps
from deepscope.core.classifier.similarity import SimilarityLoss
from deepscope.core.classifier.similarity_trainer import evaluate
from deepscope.core.classifier.trainer import build_run, train
from deepscope.core.runs.checkpoint import load_model
from deepscope.core.runs.loader import load_classifier
from deepscope.core.runs.store import RunStore
from tests.core.commands import run_command
from tests.core.training.test_stop_and_continue import final_weights, stop_at

CONTRASTIVE = TrainConfig(dataset="digits", objective="contrastive", margin=2.0,
                          embedding_dim=16, epochs=2)


@pytest.mark.parametrize("changes, message", [
    ({"margin": 0.0, "objective": "triplet"}, "margin must be > 0"),
    ({"miner": "hard", "objective": "contrastive"},
     "miner applies to the triplet objective only"),
    ({"miner": "easy", "objective": "triplet"}, "miner must be one of random, semihard, hard"),
    ({"embedding_dim": 1, "objective": "triplet"}, "embedding dim must be between 2 and 1024"),
    ({"embedding_dim": 1025, "objective": "contrastive"},
     "embedding dim must be between 2 and 1024"),
    ({"margin": 2.0}, "margin applies to the contrastive and triplet objectives, not to classify"),
    ({"embedding_dim": 8},
     "embedding dim applies to the contrastive and triplet objectives, not to classify"),
    ({"objective": "siamese"}, "objective must be one of classify, contrastive, triplet"),
    ({"objective": "triplet", "loss": "hinge"},
     "loss is a classifier's: a triplet run's loss is its objective"),
    ({"objective": "triplet", "batch_size": 3},
     "a similarity run needs a batch size of at least 4 (2 classes x 2 images)"),
])
def test_the_config_refuses_what_its_objective_does_not_take(changes, message):
    assert problems(replace(TrainConfig(), **changes)) == [message]


def test_defaults_pass_for_every_objective():
    for objective in ("classify", "contrastive", "triplet"):
        assert problems(TrainConfig(objective=objective)) == []


@pytest.fixture(scope="module")
def contrastive_run(tmp_path_factory):
    """A 2-epoch contrastive run on digits: its events and store."""
    store = RunStore(tmp_path_factory.mktemp("similarity"))
    events = [e for e in train(CONTRASTIVE, store) if e is not None]
    yield events, store
    store.close()


def test_a_contrastive_run_trains_and_reports_recall(contrastive_run):
    events, store = contrastive_run
    ends = [e for e in events if isinstance(e, EpochEnd)]
    final = events[-1]
    assert isinstance(final, RunFinished) and final.status == "finished"
    assert not any(isinstance(e, Predictions) for e in events)  # no class predictions
    assert all(np.isnan(e.acc).all() for e in events if isinstance(e, Steps))
    assert all(0 < e.val_recall_at_1 <= e.val_recall_at_5 <= 1 for e in ends)
    assert all(np.isnan([e.train_acc, e.val_acc]).all() for e in ends)
    assert final.test_acc is None and 0 < final.recall_at_1 <= final.recall_at_5 <= 1
    _, data, _, untrained = build_run(CONTRASTIVE)  # the same network before training
    before = evaluate(untrained, data, data.test, SimilarityLoss("contrastive", 2.0), 64)
    assert final.recall_at_1 > before[1] + 0.1
    assert f"test recall@1 {final.recall_at_1:.3f}" in final.message
    stored = store.epochs(final.run_id)  # the scores are run metrics, as val_acc is
    assert stored["val_recall_at_1"].tolist() == [e.val_recall_at_1 for e in ends]
    assert final.best_epoch == 1 + int(np.argmax(stored["val_recall_at_1"]))


def test_a_similarity_checkpoint_loads_as_an_embedding_network(contrastive_run):
    events, _ = contrastive_run
    final = events[-1]
    clf = load_classifier(final.run_dir)  # the best checkpoint, with its statistics
    assert clf.meta["objective"] == "contrastive" and clf.meta["margin"] == 2.0
    assert "miner" not in clf.meta and clf.meta["epoch"] == final.best_epoch
    pixels = torch.randint(0, 256, (5, 1, 28, 28), dtype=torch.uint8)
    with torch.inference_mode():
        assert clf.model(clf.normalize(pixels)).shape == (5, 16)
        assert load_model(final.run_dir)(torch.rand(3, 1, 28, 28)).shape == (3, 16)


def test_embed_defaults_to_a_similarity_runs_embedding(contrastive_run):
    from deepscope.core.embedding import default_layer

    clf = load_classifier(contrastive_run[0][-1].run_dir)
    assert default_layer(clf) == "classifier.fc3"  # the embedding, not the layer before it


@pytest.mark.slow
def test_a_similarity_run_stopped_mid_epoch_goes_on_as_if_it_had_not_stopped(tmp_path):
    """The class-tree order and the random miner's negatives come from the saved streams."""
    config = TrainConfig(model="mlp", objective="triplet", miner="random", epochs=2,
                         batch_size=128)
    whole = RunStore(tmp_path / "whole")
    done = [e for e in train(config, whole) if e is not None][-1]
    store = RunStore(tmp_path / "parts")
    run_id, step = stop_at(train(config, store, emit_interval=0), lambda s: s == 2)
    events = [e for e in train(config, store, resume=run_id) if e is not None]
    assert events[0].first_step == step and events[-1].status == "finished"
    mine, theirs = final_weights(store, run_id), final_weights(whole, done.run_id)
    assert all(torch.equal(mine[k], theirs[k]) for k in mine), "the same weights, bit for bit"
    assert events[-1].recall_at_1 == done.recall_at_1


@pytest.mark.slow  # 4 epochs: ~5 s alone, a minute beside other jobs on 2 cores
def test_train_triplet_on_digits_reaches_recall_at_1_of_095_on_the_test_split(tmp_path, capsys):
    assert run_command(cli, "train", "--objective", "triplet", "--miner", "semihard",
                       "--epochs", "4", "--json", runs_dir=tmp_path) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    epochs, final = records[:-1], records[-1]
    assert [r["epoch"] for r in epochs] == [1, 2, 3, 4]
    assert set(epochs[0]) == {"epoch", "train_loss", "val_loss", "recall_at_1", "recall_at_5",
                              "seconds"}
    assert "test_acc" not in final and final["test_set"] == "held-out"
    assert final["recall_at_1"] >= 0.95
    assert final["recall_at_5"] >= final["recall_at_1"]
    meta = load_classifier(final["run_dir"]).meta
    assert (meta["objective"], meta["margin"], meta["miner"]) == ("triplet", 1.0, "semihard")
