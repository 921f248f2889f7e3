"""GAN losses against hand computations on fixed tensors, the gradient penalty, clipping."""

import math

import pytest
import torch
from torch import nn

from deepscope.core.gan.losses import (
    clip_weights,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    mean_output,
)

REAL = torch.tensor([2.0, -1.0])
FAKE = torch.tensor([0.5, -3.0])


def sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


@pytest.mark.parametrize("loss", ["minimax", "ns"])
@pytest.mark.parametrize("real_label", [1.0, 0.9])
def test_discriminator_cross_entropy(loss, real_label):
    t = real_label
    real_part = mean(-(t * math.log(sigmoid(r)) + (1 - t) * math.log(1 - sigmoid(r)))
                     for r in REAL.tolist())
    fake_part = mean(-math.log(1 - sigmoid(f)) for f in FAKE.tolist())
    got = discriminator_loss(loss, REAL, FAKE, real_label).item()
    assert got == pytest.approx(real_part + fake_part, rel=1e-6)


def test_generator_losses():
    f = FAKE.tolist()
    assert generator_loss("minimax", FAKE).item() == pytest.approx(
        mean(math.log(1 - sigmoid(v)) for v in f), rel=1e-6)
    assert generator_loss("ns", FAKE).item() == pytest.approx(
        mean(-math.log(sigmoid(v)) for v in f), rel=1e-6)
    for loss in ("wgan", "wgan-gp"):
        assert generator_loss(loss, FAKE).item() == pytest.approx(-mean(f))
    with pytest.raises(ValueError, match="unknown GAN loss"):
        generator_loss("hinge", FAKE)


def test_saturating_loss_gives_vanishing_gradients_where_ns_does_not():
    confident_fake = torch.tensor([-8.0], requires_grad=True)  # D is sure this is fake
    grads = {}
    for loss in ("minimax", "ns"):
        (grad,) = torch.autograd.grad(generator_loss(loss, confident_fake), confident_fake)
        grads[loss] = abs(grad.item())
    assert grads["minimax"] < 1e-3 < 0.9 < grads["ns"]


def test_critic_loss_and_outputs():
    for loss in ("wgan", "wgan-gp"):
        assert discriminator_loss(loss, REAL, FAKE, 0.9).item() == pytest.approx(
            mean(FAKE.tolist()) - mean(REAL.tolist()))  # smoothing does not apply
        assert mean_output(loss, REAL).item() == pytest.approx(0.5)
    assert mean_output("ns", REAL).item() == pytest.approx(mean(sigmoid(r) for r in REAL.tolist()))


def test_gradient_penalty_of_a_linear_critic():
    w = torch.tensor([3.0, 4.0])  # input gradient w everywhere, norm 5

    def critic(x):
        return x.flatten(1) @ w

    real, fake = torch.randn(4, 1, 1, 2), torch.randn(4, 1, 1, 2)
    eps = torch.rand(4, 1, 1, 1)
    assert gradient_penalty(critic, real, fake, eps).item() == pytest.approx(10 * (5 - 1) ** 2)


def test_gradient_penalty_at_the_interpolates():
    def critic(x):  # gradient 2 x_hat: its norm depends on where x_hat lies
        return x.flatten(1).square().sum(1)

    real = torch.tensor([[[[1.0, 0.0]]], [[[0.0, 2.0]]]])
    fake = torch.tensor([[[[0.0, 0.0]]], [[[0.0, -2.0]]]], requires_grad=True)
    eps = torch.tensor([0.5, 0.25]).view(2, 1, 1, 1)
    # x_hat = (0.5, 0) and (0, 0.25 * 2 + 0.75 * -2) = (0, -1); gradient norms 1 and 2
    expected = 10 * mean([(1 - 1) ** 2, (2 - 1) ** 2])
    penalty = gradient_penalty(critic, real, fake, eps, weight=10.0)
    assert penalty.item() == pytest.approx(expected)
    assert penalty.requires_grad  # it trains the critic (create_graph)


def test_clip_weights():
    torch.manual_seed(0)
    net = nn.Linear(8, 3)
    clip_weights(net, 0.01)
    assert all(p.abs().max() <= 0.01 for p in net.parameters())
