"""Ctrl+C (SIGINT) and SIGTERM stop `deepscope train` and `train-gan` as the app's Stop does:
the run is recorded stopped with a checkpoint of its last step, one line says so, and the exit
status is 128 + the signal."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from deepscope.core.runs.checkpoint import resume_checkpoint
from deepscope.core.runs.store import RunStore

COMMANDS = {  # many epochs: the run is still going when the signal comes
    "train": ["--model", "mlp", "--epochs", "1000"],
    "train-gan": ["--model", "dcgan", "--epochs", "1000", "--batch-size", "1024"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command, sig", [("train", signal.SIGINT),
                                          ("train-gan", signal.SIGTERM)])
def test_a_signal_stops_the_run_and_keeps_it(tmp_path, command, sig):
    args = [sys.executable, "-m", "deepscope", command, "--dataset", "digits", "--json",
            "--runs-dir", str(tmp_path), *COMMANDS[command]]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        first = json.loads(proc.stdout.readline())
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    assert first["epoch"] == 1
    assert proc.returncode == 128 + sig
    (run,) = RunStore(tmp_path).runs()
    assert run.status == "stopped", run.message
    assert run.message.startswith("stopped at step ")
    assert resume_checkpoint(run.dir) is not None
    lines = err.strip().splitlines()
    assert lines[-1] == (f"stopped: run {run.id} is kept with a checkpoint of its last step; "
                         f"--resume {run.id} goes on from there")
