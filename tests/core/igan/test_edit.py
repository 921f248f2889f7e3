"""The edit job on a generator trained on digits: candidates follow the paint, stay digits,
come best first, restart from where they stood, and keep to the prior's support."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepscope.core.data.digits import load_digits
from deepscope.core.igan.edit import draw_start, edit_job, morph, open_job
from deepscope.core.igan.events import Candidates, Constraints, EditSettings
from deepscope.core.igan.generator import Gan, GanCache, load_gan
from deepscope.core.igan.support import in_support
from deepscope.core.models.gan_spec import GanSpec
from deepscope.core.runs.loader import load_classifier
from deepscope.core.runs.store import RunInfo
from tests.factories import gan_meta, save_gan

EVERY_STEP = EditSettings(frame_interval=0)


def frames(gan: Gan, start, constraints: Constraints, settings=EVERY_STEP) -> list[Candidates]:
    return [f for f in edit_job(gan, start, constraints, settings) if f is not None]


def centre_mask(size: int = 28, margin: int = 4) -> np.ndarray:
    mask = np.zeros((size, size), np.float32)
    mask[margin:-margin, margin:-margin] = 1
    return mask


def confidence(run: RunInfo, images: np.ndarray) -> np.ndarray:
    clf = load_classifier(run.dir, "cpu")
    with torch.no_grad():
        logits = clf.model(clf.normalize(torch.from_numpy(images * 255)))
    return logits.softmax(1).max(1).values.numpy()


@pytest.mark.parametrize("index", [0, 21])
def test_a_colour_edit_follows_the_paint_and_stays_a_digit(digits_gan, trained_classifier_run,
                                                          index):
    digit = load_digits(28).images[index].float().numpy() / 255  # painted over the centre
    shown = frames(digits_gan, draw_start(digits_gan, 16, seed=index),
                   Constraints(colour=digit, colour_mask=centre_mask()))
    first, done = shown[0], shown[-1]
    assert [f.step for f in shown] == list(range(41)) and done.done
    assert first.colour_error.mean() >= 5 * done.colour_error[0]
    assert confidence(trained_classifier_run, done.images[:1])[0] >= 0.8
    for frame in (first, done):
        assert (np.diff(frame.costs) >= 0).all()  # best first
        assert frame.images.shape == (16, 1, 28, 28) and frame.images.min() >= 0
        assert frame.images.max() <= 1 and in_support(torch.from_numpy(frame.z), "gaussian")
    with torch.no_grad():  # each image is its latent's
        again = digits_gan.images(torch.from_numpy(done.z), None).numpy()
    np.testing.assert_allclose(again, done.images, atol=1e-5)


def test_a_sketch_draws_edges_under_its_lines(digits_gan):
    line = np.zeros((28, 28), np.float32)
    line[6:22, 14] = 1  # a vertical stroke down the middle
    shown = frames(digits_gan, draw_start(digits_gan, 16, seed=3),
                   Constraints(edges=line, edge_mask=line))
    assert shown[0].edge_error.mean() >= 5 * shown[-1].edge_error[0]
    assert (shown[-1].colour_error == 0).all()  # nothing painted in colour


def test_a_stroke_restarts_from_the_candidates_with_their_anchors(digits_gan):
    digit = load_digits(28).images[0].float().numpy() / 255
    done = frames(digits_gan, draw_start(digits_gan, 8, seed=1),
                  Constraints(colour=digit, colour_mask=centre_mask()))[-1]
    dark = Constraints(colour=np.zeros((1, 28, 28), np.float32), colour_mask=centre_mask(28, 10))
    restarted = frames(digits_gan, done.restart(), dark, EditSettings(steps=5, frame_interval=0))
    first = restarted[0]
    rows = [np.abs(done.z - z).max(1).argmin() for z in first.z]
    assert sorted(rows) == list(range(8))  # the same candidates, ranked by the new cost
    np.testing.assert_allclose(first.z, done.z[rows], atol=1e-4)
    np.testing.assert_array_equal(first.z0, done.z0[rows])
    assert len(done.restart(keep=3).z) == 3


def test_frames_come_at_the_start_and_end_with_ticks_between_when_paced(digits_gan):
    line = np.ones((28, 28), np.float32)
    items = list(edit_job(digits_gan, draw_start(digits_gan, 4), Constraints(
        colour=np.zeros((1, 28, 28), np.float32), colour_mask=line),
        EditSettings(steps=6, frame_interval=1e9)))
    assert [None if i is None else i.step for i in items] == [0, None, None, None, None, None, 6]


@pytest.mark.parametrize("prior", ["uniform", "gaussian", "sphere"])
def test_latents_stay_in_the_priors_support_under_any_push(tmp_path, prior):
    spec = GanSpec("cgan", 8, 3, 16, num_classes=3, width=4)
    save_gan(tmp_path, spec=spec, meta=gan_meta(spec, prior=prior))
    gan = load_gan(tmp_path, "cpu")
    white = Constraints(colour=np.ones((3, 16, 16), np.float32),
                        colour_mask=np.ones((16, 16), np.float32))
    start = draw_start(gan, 6, seed=2)
    assert list(start.labels) == [0, 1, 2, 0, 1, 2]  # a cGAN's draws cycle the classes
    for frame in frames(gan, start, white, EditSettings(steps=30, lr=5.0, frame_interval=0)):
        assert in_support(torch.from_numpy(frame.z), prior)
        assert sorted(frame.labels) == [0, 0, 1, 1, 2, 2]


@pytest.mark.parametrize("constraints, words", [
    (Constraints(colour=np.zeros((3, 28, 28), np.float32),
                 colour_mask=np.ones((28, 28), np.float32)), "colour must be 1 x 28 x 28"),
    (Constraints(colour=np.zeros((1, 28, 28), np.float32)), "give both or neither"),
    (Constraints(edges=np.ones((28, 28), np.float32), edge_mask=np.zeros((28, 28), np.float32)),
     "nothing is painted"),
    (Constraints(), "nothing is painted"),
])
def test_constraints_that_do_not_fit_are_refused(digits_gan, constraints, words):
    with pytest.raises(ValueError, match=words):
        next(edit_job(digits_gan, draw_start(digits_gan, 2), constraints))


def test_the_morph_runs_from_the_start_to_the_candidate(digits_gan):
    start = draw_start(digits_gan, 2, seed=9)
    frames = morph(digits_gan, start.z[0], start.z[1], mode="slerp")
    assert frames.z.shape == (16, 64) and frames.images.shape == (16, 1, 28, 28)
    with torch.no_grad():
        ends = digits_gan.images(torch.from_numpy(start.z), None).numpy()
    np.testing.assert_allclose(frames.images[[0, -1]], ends, atol=1e-5)
    assert np.abs(np.diff(frames.images, axis=0)).sum((1, 2, 3)).min() > 0  # every frame moves


def test_opening_a_run_names_the_generator_and_shows_the_first_candidates(tmp_path):
    spec = GanSpec("cgan", 8, 3, 16, num_classes=10, width=4)
    save_gan(tmp_path, spec=spec, meta=gan_meta(spec, prior="uniform"))
    cache = GanCache("cpu")
    info, first = open_job(cache, str(tmp_path), candidates=5, seed=1)
    assert info.spec == spec and info.prior == "uniform" and info.epoch == 1
    assert info.classes == tuple("0123456789")
    assert info.conditional and info.device == "cpu" and not info.encoder_saved
    start = draw_start(cache.get(str(tmp_path)), 5, seed=1)
    np.testing.assert_array_equal(first.z, start.z)  # in the draws' order: nothing painted
    assert first.step == 0 and (first.costs == 0).all() and first.images.shape == (5, 3, 16, 16)
    with pytest.raises(ValueError, match="needs one class label per latent"):
        morph(cache.get(str(tmp_path)), start.z[0], start.z[1])
