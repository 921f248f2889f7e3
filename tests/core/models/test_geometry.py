"""Layer discovery and receptive fields, checked against the analytic formula and by reasoning."""

from __future__ import annotations

import subprocess
import sys
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from deepscope.core.models.build import build_model
from deepscope.core.models.classifiers import (
    ALEXNET_PLAN,
    INCEPTION_3A,
    POOL,
    VGG_PLAN,
    BasicBlock,
    Inception,
)
from deepscope.core.models.geometry import layer_tree, receptive_field, unit_boxes
from deepscope.core.models.hooks import capture
from deepscope.core.models.spec import ModelSpec

Step = tuple[int, int, int, int]  # kernel, stride, padding, dilation


def _analytic(steps: list[Step]) -> tuple[int, int, int]:
    """Size, stride and start (top of unit 0's field, unclipped) of a chain of convs and pools:
    each step widens the field by (kernel - 1) * dilation * stride so far."""
    size, jump, start = 1, 1, 0
    for kernel, stride, padding, dilation in steps:
        size += (kernel - 1) * dilation * jump
        start -= padding * jump
        jump *= stride
    return size, jump, start


def _box(steps: list[Step], y: int, x: int, image: int) -> tuple[int, int, int, int]:
    size, jump, start = _analytic(steps)
    top, left = start + jump * y, start + jump * x
    return max(top, 0), max(left, 0), min(top + size, image), min(left + size, image)


