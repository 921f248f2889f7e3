"""The DCGAN trained briefly on digits (tests/conftest.py), loaded once for the iGAN tests: it
draws digits the trained LeNet reads (an edit toward a real digit ends with a candidate it
classifies at >= 0.8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deepscope.core.igan.generator import Gan, load_gan


@pytest.fixture(scope="session")
def digits_gan(digits_gan_run: Path) -> Gan:
    return load_gan(digits_gan_run, "cpu")
