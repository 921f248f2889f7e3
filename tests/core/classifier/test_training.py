"""Training jobs: losses, optimizers, schedules, sanity check, divergence, cancellation."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from deepscope.core.classifier import trainer
from deepscope.core.classifier.augment import augment
from deepscope.core.classifier.config import AUGMENTATIONS, OPTIMIZERS, TrainConfig, problems
from deepscope.core.classifier.events import (
    EpochEnd,
    Predictions,
    RunFinished,
    RunStarted,
    SanityResult,
    Steps,
)
from deepscope.core.classifier.losses import make_loss, multiclass_hinge
from deepscope.core.classifier.optim import lr_factor, make_optimizer
from deepscope.core.classifier.sanity import overfit_batch, overfit_one_batch
from deepscope.core.classifier.trainer import resume_config, train
from deepscope.core.data.digits import load_digits
from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.checkpoint import load_model
from deepscope.core.runs.store import RunStore

FAST = TrainConfig(dataset="digits", model="lenet", epochs=2, batch_size=64)


def fixed_batch():
    """32 real digits, standardized: a batch every working optimizer can fit."""
    ds = load_digits(28)
    x = ds.images[:32].float()
    return (x - x.mean()) / x.std(), ds.labels[:32]


def run_events(config: TrainConfig, store: RunStore) -> list:
    return [e for e in train(config, store) if e is not None]


def test_hinge_equals_hand_computed_value():
    # CS231n's three-example SVM loss: per-example losses 2.9, 0 and 12.9.
    scores = torch.tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    labels = torch.tensor([0, 1, 2])
    assert multiclass_hinge(scores, labels).item() == pytest.approx((2.9 + 0 + 12.9) / 3)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("loss", ["cross_entropy", "hinge"])
def test_every_optimizer_and_loss_lowers_the_loss(optimizer, loss):
    torch.manual_seed(0)
    model = build_model(ModelSpec("lenet", 1, 28, 10))
    lr = {"gd": 0.05, "sgd": 0.05, "momentum": 0.01}.get(optimizer, 1e-3)
    opt = make_optimizer(TrainConfig(optimizer=optimizer, lr=lr), model.parameters())
    x, y = fixed_batch()
    steps = [e for e in overfit_batch(model, opt, make_loss(loss), x, y, 60)
             if isinstance(e, Steps)]
    losses = np.concatenate([s.loss for s in steps])
    assert losses[-1] < 0.8 * losses[0]


def test_schedules():
    assert lr_factor("constant", 500, 10, 9) == 1.0
    assert lr_factor("step", 29, 10, 9) == 1.0
    assert lr_factor("step", 30, 10, 9) == pytest.approx(0.1)
    assert lr_factor("cosine", 0, 10, 9) == 1.0
    assert lr_factor("cosine", 45, 10, 9) == pytest.approx(0.5)
    assert lr_factor("cosine", 90, 10, 9) == pytest.approx(0.0, abs=1e-12)


def test_augmentations_keep_shape_and_change_pixels():
    x, _ = fixed_batch()
    g = torch.Generator().manual_seed(1)
    for kind in AUGMENTATIONS:
        y = augment(x, (kind,), g)
        assert y.shape == x.shape and not torch.equal(y, x), kind
    assert augment(x, (), g) is x


def test_config_problems_name_the_bad_fields():
    bad = TrainConfig(lr=-1, optimizer="newton", epochs=0, val_fraction=0.5, test_fraction=0.45)
    text = " ".join(problems(bad))
    for word in ("learning rate", "optimizer", "epochs", "leave at least"):
        assert word in text
    assert problems(TrainConfig()) == []


def test_a_set_with_an_official_test_set_checks_no_test_fraction():
    unused = TrainConfig(dataset="mnist", val_fraction=0.15, test_fraction=0.8)
    assert problems(unused) == []
    assert problems(replace(unused, dataset="digits"))  # the same fractions split digits
    text = " ".join(problems(replace(unused, val_fraction=0.95)))
    assert "validation fraction" in text and "test" not in text


def test_overfit_one_batch_passes_for_lenet_on_digits():
    result = [e for e in overfit_one_batch(FAST) if isinstance(e, SanityResult)][0]
    assert result.passed and result.acc == 1.0 and result.loss < 0.05


def test_overfit_one_batch_fails_with_frozen_weights():
    model = build_model(ModelSpec("lenet", 1, 28, 10)).requires_grad_(False)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = fixed_batch()
    result = list(overfit_batch(model, opt, make_loss("cross_entropy"), x, y, 50))[-1]
    assert isinstance(result, SanityResult) and not result.passed and "FAILED" in result.message


def test_training_run_logs_checkpoints_and_reloads(tmp_path):
    store = RunStore(tmp_path)
    events = run_events(FAST, store)
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epochs] == [1, 2]
    assert epochs[1].train_loss < epochs[0].train_loss
    assert any(isinstance(e, Predictions) for e in events)
    done = events[-1]
    assert done.status == "finished" and done.test_acc > 0.5
    assert (done.test_set, done.test_size) == ("held-out", events[0].sizes[2])
    run = store.get(done.run_id)
    assert run.status == "finished" and run.message == done.message
    assert f"held-out test set, {done.test_size} images" in run.message
    steps = store.steps(done.run_id)
    assert len(steps["step"]) == events[0].total_steps
    assert np.array_equal(steps["step"], np.arange(events[0].total_steps))
    model = load_model(run.dir)
    assert not model.training


def test_cancel_marks_the_run_stopped_and_keeps_steps(tmp_path):
    store = RunStore(tmp_path)
    job = train(FAST, store)
    started = next(job)
    for _ in range(5):
        next(job)
    job.close()
    run = store.get(started.run_id)
    assert run.status == "stopped" and "step 5" in run.message


def test_nan_loss_stops_the_run_naming_the_step(tmp_path, monkeypatch):
    calls = {"n": 0}

    def exploding(logits, labels):
        calls["n"] += logits.requires_grad  # count training steps only
        loss = torch.nn.functional.cross_entropy(logits, labels)
        return loss * math.inf if calls["n"] > 25 else loss  # step 25 is in epoch 2

    monkeypatch.setattr(trainer, "make_loss", lambda name: exploding)
    store = RunStore(tmp_path)
    events = run_events(FAST, store)
    done = events[-1]
    assert done.status == "diverged" and "at step 25" in done.message
    steps = store.steps(done.run_id)
    assert steps["step"].max() == 24 and np.isfinite(steps["loss"]).all()
    assert store.get(done.run_id).status == "diverged"
    load_model(store.get(done.run_id).dir)  # the epoch-1 checkpoint survives


def test_early_stopping_after_patience_epochs_without_improvement(tmp_path, monkeypatch):
    real, calls = trainer.evaluate, {"n": 0}

    def worsening(*args, **kw):  # validation loss rises by 1 every epoch
        loss, acc, pred, conf = real(*args, **kw)
        calls["n"] += 1
        return loss + calls["n"], acc, pred, conf

    monkeypatch.setattr(trainer, "evaluate", worsening)
    config = TrainConfig(model="mlp", epochs=10, patience=2)
    events = run_events(config, RunStore(tmp_path))
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [1, 2, 3]
    assert events[-1].status == "early-stopped"
    assert "did not improve for 2 epochs" in events[-1].message
    assert f"test accuracy {events[-1].test_acc:.3f}" in events[-1].message


def test_a_stopped_run_resumes_from_its_last_epoch(tmp_path):
    store = RunStore(tmp_path)
    job = train(TrainConfig(model="mlp", epochs=3), store)
    run_id = next(job).run_id
    for event in job:
        if isinstance(event, EpochEnd) and event.epoch == 2:
            break
    job.close()
    assert store.get(run_id).status == "stopped"

    config = resume_config(store, run_id, epochs=4)
    events = [e for e in train(config, store, resume=run_id) if e is not None]
    started, done = events[0], events[-1]
    assert started.run_id == run_id and started.first_step == 2 * started.steps_per_epoch
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [3, 4]
    assert done.status == "finished" and done.run_id == run_id
    steps = store.steps(run_id)["step"]
    assert np.array_equal(steps, np.arange(4 * started.steps_per_epoch))
    assert list(store.epochs(run_id)["epoch"]) == [1, 2, 3, 4]


def test_a_steps_gradient_norm_is_the_norm_of_all_its_gradients():
    torch.manual_seed(0)
    model = build_model(ModelSpec("lenet", 1, 28, 10))
    opt = make_optimizer(TrainConfig(optimizer="sgd", lr=0.05), model.parameters())
    buffer = trainer.StepBuffer()
    buffer.add(0, 0.05, trainer.train_step(model, opt, make_loss("cross_entropy"),
                                           *fixed_batch()), 32)
    grads = torch.cat([p.grad.flatten() for p in model.parameters()])
    steps = buffer.flush(1, 0.0)
    assert steps.grad_norm[0] == pytest.approx(grads.norm().item(), rel=1e-5)
    assert steps.grad_norm[0] > 0 and steps.loss.shape == steps.acc.shape == (1,)