def _positions(grid: tuple[int, ...]) -> list[tuple[int, int]]:
    """Corners, edges' middles and the centre of a map."""
    def picks(n: int) -> list[int]:
        return sorted({0, n // 2, n - 1})

    return [(y, x) for y in picks(grid[-2]) for x in picks(grid[-1])]


CONV3, POOL2 = (3, 1, 1, 1), (2, 2, 0, 1)
LENET_STEPS = [("features.conv1", (5, 1, 2, 1)), ("features.pool1", POOL2),
               ("features.conv2", (5, 1, 0, 1)), ("features.pool2", POOL2)]


def _plan_steps(plan) -> list[tuple[str, Step]]:
    counts, steps = {"conv": 0, "pool": 0}, []
    for step in plan:
        kind = "pool" if step == POOL else "conv"
        counts[kind] += 1
        kernel = 2 if step == POOL else step[1]
        steps.append((f"features.{kind}{counts[kind]}",
                       POOL2 if step == POOL else (kernel, 1, kernel // 2, 1)))
    return steps


def _resnet_steps() -> list[tuple[str, Step]]:
    """mini-resnet's longest path (stem, then two 3x3 convs per block; shortcuts are shorter)."""
    stage1 = [CONV3] * 4
    stage2 = [(3, 2, 1, 1), CONV3, CONV3, CONV3]
    return [("features.stem", CONV3), ("features.stage1", stage1), ("features.stage2", stage2)]


def _chains(named: list[tuple[str, Step | list[Step]]]) -> list[tuple[str, list[Step]]]:
    """Each named layer with every step from the input up to it."""
    chains, steps = [], []
    for name, step in named:
        steps = steps + (step if isinstance(step, list) else [step])
        chains.append((name, steps))
    return chains


ZOO = [("lenet", 1, 28, LENET_STEPS), ("mini-alexnet", 3, 32, _plan_steps(ALEXNET_PLAN)),
       ("mini-vgg", 3, 32, _plan_steps(VGG_PLAN)), ("mini-resnet", 3, 64, _resnet_steps())]


@pytest.mark.parametrize(("name", "channels", "size", "steps"), ZOO, ids=[z[0] for z in ZOO])
def test_unit_boxes_of_zoo_models_follow_the_analytic_formula(name, channels, size, steps):
    torch.manual_seed(0)
    model = build_model(ModelSpec(name, in_channels=channels, image_size=size, num_classes=10))
    shape = (channels, size, size)
    tree = {layer.name: layer for layer in layer_tree(model, shape).walk()}
    for layer, chain in _chains(steps):
        positions = _positions(tree[layer].output_shape)
        expected = [_box(chain, y, x, size) for y, x in positions]
        assert unit_boxes(model, layer, shape, positions) == expected, layer
    assert unit_boxes(model, layer, shape, positions, channel=1) == expected


def test_receptive_field_of_lenet_in_the_centre():
    model = build_model(ModelSpec("lenet", in_channels=1, image_size=28, num_classes=10))
    field = receptive_field(model, "features.pool2", (1, 28, 28))
    steps = [step for _, step in LENET_STEPS]
    assert _analytic(steps)[:2] == (16, 4)
    assert field.grid == (5, 5) and field.image == (28, 28)
    assert field.centre == _box(steps, 2, 2, 28) == (6, 6, 22, 22)
    assert field.size == (16, 16) and field.stride == (4, 4)


def test_a_single_unit_sees_the_whole_image_and_has_no_stride():
    model = build_model(ModelSpec("mini-resnet", in_channels=3, image_size=32, num_classes=10))
    field = receptive_field(model, "pool", (3, 32, 32))  # global average pool: a 1 x 1 map
    assert field.grid == (1, 1) and field.centre == (0, 0, 32, 32) and field.stride == (0, 0)


def test_dilated_convolutions_by_reasoning_and_by_the_model_own_gradient():
    # 3x3 with dilation 2 spans 5 pixels; then 3x3 with dilation 3 adds 2 * 3: 11 in all,
    # starting 2 pixels into the padding of the first conv.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=2, dilation=2), nn.Conv2d(4, 2, 3, dilation=3))
    field = receptive_field(model, "", (1, 32, 32))
    assert field.size == (11, 11) and field.stride == (1, 1)
    boxes = unit_boxes(model, "", (1, 32, 32), [(0, 0), (12, 20), (25, 25)])
    assert boxes == [(0, 0, 9, 9), (10, 18, 21, 29), (23, 23, 32, 32)]
    # Without nonlinearities the model's own input gradient has the same support.
    x = torch.randn(1, 1, 32, 32, requires_grad=True)
    model(x)[0, :, 12, 20].sum().backward()
    rows, cols = x.grad[0, 0].ne(0).any(1).nonzero(), x.grad[0, 0].ne(0).any(0).nonzero()
    assert (int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1) == boxes[1]


def test_a_deep_stack_loses_no_pixel_at_the_edge_of_its_field():
    # 50 3x3 convs see 101 rows. Along the one path to an edge row the gradient shrinks by 1/9
    # per layer, (1/9)^50 ~ 1e-48: below float32's smallest number, unless it is kept at 0 / 1.
    model = nn.Sequential(*[nn.Conv2d(2 if i else 1, 2, 3, padding=1) for i in range(50)])
    field = receptive_field(model, "", (1, 104, 1))
    assert field.centre == (1, 0, 102, 1) and field.size == (101, 1)


def test_a_strided_residual_block_by_reasoning():
    # Main path: 3x3 stride 2 padding 1, then 3x3 padding 1 at stride 2: unit y sees rows
    # 2y - 3 to 2y + 3. The 1x1 stride-2 shortcut sees row 2y only, inside that.
    block = BasicBlock(4, 8, "relu", stride=2)
    shape = (4, 16, 16)
    positions = [(0, 0), (3, 5), (7, 7)]
    expected = [(max(2 * y - 3, 0), max(2 * x - 3, 0), min(2 * y + 4, 16), min(2 * x + 4, 16))
                for y, x in positions]
    assert unit_boxes(block, "", shape, positions) == expected
    assert receptive_field(block, "", shape).size == (7, 7)
    assert receptive_field(block, "shortcut", shape).size == (1, 1)


def test_inception_channels_see_as_far_as_their_branch():
    # Concatenated branches: 1x1 | 1x1 then 3x3 | 1x1 then 5x5 | 3x3 pool then 1x1.
    module = Inception(8, INCEPTION_3A, "relu")
    w = INCEPTION_3A
    first = {"1x1": 0, "3x3": w.b1, "5x5": w.b1 + w.b3, "pool": w.b1 + w.b3 + w.b5}
    sizes = {name: receptive_field(module, "", (8, 12, 12), channel).size[0]
             for name, channel in first.items()}
    assert sizes == {"1x1": 1, "3x3": 3, "5x5": 5, "pool": 3}
    assert receptive_field(module, "", (8, 12, 12)).size == (5, 5)  # any channel: the widest


class _Functional(nn.Module):
    """A user's model with functional ReLU and max pooling, which no module swap would see."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 4, 3), nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        return F.relu(self.conv2(x)).sigmoid()


def test_functional_relu_and_max_pool_count_as_what_they_can_see():
    steps = [(3, 1, 0, 1), POOL2, CONV3]
    model = _Functional()
    positions = _positions((6, 6))
    assert unit_boxes(model, "", (1, 14, 14), positions) == [
        _box(steps, y, x, 14) for y, x in positions]


def test_the_real_gradient_stays_inside_the_field():
    torch.manual_seed(0)
    model = build_model(ModelSpec("lenet", in_channels=1, image_size=28, num_classes=10)).eval()
    positions = [(0, 0), (2, 3), (4, 4)]
    boxes = unit_boxes(model, "features.pool2", (1, 28, 28), positions)
    for (y, x), (top, left, bottom, right) in zip(positions, boxes, strict=True):
        image = torch.randn(1, 1, 28, 28, requires_grad=True)
        with capture(model, ["features.pool2"], clone=False) as seen:
            model(image)
        seen["features.pool2"][0, :, y, x].sum().backward()  # every channel: one is alive
        outside = image.grad[0, 0].clone()
        outside[top:bottom, left:right] = 0
        assert image.grad.abs().sum() > 0 and not outside.any()


def test_the_model_is_left_as_it_was():
    model = build_model(ModelSpec("mini-vgg", in_channels=3, image_size=32, num_classes=10))
    model.train()
    model.features.conv1.bn.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    receptive_field(model, "features.conv3", (3, 32, 32))
    layer_tree(model, (3, 32, 32))
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert model.training and not model.features.conv1.bn.training
    assert model.features.conv2.bn.training
    assert all(param.dtype == torch.float32 for param in model.parameters())
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_bad_requests_get_clear_messages():
    model = build_model(ModelSpec("lenet", in_channels=1, image_size=28, num_classes=10))
    shape = (1, 28, 28)
    with pytest.raises(ValueError, match=r"no layer 'conv1'; its layers are: features, "):
        receptive_field(model, "conv1", shape)
    with pytest.raises(ValueError, match=r"has no spatial map \(its output: 120\)"):
        receptive_field(model, "classifier.fc1", shape)
    with pytest.raises(ValueError, match="channel 6 is out of range: .* has 6 channels"):
        receptive_field(model, "features.conv1", shape, channel=6)
    with pytest.raises(ValueError, match=r"unit \(5, 0\) is outside the 5 x 5 map"):
        unit_boxes(model, "features.pool2", shape, [(5, 0)])
    with pytest.raises(ValueError, match="channels, height, width"):
        receptive_field(model, "features.conv1", (28, 28))
    with pytest.raises(ValueError, match="does not run on a 3 x 28 x 28 input"):
        layer_tree(model, (3, 28, 28))
    with pytest.raises(ValueError, match="positive sizes"):
        layer_tree(model, (1, 0, 28))


# Layer discovery


def test_lenet_tree_names_every_module_with_the_shapes_a_real_forward_gives():
    torch.manual_seed(0)
    model = build_model(ModelSpec("lenet", in_channels=1, image_size=28, num_classes=10)).eval()
    tree = layer_tree(model, (1, 28, 28))
    names = [name for name, _ in model.named_modules()]
    assert [layer.name for layer in tree.walk()] == names
    with capture(model, names) as seen, torch.no_grad():
        model(torch.rand(1, 1, 28, 28))
    for layer in tree.walk():
        assert layer.output_shape == tuple(seen[layer.name].shape[1:]), layer.name
        assert layer.calls == 1 and layer.type == type(model.get_submodule(layer.name)).__name__
    assert tree.output_shape == (10,)
    assert [c.name for c in tree.children] == ["features", "flatten", "classifier"]


def test_resnet18_tree_at_224_px():
    model = build_model(ModelSpec("resnet18", in_channels=3, image_size=224, num_classes=1000))
    layers = {layer.name: layer for layer in layer_tree(model, (3, 224, 224)).walk()}
    assert layers["net.conv1"].output_shape == (64, 112, 112)
    assert layers["net.layer4"].output_shape == (512, 7, 7)
    assert layers["net.fc"].output_shape == (1000,) and layers["net.fc"].type == "Linear"
    assert layers["net.layer1.0.relu"].calls == 2  # one ReLU module, used twice per block
    assert len(layers) == len(list(model.named_modules()))


class _Odd(nn.Module):
    """Returns a tuple, holds a module it never calls, and branches on a value."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.unused = nn.ModuleList([nn.Linear(2, 2)])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.conv(x)
        if y.sum().item() > 1e9:  # data-dependent: cannot run on the meta device
            y = y * 0
        return y, y.mean((2, 3))


def test_tuple_outputs_unused_modules_and_value_branches():
    model = nn.Sequential(OrderedDict(odd=_Odd()))
    layers = {layer.name: layer for layer in layer_tree(model, (1, 8, 8)).walk()}
    assert layers["odd"].output_shapes == ((2, 6, 6), (2,))
    assert layers["odd"].output_shape is None
    assert layers["odd.unused"].calls == 0 and layers["odd.unused.0"].output_shapes == ()
    assert layers["odd.conv"].output_shape == (2, 6, 6)


def test_the_result_types_import_without_torch():
    code = ("import sys\n"
            "from deepscope.core.models import Layer, ReceptiveField, layer_tree\n"
            "from deepscope.core.models.geometry import Box\n"
            "layer = Layer('conv', 'Conv2d', ((6, 28, 28),), 1)\n"
            "assert layer.output_shape == (6, 28, 28) and list(layer.walk()) == [layer]\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


class Transposed(nn.Module):
    """A conv whose map is transposed: a unit's rows follow its x, so boxes do not compose
    from one unit per row and per column."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, stride=2)
        self.out = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.conv(x[..., :, 3:]).transpose(2, 3))


@pytest.mark.parametrize("model, layer, shape", [
    (lambda: build_model(ModelSpec("mini-resnet", 3, 32, 10)), "features.stage2",
     (3, 32, 32)),
    (Transposed, "out", (1, 20, 23)),
])
def test_many_boxes_equal_one_measurement_per_unit(model, layer, shape):
    """unit_boxes measures a unit per row and per column and composes the rest; where that is
    wrong (a transposed map) it measures every unit."""
    import deepscope.core.models.geometry as geometry

    net = model()
    grid = receptive_field(net, layer, shape).grid
    units = [(y, x) for y in range(grid[0]) for x in range(grid[1])][::3]
    each = [geometry.unit_boxes(net, layer, shape, [u])[0] for u in units]
    assert geometry.unit_boxes(net, layer, shape, units) == each
