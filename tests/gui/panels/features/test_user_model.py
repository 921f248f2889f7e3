"""The user's own models in the features panel: a live module (deepscope.explore) and a
Python file's function, with hooks and maps as for a trained run."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from deepscope.core.data.arrays import array_set
from deepscope.core.runs import LiveModel, UserModel
from deepscope.core.runs.store import RunStore
from deepscope.panels.features.panel import BACKPROP, FeaturesPanel
from tests.gui.conftest import start
from tests.gui.panels.features.test_panel import idle

NET = """
import torch
from torch import nn

def net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 5, 3, padding=1), nn.ReLU(inplace=True),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(5 * 8 * 8, 4))
"""


def open_panel(qtbot, compute, tmp_path) -> FeaturesPanel:
    panel = FeaturesPanel(compute, RunStore(tmp_path / "runs"))
    qtbot.addWidget(panel)
    panel.resize(1300, 760)
    panel.show()
    start(qtbot, compute)
    return panel


def test_a_live_module_shows_its_layers_maps_and_units(qtbot, compute, tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 10 * 10, 2))
    images = np.random.default_rng(0).random((20, 12, 12))
    panel = open_panel(qtbot, compute, tmp_path)
    live = LiveModel(model, (1, 12, 12), dataset=array_set(images, None, None, 1))
    panel.model.add_user(live)
    qtbot.waitUntil(lambda: panel.act is not None and panel.idle(), timeout=30_000)
    assert panel.layers.layer() == "0" and panel.act.maps.shape == (3, 10, 10)
    x = torch.from_numpy((images[0] * 255).round().astype(np.uint8))[None, None].float() / 255
    with torch.no_grad():
        np.testing.assert_allclose(panel.act.maps, model[0](x)[0].numpy(), atol=1e-5)
    panel.start_scan()
    qtbot.waitUntil(lambda: panel.job is None and panel.scan is not None, timeout=30_000)
    assert panel.scan.value.shape == (3, 9) and panel.scan.field.size == (3, 3)
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_a_python_files_model_with_an_in_place_relu(qtbot, compute, tmp_path):
    (tmp_path / "net.py").write_text(NET)
    panel = open_panel(qtbot, compute, tmp_path)
    panel.model.add_user(UserModel(tmp_path / "net.py", "net", None, (3, 16, 16)))
    qtbot.waitUntil(lambda: panel.tree is not None and panel.idle(), timeout=30_000)
    assert panel.model.problem() is None and panel.model.classes() == tuple(
        f"class {i}" for i in range(4))
    assert not panel.model.has_dataset()  # a file's model has no dataset: draw or open a file
    panel.source.tabs.setCurrentIndex(2)
    panel.source.canvas.image.fill(0xFFFFFF)
    panel.source.canvas.blank = False
    panel.source.canvas.changed.emit()
    panel.views.setCurrentIndex(BACKPROP)
    panel.backprop.method.setCurrentIndex(1)  # guided backprop through ReLU(inplace=True)
    idle(qtbot, panel)
    assert panel.act is not None and panel.act.maps.shape == (5, 16, 16)
    assert panel.backprop.att is not None and panel.backprop.att.method == "guided"
    assert panel.backprop.att.values.shape == (3, 16, 16)
    assert not panel.units.scan_button.isEnabled()
    assert panel.scan_problem().startswith("This model has no dataset to scan")
