"""Occlusion maps: Captum agreement, brute-force agreement, partial results, errors, OOM retry."""

import numpy as np
import pytest
import torch
from captum.attr import Occlusion

from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.occlusion.maps import (
    BATCH_VALUES,
    occlude,
    occlusion_job,
    occlusion_maps,
    windows_per_axis,
)

CASES = [  # channels, size, window, stride
    (3, 32, 8, 4),  # stride divides size - window
    (3, 32, 7, 3),  # it does not: the last window is clipped
    (1, 28, 8, 4),
    (1, 28, 7, 3),
]


def lenet(channels: int, size: int, dtype: torch.dtype = torch.float64) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model(ModelSpec("lenet", channels, size, 10)).to(dtype).eval()


def image(channels: int, size: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.randn(channels, size, size, generator=torch.Generator().manual_seed(1)).to(dtype)


def brute_force(model, x, target, window, stride, baseline):
    """Positional maps from one forward per occluder position."""
    size = x.shape[-1]
    n = windows_per_axis(size, window, stride)
    prob = np.zeros((n, n))
    top = np.zeros((n, n), dtype=np.int64)
    with torch.no_grad():
        base = model(x[None]).softmax(1)[0, target].item()
        for r in range(n):
            for c in range(n):
                occluded = x.clone()
                occluded[:, r * stride : r * stride + window, c * stride : c * stride + window] = (
                    baseline
                )
                probs = model(occluded[None]).softmax(1)[0]
                prob[r, c] = probs[target].item()
                top[r, c] = probs.argmax().item()
    return base, prob, top


def test_windows_per_axis_counts_the_clipped_last_window():
    assert windows_per_axis(28, 8, 4) == 6
    assert windows_per_axis(28, 7, 3) == 8  # starts 0, 3, ..., 21 (clipped to 21..27)
    assert windows_per_axis(28, 28, 5) == 1


@pytest.mark.parametrize(("channels", "size", "window", "stride"), CASES)
def test_pixel_map_equals_captum(channels, size, window, stride):
    model, x = lenet(channels, size), image(channels, size)
    target = int(model(x[None]).argmax())
    maps = occlusion_maps(model, x, target, window, stride, baseline=-0.5, batch_size=16)
    expected = Occlusion(lambda t: model(t).softmax(1)).attribute(
        x[None],
        sliding_window_shapes=(channels, window, window),
        strides=(channels, stride, stride),
        baselines=-0.5,
        target=target,
    )
    # Captum gives every channel the same value: the window spans all channels.
    np.testing.assert_allclose(maps.pixel, expected[0, 0].numpy(), atol=1e-5)
    assert maps.pixel.dtype == np.float32
    assert maps.window == (window, window) and maps.stride == (stride, stride)


@pytest.mark.parametrize(("channels", "size", "window", "stride"), CASES[1:3])
def test_positional_maps_equal_brute_force(channels, size, window, stride):
    model, x = lenet(channels, size), image(channels, size)
    target = 3
    maps = occlusion_maps(model, x, target, window, stride, baseline=0.0)
    base, prob, top = brute_force(model, x, target, window, stride, 0.0)
    assert maps.base_probability == pytest.approx(base, abs=1e-6)
    np.testing.assert_allclose(maps.probability, prob, atol=1e-6)
    np.testing.assert_allclose(maps.drop, base - prob, atol=1e-6)
    np.testing.assert_array_equal(maps.top_class, top)
    assert maps.probability.dtype == np.float32 and maps.top_class.dtype == np.int64
    assert maps.done == maps.total == prob.size


def test_per_channel_and_full_baselines_equal_float_baseline():
    model, x = lenet(3, 32), image(3, 32)
    scalar = occlusion_maps(model, x, 1, 8, 4, baseline=0.25)
    per_channel = occlusion_maps(model, x, 1, 8, 4, baseline=torch.full((3,), 0.25).double())
    full = occlusion_maps(model, x, 1, 8, 4, baseline=torch.full_like(x, 0.25))
    for other in (per_channel, full):
        np.testing.assert_array_equal(other.probability, scalar.probability)
        np.testing.assert_array_equal(other.pixel, scalar.pixel)


def test_generator_yields_partial_maps_then_the_full_result():
    model, x = lenet(1, 28, torch.float32), image(1, 28, torch.float32)
    model.train()
    events = [e for e in occlusion_job(model, x, 2, 7, 3, 0.0, batch_size=10) if e is not None]
    assert model.training  # previous mode restored
    assert len(events) == 7  # 64 positions in batches of 10
    assert [e.done for e in events] == [10, 20, 30, 40, 50, 60, 64]
    assert all(e.total == 64 for e in events)
    first = events[0]
    assert np.isnan(first.probability).sum() == 54 and np.isnan(first.drop).sum() == 54
    assert (first.top_class == -1).sum() == 54
    assert np.isnan(first.pixel).any() and not np.isnan(first.pixel[:7, :7]).any()
    final = occlusion_maps(model, x, 2, 7, 3, 0.0)
    last = events[-1]
    assert not np.isnan(last.pixel).any()
    np.testing.assert_allclose(last.probability, final.probability, atol=1e-6)
    np.testing.assert_allclose(last.pixel, final.pixel, atol=1e-6)
    np.testing.assert_array_equal(last.top_class, final.top_class)


@pytest.mark.parametrize(
    ("window", "stride", "message"),
    [
        (29, 3, "window 29 is larger than the 28-pixel image"),
        (0, 3, "window must be at least 1"),
        (7, 0, "stride must be at least 1"),
    ],
)
def test_bad_window_or_stride_is_a_clear_error(window, stride, message):
    model, x = lenet(1, 28), image(1, 28)
    with pytest.raises(ValueError, match=message):
        occlusion_maps(model, x, 0, window, stride, 0.0)


class SmallBatchesOnly(torch.nn.Module):
    """Wraps a model; pretends the device runs out of memory on batches larger than 4."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model
        self.sizes: list[int] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.sizes.append(len(x))
        if len(x) > 4:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self.model(x)


def test_out_of_memory_halves_the_batch_and_gives_the_same_result():
    model, x = lenet(1, 28), image(1, 28)
    wrapped = SmallBatchesOnly(model)
    events = list(occlusion_job(wrapped, x, 5, 7, 3, 0.0, batch_size=16))
    assert events.count(None) == 2  # 16 -> 8 -> 4
    assert wrapped.sizes[:4] == [1, 16, 8, 4]  # the base image, then the retries
    assert set(wrapped.sizes[3:]) == {4}
    result = [e for e in events if e is not None][-1]
    expected = occlusion_maps(model, x, 5, 7, 3, 0.0)
    np.testing.assert_allclose(result.probability, expected.probability, atol=1e-12)
    np.testing.assert_allclose(result.pixel, expected.pixel, atol=1e-7)


class FailsAfterBase(torch.nn.Module):
    """Runs the unoccluded image, then raises `message` on every later forward."""

    def __init__(self, model: torch.nn.Module, message: str):
        super().__init__()
        self.model, self.message, self.calls = model, message, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError(self.message)
        return self.model(x)


def test_out_of_memory_at_batch_size_one_is_raised():
    wrapped = FailsAfterBase(lenet(1, 28), "CUDA out of memory")
    job = occlusion_job(wrapped, image(1, 28), 0, 7, 3, 0.0, batch_size=4)
    with pytest.raises(RuntimeError, match="out of memory"):
        list(job)
    assert wrapped.calls == 4  # base, then batches of 4, 2 and 1


def test_other_runtime_errors_are_not_retried():
    wrapped = FailsAfterBase(lenet(1, 28), "shape mismatch")
    with pytest.raises(RuntimeError, match="shape mismatch"):
        occlusion_maps(wrapped, image(1, 28), 0, 7, 3, 0.0)
    assert wrapped.calls == 2


def test_occlude_fills_one_clipped_window_with_the_baseline():
    image = torch.arange(2 * 5 * 6, dtype=torch.float32).reshape(2, 5, 6)
    occluded, box = occlude(image, (3, 4), 2, torch.tensor([-1.0, -2.0]), row=1, col=1)
    assert box == (2, 2, 3, 4)
    assert (occluded[0, 2:5, 2:6] == -1).all() and (occluded[1, 2:5, 2:6] == -2).all()
    untouched = torch.ones(5, 6, dtype=torch.bool)
    untouched[2:5, 2:6] = False
    assert torch.equal(occluded[:, untouched], image[:, untouched])
    _, clipped = occlude(image, 4, 3, 0.0, row=1, col=1)
    assert clipped == (3, 3, 2, 3)



def test_the_default_batch_is_sized_by_input_values():
    grey = list(occlusion_job(lenet(1, 28, torch.float32), image(1, 28, torch.float32), 0, 7, 2,
                              0.0))
    assert [e.done for e in grey] == [144]  # LeNet's 12 x 12 windows in one batch
    colour = occlusion_job(lenet(3, 64, torch.float32), image(3, 64, torch.float32), 0, 8, 4, 0.0)
    assert next(colour).done == BATCH_VALUES // (3 * 64 * 64) == 42
