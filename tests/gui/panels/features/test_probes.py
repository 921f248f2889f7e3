"""The Backprop, Maximize and Gram views of the features panel, through their real widgets,
on the untrained LeNet run: each shows what core computes for the panel's image and channel."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepscope.core.data import DatasetImage
from deepscope.core.features import ClassTarget, UnitTarget
from deepscope.core.features.gram import gram_job
from deepscope.core.features.saliency import attribution
from deepscope.core.runs.inputs import InputCache
from deepscope.core.runs.sources import RunModel
from deepscope.panels.features.panel import BACKPROP, GRAM, MAXIMIZE
from tests.gui.panels.features.test_panel import LEFT, idle, pick_layer


def the_image(panel, run):
    cache = InputCache("cpu")
    clf = cache.classifier(RunModel(run.dir))
    return clf, cache.pixels(clf, panel.source.source())[0]


def test_backprop_follows_method_target_and_channel(qtbot, features, classifier_run, tmp_path):
    features.views.setCurrentIndex(BACKPROP)
    idle(qtbot, features)
    att = features.backprop.att
    clf, pixels = the_image(features, classifier_run)
    with torch.no_grad():
        predicted = int(clf.model(clf.normalize(pixels[None])).argmax())
    assert att.method == "gradient" and att.target == ClassTarget(predicted)
    np.testing.assert_allclose(att.values, attribution(clf, pixels, att.target, "gradient").values,
                               atol=1e-6)
    features.backprop.method.setCurrentIndex(3)  # Grad-CAM at the layer
    pick_layer(qtbot, features, "features.conv2.conv")
    att = features.backprop.att
    assert att.method == "gradcam" and att.layer == "features.conv2.conv"
    assert att.values.shape == (10, 10) and att.upsampled.shape == (28, 28)
    assert "Grad-CAM at features.conv2.conv" in features.backprop.caption.text()
    features.backprop.method.setCurrentIndex(1)  # guided backprop
    features.backprop.target.setCurrentIndex(3)  # the selected channel
    features.select_channel(4)
    idle(qtbot, features)
    att = features.backprop.att
    assert att.method == "guided" and att.target == UnitTarget("features.conv2.conv", 4)
    assert features.backprop.export_npy(tmp_path / "b") == tmp_path / "b"
    assert np.load(tmp_path / "b" / "attribution.npy").shape == (1, 28, 28)
    assert features.backprop.export_png(tmp_path / "b.png").stat().st_size > 0


def test_maximize_shows_images_as_they_change_and_can_be_cancelled(qtbot, features):
    features.views.setCurrentIndex(MAXIMIZE)
    pick_layer(qtbot, features, "features.conv1.conv")
    features.select_channel(2)
    features.maximize.steps.setValue(30)
    features.maximize.seeds.setValue(2)
    qtbot.mouseClick(features.maximize.run_button, LEFT)
    assert features.job is not None and features.maximize.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: features.job is None, timeout=60_000)
    frame = features.maximize.frame
    assert frame.step == frame.steps == 30 and frame.images.shape == (2, 1, 28, 28)
    assert frame.target == UnitTarget("features.conv1.conv", 2)
    assert frame.images.min() >= 0 and frame.images.max() <= 1
    assert len(features.maximize.grid.images) == 2
    features.maximize.steps.setValue(10_000)
    qtbot.mouseClick(features.maximize.run_button, LEFT)
    qtbot.waitUntil(lambda: features.maximize.frame is not None, timeout=30_000)
    qtbot.mouseClick(features.maximize.cancel_button, LEFT)
    qtbot.waitUntil(lambda: features.job is None, timeout=30_000)
    assert features.maximize.frame.step < 10_000
    assert "cancelled" in features.status.text()
    assert features.maximize.run_button.isEnabled()


def test_gram_and_style_distance_to_a_dataset_image(qtbot, features, classifier_run):
    features.views.setCurrentIndex(GRAM)
    pick_layer(qtbot, features, "features.conv2.conv")
    view = features.gram.gram
    assert view.layer == "features.conv2.conv" and view.gram.shape == (16, 16)
    assert view.distance is None
    features.gram.compare.setChecked(True)
    features.gram.other.setValue(9)
    idle(qtbot, features)
    clf, pixels = the_image(features, classifier_run)
    other = InputCache("cpu")
    other_clf = other.classifier(RunModel(classifier_run.dir))
    second = other.pixels(other_clf, DatasetImage(9))[0]
    (expected,) = gram_job(clf, pixels, "features.conv2.conv", second)
    assert features.gram.gram.distance == pytest.approx(expected.distance, rel=1e-5)
    assert "Style distance" in features.gram.caption.text()
