"""The edit's cost terms against hand computations, and latents kept in the prior's support."""

import math

import numpy as np
import pytest
import torch

from deepscope.core.igan.losses import (
    EPS,
    colour_error,
    edge_error,
    edge_map,
    prior_term,
    window,
)
from deepscope.core.igan.support import BOX, in_support, to_w, to_z

FLAT = math.sqrt(EPS)  # the edge map on flat ground


def step_image(high: float = 1.0) -> torch.Tensor:
    """1 x 1 x 3 x 4: two dark columns, then two at `high`."""
    return torch.tensor([[0.0, 0.0, high, high]]).expand(3, 4)[None, None].clone()


def test_the_colour_error_is_the_masked_mean_square_over_channels():
    images = torch.zeros(2, 3, 2, 2)
    images[1, 0] = 1.0  # candidate 1: red everywhere
    colour = torch.zeros(3, 2, 2)
    colour[:, 0, 0] = 0.5
    mask = torch.tensor([[1.0, 0.0], [0.0, 0.5]])  # pixel (0, 0) held, (1, 1) half
    # black: off by 0.5 in each channel at (0, 0), exact at (1, 1)
    # red: off by 0.5 in each channel at (0, 0) (red 1 for 0.5), by 1 in red at (1, 1)
    expected0 = (1.0 * 0.25 + 0.5 * 0) / 1.5
    expected1 = (1.0 * 0.25 + 0.5 * (1.0 / 3)) / 1.5
    torch.testing.assert_close(colour_error(images, colour, mask),
                               torch.tensor([expected0, expected1]))


def test_the_edge_map_reads_one_on_a_black_to_white_step_and_nothing_on_flat_ground():
    torch.testing.assert_close(edge_map(step_image()),
                               torch.tensor([[FLAT, 1.0, 1.0, FLAT]]).expand(1, 3, 4))
    half = math.sqrt(0.25 + EPS)
    torch.testing.assert_close(edge_map(step_image(0.5)),
                               torch.tensor([[FLAT, half, half, FLAT]]).expand(1, 3, 4))


def test_the_edge_map_reads_the_grey_level_of_colour_images():
    red = torch.zeros(1, 3, 3, 4)
    red[0, 0] = step_image()[0, 0]  # a step in red only: a third of a step in grey
    third = math.sqrt(1 / 9 + EPS)
    torch.testing.assert_close(edge_map(red), torch.tensor([[FLAT, third, third, FLAT]])
                               .expand(1, 3, 4))


def test_the_edge_error_is_the_masked_mean_square_of_the_edge_map():
    images = torch.cat([step_image(), torch.zeros(1, 1, 3, 4)])
    wanted = torch.zeros(3, 4)
    wanted[:, 1] = 1.0  # an edge down column 1
    mask = torch.zeros(3, 4)
    mask[:, 1:3] = 1.0  # held on columns 1 and 2
    # the step has edges on columns 1 and 2: column 2 is off by 1; flat ground is off by
    # 1 - FLAT on column 1 and by FLAT on column 2
    expected = torch.tensor([3 * 1.0 / 6, 3 * ((1 - FLAT) ** 2 + FLAT**2) / 6])
    torch.testing.assert_close(edge_error(images, wanted, mask), expected)


def test_the_prior_term_is_lambda_times_the_mean_square_distance_to_the_anchor():
    z = torch.tensor([[1.0, 2.0], [3.0, 3.0]])
    z0 = torch.tensor([[0.0, 0.0], [3.0, 1.0]])
    torch.testing.assert_close(prior_term(z, z0, 0.5), torch.tensor([0.5 * 5 / 2, 0.5 * 4 / 2]))


@pytest.mark.parametrize("prior", ["uniform", "gaussian", "sphere"])
def test_any_w_gives_a_latent_in_the_support_and_to_w_inverts_it(prior):
    w = torch.randn(50, 16, generator=torch.Generator().manual_seed(0)) * 100
    z = to_z(w, prior)
    assert in_support(z, prior)
    if prior == "sphere":
        torch.testing.assert_close(z.norm(dim=1), torch.full((50,), 4.0))
    else:
        assert z.abs().max() <= BOX[prior] and z.abs().max() > 0.99 * BOX[prior]
    inside = to_z(torch.randn(50, 16, generator=torch.Generator().manual_seed(1)), prior)
    torch.testing.assert_close(to_z(to_w(inside, prior), prior), inside)
    assert not in_support(inside * 4, prior)


@pytest.mark.parametrize("where", [(slice(3, 9), slice(14, 15)), (slice(0, 20), slice(0, 2)),
                                   (slice(18, 20), slice(5, 20))])
def test_the_edge_error_on_the_sketchs_window_equals_the_whole_images(where):
    images = torch.rand(5, 3, 20, 20, generator=torch.Generator().manual_seed(1))
    wanted = torch.rand(20, 20, generator=torch.Generator().manual_seed(2))
    mask = np.zeros((20, 20), np.float32)
    mask[where] = 1
    rows, cols = window(mask)
    assert (rows.stop - rows.start) * (cols.stop - cols.start) < 20 * 20
    m = torch.from_numpy(mask)
    torch.testing.assert_close(
        edge_error(images[..., rows, cols], wanted[rows, cols], m[rows, cols]),
        edge_error(images, wanted, m))
