"""The `deepscope` command line: headless training, its JSON output, and bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.runs.checkpoint import load_model
from core.runs.store import RunStore
from gui.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gui", *args], capture_output=True, text=True)


def test_train_json_lenet_on_digits_reaches_90_percent(tmp_path, capsys):
    assert main(["--runs-dir", str(tmp_path), "train", "--model", "lenet", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    epochs, final = records[:-1], records[-1]
    assert [r["epoch"] for r in epochs] == list(range(1, 11))
    assert set(epochs[0]) == {"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"}
    assert final["test_acc"] >= 0.9
    assert load_model(final["run_dir"]).training is False


@pytest.mark.parametrize("args, words", [
    (["--model", "nonet"], "invalid choice"),
    (["--lr", "-3"], "learning rate"),
    (["--dataset", "mnist", "--data-root", "/nonexistent"], "MNIST"),
    (["--device", "cuda"], "CUDA"),
])
def test_bad_input_exits_non_zero_with_a_clear_message(tmp_path, args, words):
    if "cuda" in args:
        torch = pytest.importorskip("torch")
        if torch.cuda.is_available():
            pytest.skip("CUDA is present here")
    result = run_cli("--runs-dir", str(tmp_path), "train", *args)
    assert result.returncode != 0
    assert words in result.stderr and "Traceback" not in result.stderr


def test_diverging_run_exits_non_zero_and_keeps_its_steps(tmp_path, capsys):
    code = main(["--runs-dir", str(tmp_path), "train", "--model", "mlp", "--optimizer", "sgd",
                 "--loss", "hinge", "--lr", "10", "--epochs", "3", "--json"])
    final = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert code == 3 and final["status"] == "diverged"
    bad_step = int(final["message"].split("at step ")[1].split()[0])
    steps = RunStore(tmp_path).steps(Path(final["run_dir"]).name)
    assert list(steps["step"]) == list(range(bad_step))


@pytest.mark.cuda
def test_train_on_cuda(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    assert main(["--runs-dir", str(tmp_path), "train", "--device", "cuda", "--epochs", "2",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["test_acc"] > 0.5
