"""Steps of the occlusion panel tests: save a run, wait for the panel's jobs, press Run."""

from __future__ import annotations

from dataclasses import asdict

import torch
from PySide6.QtCore import Qt

from deepscope.core.classifier.config import TrainConfig
from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.checkpoint import checkpoint_path, save_checkpoint
from deepscope.core.runs.store import RunStore


def save_untrained_run(store: RunStore) -> None:
    """A finished run record with an untrained LeNet checkpoint, as training would save it."""
    spec = ModelSpec("lenet", 1, 28, 10)
    torch.manual_seed(0)
    meta = {"config": TrainConfig(epochs=1).to_dict(), "classes": [str(k) for k in range(10)],
            "mean": [0.3], "std": [0.35]}
    run = store.create_run(meta | {"model": asdict(spec)})
    save_checkpoint(checkpoint_path(run.dir, "best"), build_model(spec), spec, meta)
    store.set_status(run.id, "finished")


def idle(qtbot, panel, timeout: int = 30_000) -> None:
    """Wait until no job of the panel is queued or running."""
    qtbot.waitUntil(panel.idle, timeout=timeout)


def run(qtbot, panel, timeout: int = 30_000) -> None:
    """Press Run and wait for the maps."""
    assert panel.run_button.isEnabled(), panel.problems.text()
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.job is not None and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: panel.job is None, timeout=timeout)
