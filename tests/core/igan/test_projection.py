"""Projection onto the digits generator's manifold: by optimization, by the inverting network
trained on G's own samples (saved beside the run, reloaded, stale for another checkpoint), and
by both; a cGAN's class searched when it is not given."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from PIL import Image

from deepscope.core.data.digits import load_digits
from deepscope.core.data.sources import ArrayImage, DatasetImage, FileImage
from deepscope.core.igan.edit import draw_start
from deepscope.core.igan.encoder import (
    ENCODER_FILE,
    encoder_job,
    load_encoder,
    ready_encoder_job,
)
from deepscope.core.igan.events import (
    EncoderProgress,
    EncoderReady,
    EncoderSettings,
    Projection,
    ProjectionSettings,
)
from deepscope.core.igan.generator import Gan, load_gan
from deepscope.core.igan.images import image_of
from deepscope.core.igan.projection import NO_ENCODER, projection_job
from deepscope.core.models.gan_spec import GanSpec
from tests.factories import save_gan

QUICK_ENCODER = EncoderSettings(steps=100)


def project(gan: Gan, target: np.ndarray, **settings) -> list[Projection]:
    job = projection_job(gan, target, ProjectionSettings(frame_interval=0, **settings))
    return [p for p in job if p is not None]


def made(gan: Gan, n: int, seed: int, label: int | None = None) -> np.ndarray:
    """Images the generator drew (n x C x H x W)."""
    start = draw_start(gan, n, seed, label)
    labels = None if start.labels is None else torch.from_numpy(start.labels)
    with torch.no_grad():
        return gan.images(torch.from_numpy(start.z), labels).numpy()


@pytest.fixture(scope="module")
def trained(digits_gan: Gan) -> list:
    """The encoder job's events, once (it saves beside the run)."""
    return [e for e in encoder_job(digits_gan, QUICK_ENCODER) if e is not None]


def test_the_encoder_trains_with_progress_and_is_saved_beside_the_run(digits_gan, trained):
    progress, ready = trained[:-1], trained[-1]
    assert all(isinstance(p, EncoderProgress) for p in progress)
    assert [p.done for p in progress] == list(range(25, 101, 25))
    assert progress[-1].loss < progress[0].loss
    assert isinstance(ready, EncoderReady) and ready.trained and ready.steps == 100
    assert ready.path == str(digits_gan.checkpoint.parent / ENCODER_FILE)
    assert [type(e) for e in ready_encoder_job(digits_gan)] == [EncoderReady]  # reloaded
    assert load_encoder(digits_gan) is not None
    later = replace(digits_gan, step=digits_gan.step + 1)  # the run trained on: stale
    assert load_encoder(later) is None


def test_hybrid_recovers_generated_images_better_than_the_encoder_alone(digits_gan, trained):
    for target in made(digits_gan, 3, seed=40):
        alone = project(digits_gan, target, method="encoder")
        assert [p.step for p in alone] == [1] and alone[0].steps == 1
        hybrid = project(digits_gan, target, method="hybrid", steps=150)
        assert hybrid[0].mse == pytest.approx(alone[0].mse, rel=1e-4)  # from E's guess
        best = hybrid[-1]
        assert best.done and best.psnr >= 25 and best.mse < alone[0].mse
        assert [p.mse for p in hybrid] == sorted((p.mse for p in hybrid), reverse=True)
        with torch.no_grad():
            again = digits_gan.images(torch.from_numpy(best.z), None)[0].numpy()
        np.testing.assert_allclose(again, best.reconstruction, atol=1e-5)
        np.testing.assert_array_equal(best.target, target)


def test_hybrid_projects_real_digits_better_than_the_encoder_and_as_well_as_opt(digits_gan,
                                                                               trained):
    """Real digits lie off the manifold: every method ends on G's nearest digit, and hybrid's
    one refined guess gets as near it as opt's best of several starts (within 5%)."""
    for index in (0, 900):
        target = load_digits(28).images[index].numpy() / np.float32(255)
        alone = project(digits_gan, target, method="encoder")[-1]
        hybrid = project(digits_gan, target, method="hybrid", steps=100)[-1]
        opt = project(digits_gan, target, method="opt", steps=100, starts=4)[-1]
        assert hybrid.mse < alone.mse and hybrid.mse <= 1.05 * opt.mse


def test_optimization_alone_needs_no_encoder_and_refuses_a_wrong_size(digits_gan):
    target = made(digits_gan, 1, seed=41)[0]
    best = project(digits_gan, target, method="opt", steps=100, starts=4)[-1]
    assert best.psnr >= 20 and best.label is None and not best.label_searched
    with pytest.raises(ValueError, match=r"must be 1 x 28 x 28 .* got 3 x 28 x 28"):
        project(digits_gan, np.zeros((3, 28, 28), np.float32), method="opt")


def test_the_inverting_network_is_needed_before_it_exists(tmp_path):
    save_gan(tmp_path)
    gan = load_gan(tmp_path, "cpu")
    with pytest.raises(ValueError, match=NO_ENCODER[:40]):
        project(gan, np.zeros((1, 16, 16), np.float32), method="hybrid")


def test_a_cgans_class_is_searched_unless_given(tmp_path):
    spec = GanSpec("cgan", 8, 1, 16, num_classes=4, width=4)
    save_gan(tmp_path, spec=spec)
    gan = load_gan(tmp_path, "cpu")
    target = made(gan, 1, seed=5, label=2)[0]
    searched = project(gan, target, method="opt", steps=60, starts=4)[-1]
    assert searched.label == 2 and searched.label_searched
    given = project(gan, target, method="opt", steps=5, starts=2, label=1)[-1]
    assert given.label == 1 and not given.label_searched


def test_a_drawing_a_file_or_a_dataset_image_becomes_the_target(digits_gan, tmp_path):
    drawing = np.zeros((56, 56), np.uint8)
    drawing[16:40, 24:32] = 255  # a "1", drawn at twice the size
    target, note = image_of(digits_gan, ArrayImage(drawing))
    assert target.shape == (1, 28, 28) and target.dtype == np.float32 and target.max() == 1
    assert note == "drawing: 56x56x1 converted to 1x28x28 (the generator's size)"
    small = np.asarray(Image.fromarray(drawing).resize((28, 28), Image.Resampling.BILINEAR))
    assert image_of(digits_gan, ArrayImage(small))[1] is None
    Image.fromarray(small).save(tmp_path / "one.png")
    from_file, note = image_of(digits_gan, FileImage(tmp_path / "one.png"))
    np.testing.assert_array_equal(from_file[0], small / np.float32(255))
    assert note is None
    digit, note = image_of(digits_gan, DatasetImage(3))
    np.testing.assert_array_equal(digit, load_digits(28).images[3].numpy() / np.float32(255))
    assert note is None
