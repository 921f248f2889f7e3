"""Fixtures of the occlusion panel tests (load with `pytest_plugins`): a store with an
untrained LeNet run on digits, and the panel on it with its compute thread started."""

from __future__ import annotations

from dataclasses import asdict

import pytest
import torch

from core.models.build import build_model
from core.models.spec import ModelSpec
from core.runs.checkpoint import checkpoint_path, save_checkpoint
from core.runs.store import RunStore
from core.training.config import TrainConfig
from gui.panels.occlusion import OcclusionPanel
from tests.gui.conftest import start


def save_untrained_run(store: RunStore) -> None:
    """A finished run record with an untrained LeNet checkpoint, as training would save it."""
    spec = ModelSpec("lenet", 1, 28, 10)
    torch.manual_seed(0)
    meta = {"config": TrainConfig(epochs=1).to_dict(), "classes": [str(k) for k in range(10)],
            "mean": [0.3], "std": [0.35]}
    run = store.create_run(meta | {"model": asdict(spec)})
    save_checkpoint(checkpoint_path(run.dir, "best"), build_model(spec), spec, meta)
    store.set_status(run.id, "finished")


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("occlusion-runs")
    with RunStore(root) as store:
        save_untrained_run(store)
    return root


@pytest.fixture
def occ(qtbot, runs_root, compute):
    panel = OcclusionPanel(compute, RunStore(runs_root))
    qtbot.addWidget(panel)
    panel.resize(1300, 760)
    panel.show()
    start(qtbot, compute)
    return panel
