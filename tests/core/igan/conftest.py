"""A DCGAN trained briefly on digits, made once for the iGAN tests: 5 epochs of width 32 take
~6 s on 2 cores, and draw digits the trained LeNet reads (an edit toward a real digit ends
with a candidate it classifies at >= 0.8)."""

from __future__ import annotations

import pytest

from deepscope.core.gan.config import GanConfig
from deepscope.core.gan.trainer import train_gan
from deepscope.core.igan.generator import Gan, load_gan
from deepscope.core.runs.store import RunStore

DIGITS_GAN = GanConfig(model="dcgan", width=32, epochs=5)


@pytest.fixture(scope="session")
def digits_gan(tmp_path_factory: pytest.TempPathFactory) -> Gan:
    with RunStore(tmp_path_factory.mktemp("igan-digits")) as store:
        done = [e for e in train_gan(DIGITS_GAN, store) if e is not None][-1]
    assert done.status == "finished", done.message
    return load_gan(done.run_dir, "cpu")
