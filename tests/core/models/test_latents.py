"""Latent priors, seeded draws, interpolation and random walks."""

import math

import pytest
import torch

from deepscope.core.models.gan_spec import INTERPOLATIONS
from deepscope.core.models.latents import (
    PRIORS,
    interpolate,
    random_walk,
    sample_prior,
    seeded_latents,
)

DIM = 64


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_gaussian_prior_has_unit_moments():
    z = sample_prior(4000, DIM, "gaussian", _gen())
    assert z.shape == (4000, DIM) and z.dtype == torch.float32
    assert abs(float(z.mean())) < 0.02 and abs(float(z.std()) - 1) < 0.02


def test_uniform_prior_fills_minus_one_to_one():
    z = sample_prior(4000, DIM, "uniform", _gen())
    assert float(z.min()) >= -1 and float(z.max()) <= 1
    assert float(z.min()) < -0.99 and float(z.max()) > 0.99
    assert abs(float(z.mean())) < 0.02


def test_sphere_prior_norms_match_a_gaussians_typical_norm():
    z = sample_prior(100, DIM, "sphere", _gen())
    torch.testing.assert_close(z.norm(dim=1), torch.full((100,), math.sqrt(DIM)))
    gaussian_norms = sample_prior(1000, DIM, "gaussian", _gen(1)).norm(dim=1)
    assert abs(float(gaussian_norms.mean()) - math.sqrt(DIM)) < 0.1 * math.sqrt(DIM)


def test_unknown_prior_is_refused():
    with pytest.raises(ValueError, match="gaussian, uniform, sphere"):
        sample_prior(2, DIM, "cauchy")


@pytest.mark.parametrize("prior", PRIORS)
def test_seeded_latents_depend_only_on_their_seed(prior):
    first = seeded_latents([3, 7, 11], DIM, prior)
    again = seeded_latents([11, 5, 3], DIM, prior)
    assert first.shape == (3, DIM)
    assert torch.equal(first[0], again[2]) and torch.equal(first[2], again[0])
    assert not torch.equal(first[0], first[1])


def test_lerp_midpoint_is_the_mean():
    z0, z1 = sample_prior(2, DIM, "gaussian", _gen())
    path = interpolate(z0, z1, 3, "lerp")
    torch.testing.assert_close(path[1], (z0 + z1) / 2)


@pytest.mark.parametrize("mode", INTERPOLATIONS)
def test_endpoints_are_exact(mode):
    z0, z1 = sample_prior(2, DIM, "gaussian", _gen())
    path = interpolate(z0, z1, 7, mode)
    assert path.shape == (7, DIM) and path.dtype == z0.dtype
    assert torch.equal(path[0], z0) and torch.equal(path[-1], z1)


def test_slerp_keeps_equal_norms():
    z0, z1 = sample_prior(2, DIM, "sphere", _gen())
    norms = interpolate(z0, z1, 16, "slerp").norm(dim=1)
    torch.testing.assert_close(norms, torch.full((16,), math.sqrt(DIM)))
    lerp_mid = interpolate(z0, z1, 3, "lerp")[1].norm()
    assert lerp_mid < 0.9 * math.sqrt(DIM)  # what slerp avoids: lerp cuts through the ball


def test_slerp_interpolates_unequal_norms_linearly_along_the_arc():
    z0 = torch.tensor([2.0, 0.0])
    z1 = torch.tensor([0.0, 4.0])
    path = interpolate(z0, z1, 3, "slerp")
    # half-way round the quarter circle, at the mean of the norms 2 and 4
    torch.testing.assert_close(path[1], torch.full((2,), 3 / math.sqrt(2)))


def test_slerp_of_parallel_vectors_is_lerp():
    z0 = sample_prior(1, DIM, "gaussian", _gen())[0]
    assert torch.equal(interpolate(z0, 2 * z0, 5, "slerp"), interpolate(z0, 2 * z0, 5, "lerp"))


def test_slerp_of_near_parallel_vectors_is_lerp():
    z0, nudge = sample_prior(2, DIM, "gaussian", _gen()).double()
    z1 = z0 + 1e-9 * nudge  # an angle of ~1e-9 rad: sin is below the fallback threshold
    path = interpolate(z0, z1, 5, "slerp")
    assert torch.isfinite(path).all()
    assert torch.equal(path, interpolate(z0, z1, 5, "lerp"))


def test_slerp_of_anti_parallel_vectors_falls_back_to_lerp():
    z0 = sample_prior(1, DIM, "gaussian", _gen())[0]
    path = interpolate(z0, -z0, 5, "slerp")
    assert torch.isfinite(path).all()
    assert torch.equal(path, interpolate(z0, -z0, 5, "lerp"))
    assert float(path[2].abs().max()) < 1e-6


def test_slerp_with_a_zero_endpoint_falls_back_to_lerp():
    z1 = sample_prior(1, DIM, "gaussian", _gen())[0]
    assert torch.equal(interpolate(torch.zeros(DIM), z1, 4, "slerp"),
                       interpolate(torch.zeros(DIM), z1, 4, "lerp"))


@pytest.mark.parametrize("steps", [1, 0, -3, 2.5, True])
def test_bad_steps_are_refused(steps):
    z0, z1 = sample_prior(2, DIM, "gaussian", _gen())
    with pytest.raises(ValueError, match="steps must be an integer >= 2"):
        interpolate(z0, z1, steps, "lerp")


def test_bad_mode_and_shapes_are_refused():
    z0, z1 = sample_prior(2, DIM, "gaussian", _gen())
    with pytest.raises(ValueError, match="lerp, slerp"):
        interpolate(z0, z1, 4, "cubic")
    with pytest.raises(ValueError, match="same size"):
        interpolate(z0, z1[:-1], 4, "lerp")


@pytest.mark.parametrize("prior", ["gaussian", "sphere"])
def test_random_walk_stays_on_the_shell_and_moves_smoothly(prior):
    z0 = sample_prior(1, DIM, prior, _gen())[0]
    walk = random_walk(z0, 50, 0.05, prior, _gen(1))
    assert walk.shape == (50, DIM) and torch.equal(walk[0], z0)
    radius = float(z0.norm())
    torch.testing.assert_close(walk.norm(dim=1), torch.full((50,), radius))
    moves = (walk[1:] - walk[:-1]).norm(dim=1)
    assert float(moves.max()) < 3 * 0.05 * math.sqrt(DIM)
    turns = torch.nn.functional.cosine_similarity(walk[2:] - walk[1:-1], walk[1:-1] - walk[:-2])
    assert float(turns.mean()) > 0.5  # consecutive moves point roughly the same way
    assert float((walk[-1] - walk[0]).norm()) > float(moves.mean())  # it goes somewhere


def test_random_walk_on_uniform_stays_in_the_box():
    z0 = sample_prior(1, DIM, "uniform", _gen())[0]
    walk = random_walk(z0, 200, 0.2, "uniform", _gen(1))
    assert float(walk.abs().max()) <= 1
    assert float(walk.abs().max()) > 0.95  # it did reach the walls


def test_random_walk_is_reproducible_and_validated():
    z0 = sample_prior(1, DIM, "sphere", _gen())[0]
    assert torch.equal(random_walk(z0, 10, 0.1, "sphere", _gen(4)),
                       random_walk(z0, 10, 0.1, "sphere", _gen(4)))
    with pytest.raises(ValueError, match="smoothness"):
        random_walk(z0, 10, 0.1, "sphere", _gen(4), smoothness=1.0)
    with pytest.raises(ValueError, match="steps"):
        random_walk(z0, 1, 0.1, "sphere", _gen(4))
