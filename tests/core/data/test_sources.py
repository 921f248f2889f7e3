"""Where an image comes from: drawn arrays converted to a model's input, and the dataset split
a run was trained on."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from deepscope.core.data.digits import load_digits
from deepscope.core.data.pixels import array_pixels
from deepscope.core.data.sources import DatasetRef


def test_array_pixels_resizes_and_adapts_channels():
    drawing = np.zeros((280, 280), np.uint8)
    drawing[:, 140:] = 255
    grey = array_pixels(drawing, 28, 1)
    assert grey.shape == (1, 28, 28) and grey.dtype == torch.uint8
    assert grey[0, :, :13].max() == 0 and grey[0, :, 15:].min() == 255
    rgb = array_pixels(np.dstack([drawing] * 3 + [np.full_like(drawing, 255)]), 32, 3)
    assert rgb.shape == (3, 32, 32) and torch.equal(rgb[0], rgb[2])
    with pytest.raises(ValueError, match="H x W or H x W x 3"):
        array_pixels(np.zeros((4, 4, 2), np.uint8), 28, 1)
    with pytest.raises(ValueError, match="pixels"):
        array_pixels(np.zeros((0, 4), np.uint8), 28, 1)


def test_dataset_ref_reproduces_the_training_split():
    ref = DatasetRef.from_config({"dataset": "digits", "seed": 5, "val_fraction": 0.1,
                                  "test_fraction": 0.2})
    assert ref.fractions == pytest.approx((0.7, 0.1, 0.2))
    digits = load_digits()
    images = replace(digits, images=digits.images[:100], labels=digits.labels[:100])
    parts = [ref.split(images, s) for s in ("train", "validation", "test")]
    assert sorted(np.concatenate(parts).tolist()) == list(range(100))
    assert len(parts[2]) == 20 and ref.split(images, "all").tolist() == list(range(100))
    with pytest.raises(ValueError, match="unknown split"):
        ref.split(images, "holdout")
