"""GAN training jobs: configuration checks, events and store rows, stop, divergence, collapse,
a one-image dataset, scores that improve."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from deepscope.core.data.digits import load_digits
from deepscope.core.gan import trainer as gan_trainer
from deepscope.core.gan.config import GanConfig, problems
from deepscope.core.gan.events import (
    GanEpochEnd,
    GanFinished,
    GanSamples,
    GanScored,
    GanStarted,
    GanSteps,
)
from deepscope.core.gan.scoring import score_run
from deepscope.core.gan.step import METRICS
from deepscope.core.gan.trainer import train_gan
from deepscope.core.models.gan_spec import GanSpec
from deepscope.core.runs.checkpoint import load_checkpoint
from deepscope.core.runs.generators import load_generator, load_samples
from deepscope.core.runs.store import RunStore
from deepscope.core.training.metrics import step_seconds
from tests.factories import STEPS_PER_EPOCH, stored_gan

SMALL = GanConfig(model="dcgan", width=8, epochs=2, samples_every=10)


def run_events(config: GanConfig, store: RunStore) -> list:
    return [e for e in train_gan(config, store) if e is not None]


def of(kind, events):
    return [e for e in events if isinstance(e, kind)]


@pytest.fixture
def judge_run(trained_classifier_run) -> str:
    """The judge of the generators: a LeNet trained briefly on digits."""
    return str(trained_classifier_run.dir)


def test_config_problems_name_the_absurd_values():
    absurd = GanConfig(d_lr=-1, g_lr=50, g_beta1=1.5, latent_dim=0, d_steps=0, prior="cauchy",
                       loss="hinge", model="stylegan", ema_decay=1.0, samples_every=0,
                       image_size=4, t_d=math.inf, batch_size=0, g_optimizer="lbfgs")
    text = " ".join(problems(absurd))
    for words in ("D learning rate", "G learning rate", "G betas", "latent size", "D steps",
                  "prior", "loss", "model", "EMA decay", "samples every", "image size",
                  "thresholds", "batch size", "G optimizer"):
        assert words in text
    assert problems(GanConfig()) == []
    assert GanConfig.from_dict(GanConfig(loss="wgan").to_dict() | {"stale": 1}).loss == "wgan"


def test_run_yields_events_logs_steps_and_saves_checkpoints_and_samples(tmp_path):
    store = RunStore(tmp_path)
    events = run_events(SMALL, store)
    started, done = events[0], events[-1]
    assert isinstance(started, GanStarted) and isinstance(done, GanFinished)
    assert started.image_shape == (1, 28, 28) and len(started.classes) == 10
    assert started.total_steps == 2 * started.steps_per_epoch and not started.conditional
    steps = of(GanSteps, events)
    step_ids = np.concatenate([s.step for s in steps])
    assert np.array_equal(step_ids, np.arange(started.total_steps))
    for s in steps:
        assert all(len(getattr(s, k)) == len(s.step) for k in METRICS)
        assert np.all((s.d_real >= 0) & (s.d_real <= 1)) and np.isnan(s.wasserstein).all()
        assert np.isfinite(s.d_grad_norm).all() and s.steps_per_s > 0
    samples = of(GanSamples, events)
    assert [s.step for s in samples] == list(range(10, started.total_steps + 1, 10))
    assert samples[0].images.dtype == np.uint8 and samples[0].images.shape == (64, 1, 28, 28)
    assert 0 < samples[-1].diversity < 5
    timeline = load_samples(done.run_dir)
    assert [t[0] for t in timeline] == [s.step for s in samples]
    assert np.array_equal(timeline[-1][1], samples[-1].images)
    assert timeline[-1][3] == pytest.approx(samples[-1].diversity)
    ends = of(GanEpochEnd, events)
    assert [e.epoch for e in ends] == [1, 2] and ends[0].scores is None
    run = store.get(done.run_id)
    assert run.kind == "gan" and run.status == done.status == "finished"
    logged = store.steps(done.run_id)
    assert np.array_equal(logged["step"], step_ids)
    np.testing.assert_allclose(logged["g_loss"], np.concatenate([s.g_loss for s in steps]),
                               rtol=1e-6)
    assert "steps_per_s" not in logged  # stored under the classifier's name: seconds per step
    np.testing.assert_allclose(step_seconds(logged),
                               np.concatenate([[s.step_time] * len(s.step) for s in steps]))
    assert list(store.epochs(done.run_id)["epoch"]) == [1, 2]
    g, spec, meta = load_generator(done.run_dir)
    assert meta["epoch"] == 2 and spec.latent_dim == SMALL.latent_dim


@pytest.mark.parametrize("changes", [
    {"loss": "minimax"},
    {"loss": "wgan", "d_steps": 3},
    {"loss": "wgan-gp", "replay": True},
    {"model": "cgan", "schedule": "adaptive", "scale_tanh": False, "ema": False},
    {"batch_norm": False, "leaky_relu": False, "label_smoothing": False, "d_optimizer": "sgd",
     "prior": "sphere"},
])
def test_every_loss_schedule_and_trick_trains(tmp_path, changes):
    config = GanConfig(width=8, epochs=1, batch_size=128, **changes)
    events = run_events(config, RunStore(tmp_path))
    assert events[-1].status == "finished", events[-1].message
    steps = of(GanSteps, events)
    cols = {k: np.concatenate([getattr(s, k) for s in steps]) for k in METRICS}
    assert np.isfinite(cols["d_loss"]).all() and np.isfinite(cols["g_loss"]).all()
    wgan = config.loss in ("wgan", "wgan-gp")
    assert np.isfinite(cols["wasserstein"]).all() == wgan
    d_updated, g_updated = np.isfinite(cols["d_grad_norm"]), np.isfinite(cols["g_grad_norm"])
    if config.schedule == "adaptive":
        assert np.all(d_updated ^ g_updated) and d_updated.any() and g_updated.any()
    else:
        assert d_updated.all() and g_updated.sum() == len(g_updated) // config.d_steps
    if config.loss == "wgan":
        state, _, _ = load_checkpoint(events[-1].run_dir)
        d_weights = [v for k, v in state.items() if k.startswith("discriminator.") and
                     v.is_floating_point() and "running" not in k]
        assert max(float(w.abs().max()) for w in d_weights) <= 0.01 + 1e-7


def test_stop_mid_run_keeps_the_run_and_its_checkpoints(tmp_path):
    store = RunStore(tmp_path)
    job = train_gan(SMALL, store)
    started = next(job)
    for event in job:
        if isinstance(event, GanEpochEnd):
            break
    job.close()
    run = store.get(started.run_id)
    assert run.status == "stopped" and f"step {started.steps_per_epoch}" in run.message
    assert len(store.steps(started.run_id)["step"]) == started.steps_per_epoch
    g, _, meta = load_generator(run.dir)
    assert meta["epoch"] == 1
    assert g(torch.zeros(2, SMALL.latent_dim)).shape == (2, 1, 28, 28)


@pytest.mark.parametrize("changes", [{}, {"model": "cgan", "replay": True,
                                         "schedule": "adaptive"}])
def test_a_stopped_run_resumes_as_if_it_had_not_stopped(tmp_path, changes):
    config = replace(SMALL, batch_size=256, samples_every=3, **changes)
    whole = run_events(config, RunStore(tmp_path / "whole"))[-1]
    store = RunStore(tmp_path / "parts")
    first = run_events(replace(config, epochs=1), store)[-1]
    with pytest.raises(ValueError, match="ask for more epochs"):
        next(train_gan(replace(config, epochs=1), store, resume=first.run_id))
    events = [e for e in train_gan(config, store, resume=first.run_id) if e is not None]
    started = of(GanStarted, events)[0]
    assert started.run_id == first.run_id and events[-1].status == "finished"
    assert started.first_step == started.steps_per_epoch
    assert [e.epoch for e in of(GanEpochEnd, events)] == [2]
    assert of(GanSteps, events)[0].wall > store.epochs(first.run_id)["seconds"][0]  # clock goes on
    replayed = [e.step for e in of(GanSamples, events) if e.step <= started.first_step]
    assert replayed == [s for s, *_ in load_samples(first.run_dir)][:len(replayed)] != []
    (a, _, meta), (b, _, _) = load_checkpoint(whole.run_dir), load_checkpoint(first.run_dir)
    assert meta["epoch"] == 2 and a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a), "same weights as the run never stopped"
    steps = store.steps(first.run_id)["step"]
    assert (steps == np.arange(2 * of(GanStarted, events)[0].steps_per_epoch)).all()
    assert len(store.runs("gan")) == 1


def test_a_run_stopped_mid_epoch_resumes_from_the_step_it_stopped_at(tmp_path):
    store, config = RunStore(tmp_path), replace(SMALL, batch_size=256, epochs=3)
    job = train_gan(config, store, emit_interval=0)
    started = next(job)
    ends = 0
    for event in job:  # stop a few steps into epoch 2: a checkpoint of that step is kept
        ends += isinstance(event, GanEpochEnd)
        if ends and isinstance(event, GanSteps) and event.step[-1] > started.steps_per_epoch:
            break
    job.close()
    events = [e for e in train_gan(config, store, resume=started.run_id) if e is not None]
    assert of(GanStarted, events)[0].first_step == event.step[-1] + 1
    assert [e.epoch for e in of(GanEpochEnd, events)] == [2, 3]
    steps = store.steps(started.run_id)["step"]
    assert (steps == np.arange(3 * started.steps_per_epoch)).all()  # every step once
    assert store.get(started.run_id).status == "finished"


def test_absurd_learning_rate_diverges_naming_the_step(tmp_path):
    config = GanConfig(width=8, epochs=3, loss="minimax", d_optimizer="sgd", g_optimizer="sgd",
                       d_lr=10, g_lr=10)
    store = RunStore(tmp_path)
    done = run_events(config, store)[-1]
    assert done.status == "diverged" and "Try lower learning rates" in done.message
    bad_step = int(done.message.split("at step ")[1].split()[0])
    logged = store.steps(done.run_id)
    assert list(logged["step"]) == list(range(bad_step))
    assert np.isfinite(logged["d_loss"]).all() and np.isfinite(logged["g_loss"]).all()
    assert store.get(done.run_id).status == "diverged"


def test_a_collapsed_generator_is_still_scored(tmp_path, judge_run):
    # Adam at lr 10 saturates G's tanh: every sample becomes the same image
    config = GanConfig(model="dcgan", width=8, epochs=1, d_lr=10, g_lr=10, ema=False,
                       classifier=judge_run)
    events = run_events(config, RunStore(tmp_path))
    end = of(GanEpochEnd, events)[-1]
    assert events[-1].status == "diverged"  # its losses ran away (training.divergence)
    assert "averaged" in events[-1].message
    assert end.diversity < 0.05 and end.scores.classes_covered <= 2
    assert end.scores.inception_score == pytest.approx(1.0, abs=0.2)
    assert math.isfinite(end.scores.frechet_distance) and end.scores.frechet_distance > 0
    assert "lenet" in end.scores.classifier


def test_one_image_dataset_trains(tmp_path, monkeypatch):
    digits = load_digits(28)
    one = type(digits)("one", digits.images[:1], digits.labels[:1], digits.classes)
    monkeypatch.setattr(gan_trainer, "load_dataset", lambda *a, **kw: one)
    events = run_events(GanConfig(width=8, epochs=3, samples_every=1), RunStore(tmp_path))
    started, done = events[0], events[-1]
    assert started.steps_per_epoch == 1 and done.status == "finished"
    assert all(math.isnan(s.diversity) for s in of(GanSamples, events))  # one real image
    assert np.isfinite(np.concatenate([s.d_loss for s in of(GanSteps, events)])).all()
    load_generator(done.run_dir)


@pytest.mark.slow  # 3 epochs of the default cGAN: ~6 s
def test_scores_improve_over_epochs(tmp_path, judge_run):
    config = GanConfig(epochs=3, classifier=judge_run)  # the default cGAN
    ends = of(GanEpochEnd, run_events(config, RunStore(tmp_path)))
    first, last = ends[0].scores, ends[-1].scores
    assert last.inception_score > first.inception_score + 1
    assert last.frechet_distance < 0.5 * first.frechet_distance
    assert last.classes_covered > first.classes_covered


def test_a_stored_generator_is_scored_on_demand(tmp_path, judge_run):
    spec = GanSpec("dcgan", SMALL.latent_dim, 1, 28, width=SMALL.width)
    run = stored_gan(RunStore(tmp_path), spec=spec, epochs=2)
    scored = of(GanScored, score_run(run.dir, judge_run, False, n=200))
    assert len(scored) == 1 and scored[0].epoch == 2
    assert scored[0].step == 2 * STEPS_PER_EPOCH
    s = scored[0].scores
    assert s.class_histogram.sum() == pytest.approx(1) and 1 <= s.inception_score <= 10
    assert math.isfinite(s.frechet_distance) and "lenet" in s.classifier
    every = of(GanScored, score_run(run.dir, judge_run, False, n=200, every_epoch=True))
    assert [e.epoch for e in every] == [1, 2]
    assert every[-1].scores.frechet_distance == pytest.approx(s.frechet_distance)  # same z


def test_a_wrong_judge_creates_no_run(tmp_path):
    store = RunStore(tmp_path)
    with pytest.raises(ValueError, match="not a classifier run"):
        run_events(GanConfig(classifier=str(tmp_path / "nothing")), store)
    assert store.runs() == []
