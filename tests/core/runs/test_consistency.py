"""A checkpoint's weights and sidecar always come from one save, and the temporary files of a
killed writer are removed when the store opens."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import torch

from deepscope.core.models.build import build_model
from deepscope.core.runs.checkpoint import (
    CheckpointError,
    checkpoint_path,
    load_checkpoint,
    load_optimizer_state,
    save_checkpoint,
)
from deepscope.core.runs.files import temp_name
from deepscope.core.runs.store import RunStore
from tests.factories import LENET


def save(folder, seed: int, epoch: int) -> None:
    torch.manual_seed(seed)
    model = build_model(LENET)
    opt = torch.optim.Adam(model.parameters())
    save_checkpoint(checkpoint_path(folder, "best"), model, LENET, {"epoch": epoch},
                    opt.state_dict())


def test_a_sidecar_of_one_save_never_pairs_with_weights_of_another(tmp_path):
    save(tmp_path / "one", 0, 1)
    save(tmp_path / "two", 1, 2)
    assert load_checkpoint(tmp_path / "two" / "best.safetensors")[2]["epoch"] == 2
    # a kill between the moves of a second save of `best`: its sidecar, the first's weights
    shutil.copy(tmp_path / "two" / "best.json", tmp_path / "one" / "best.json")
    with pytest.raises(CheckpointError, match="come from different saves"):
        load_checkpoint(tmp_path / "one" / "best.safetensors")
    with pytest.raises(CheckpointError, match="come from different saves"):
        load_optimizer_state(tmp_path / "one" / "best.safetensors")


def test_orphans_of_a_gone_writer_are_removed_when_the_store_opens(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    run_dir = tmp_path / "20260101-000000-abcd"
    run_dir.mkdir()
    final = run_dir / "epoch-0001.safetensors"
    orphan = final.with_name(f".{final.name}.{gone.stdout.strip()}-00ff.tmp")
    mine = temp_name(final)  # this process still writes it
    for path in (orphan, mine):
        path.write_bytes(b"half a file")
    RunStore(tmp_path)
    assert not orphan.exists() and mine.exists()
