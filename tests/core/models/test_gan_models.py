"""GAN generators and discriminators: shapes, toggles, checkpoints and generator loading."""

import json

import numpy as np
import pytest
import torch
from torch import nn

from deepscope.core.models.gan import Discriminator, Generator, build_gan, generate
from deepscope.core.models.gan_spec import GanSpec
from deepscope.core.runs.checkpoint import CheckpointError, load_model
from deepscope.core.runs.generators import load_generator, load_samples, save_samples
from tests.factories import save_classifier, save_gan


def z(n: int, dim: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", ["dcgan", "cgan"])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("size", [28, 32, 64])
def test_shapes_for_sizes_channels_and_the_conditional_variant(name, channels, size):
    g, d = build_gan(GanSpec(name, 16, channels, size, num_classes=10, width=8))
    labels = torch.tensor([0, 3, 9])
    images = g(z(3), labels)
    assert images.shape == (3, channels, size, size)
    assert d(images, labels).shape == (3,)


def test_output_ranges_and_no_sigmoid_in_d():
    tanh_g, d = build_gan(GanSpec("dcgan", 16, 1, 28, width=8))
    sigmoid_g = Generator(GanSpec("dcgan", 16, 1, 28, width=8, tanh=False))
    big = z(64) * 10
    with torch.no_grad():
        assert tanh_g(big).min() < 0 and tanh_g(big).abs().max() <= 1
        assert sigmoid_g(big).min() >= 0 and sigmoid_g(big).max() <= 1
    for g in (tanh_g, sigmoid_g):
        out = generate(g, big)
        assert out.min() >= 0 and out.max() <= 1
    assert isinstance(list(d.modules())[-1], nn.Linear)  # logits: the losses apply the sigmoid


def test_toggles_change_the_layers():
    def kinds(net):
        return {type(m) for m in net.modules()}

    plain = GanSpec("dcgan", 16, 1, 28, width=8, g_batch_norm=False, d_batch_norm=False,
                    leaky_relu=False)
    g, d = build_gan(plain)
    assert nn.BatchNorm2d not in kinds(g) | kinds(d)
    assert nn.LeakyReLU not in kinds(d) and nn.ReLU in kinds(d)
    g, d = build_gan(GanSpec("dcgan", 16, 1, 28, width=8))
    assert nn.BatchNorm2d in kinds(g) and nn.BatchNorm2d in kinds(d) and nn.LeakyReLU in kinds(d)


def test_labels_steer_the_conditional_generator():
    g, d = build_gan(GanSpec("cgan", 16, 1, 28, num_classes=10, width=8))
    g.eval()
    with torch.no_grad():
        same_z = z(1).expand(2, -1)
        a, b = g(same_z, torch.tensor([1, 7]))
    assert not torch.allclose(a, b)
    with pytest.raises(ValueError, match="needs class labels"):
        g(z(2))
    with pytest.raises(ValueError, match="needs class labels"):
        d(torch.zeros(2, 1, 28, 28))


@pytest.mark.parametrize("spec, words", [
    (GanSpec("stylegan", 16, 1, 28), "unknown GAN model"),
    (GanSpec("dcgan", 16, 2, 28), "channels"),
    (GanSpec("dcgan", 16, 1, 8), "image_size"),
    (GanSpec("dcgan", 0, 1, 28), "latent_dim"),
    (GanSpec("cgan", 16, 1, 28, num_classes=1), "at least 2 classes"),
])
def test_bad_specs_are_named(spec, words):
    with pytest.raises(ValueError, match=words):
        Generator(spec)
    with pytest.raises(ValueError, match=words):
        Discriminator(spec)


SPEC = GanSpec("cgan", 16, 1, 28, num_classes=10, width=8)


def outputs(g):
    with torch.no_grad():
        return g.eval()(z(4), torch.arange(4))


def test_generator_checkpoint_round_trip(tmp_path):
    save_gan(tmp_path, 1, spec=SPEC)
    later = save_gan(tmp_path, 2, spec=SPEC)
    g, spec, meta = load_generator(tmp_path)  # a run folder: its latest epoch
    assert spec == SPEC and meta["epoch"] == 2 and not g.training
    torch.testing.assert_close(outputs(g), outputs(later["ema"]), rtol=0, atol=0)
    raw, _, _ = load_generator(tmp_path, ema=False)
    torch.testing.assert_close(outputs(raw), outputs(later["generator"]), rtol=0, atol=0)
    sidecar = json.loads((tmp_path / "epoch-0002.json").read_text())
    assert sidecar["spec"] == "gan" and sidecar["model"]["name"] == "cgan"


def test_without_ema_the_generator_loads(tmp_path):
    nets = save_gan(tmp_path, spec=SPEC, ema=False)
    loaded, _, _ = load_generator(tmp_path)
    torch.testing.assert_close(outputs(loaded), outputs(nets["generator"]), rtol=0, atol=0)


def test_latent_size_mismatch_is_a_clear_error(tmp_path):
    save_gan(tmp_path, spec=SPEC)
    with pytest.raises(CheckpointError, match="latent size 16, not 100"):
        load_generator(tmp_path, latent_dim=100)
    assert load_generator(tmp_path, latent_dim=16)[1].latent_dim == 16
    sidecar = tmp_path / "epoch-0001.json"  # a sidecar that lies about the weights
    data = json.loads(sidecar.read_text())
    data["model"]["latent_dim"] = 32
    sidecar.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=r"does not fit .*project.weight"):
        load_generator(tmp_path)


def test_gan_and_classifier_checkpoints_are_not_confused(tmp_path):
    save_gan(tmp_path / "gan", spec=SPEC)
    with pytest.raises(CheckpointError, match="holds a GAN, not a classifier"):
        load_model(tmp_path / "gan")
    save_classifier(tmp_path / "cls")
    with pytest.raises(CheckpointError, match="holds a classifier"):
        load_generator(tmp_path / "cls")
    sidecar = tmp_path / "cls" / "best.json"  # written before GAN specs existed: no "spec"
    data = json.loads(sidecar.read_text())
    del data["spec"]
    sidecar.write_text(json.dumps(data))
    assert not load_model(tmp_path / "cls").training


def test_sample_timeline_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    grids = {step: rng.integers(0, 256, (4, 1, 28, 28), dtype=np.uint8) for step in (50, 100)}
    save_samples(tmp_path, 100, grids[100], np.arange(4), 0.75)
    save_samples(tmp_path, 50, grids[50], None)
    timeline = load_samples(tmp_path)
    assert [step for step, *_ in timeline] == [50, 100]
    assert np.isnan(timeline[0][3]) and timeline[1][3] == 0.75
    assert np.array_equal(timeline[0][1], grids[50]) and timeline[0][2] is None
    assert np.array_equal(timeline[1][2], np.arange(4)) and timeline[1][1].dtype == np.uint8
    assert load_samples(tmp_path / "none") == []
