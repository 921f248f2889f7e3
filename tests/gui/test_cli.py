"""The `deepscope` command line: headless training, its JSON output, and bad input."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from deepscope.cli import main
from deepscope.core.data.split import channel_stats
from deepscope.core.data.torchvision_sets import IDX_FILES
from deepscope.core.runs.checkpoint import load_model
from deepscope.core.runs.loader import load_classifier
from deepscope.core.runs.store import RunStore
from tests.core.data.test_data import write_bars


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deepscope", *args], capture_output=True,
                          text=True)


@pytest.mark.slow  # 10 epochs: ~3 s
def test_train_json_lenet_on_digits_reaches_90_percent(tmp_path, capsys):
    assert main(["--runs-dir", str(tmp_path), "train", "--model", "lenet", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    epochs, final = records[:-1], records[-1]
    assert [r["epoch"] for r in epochs] == list(range(1, 11))
    assert set(epochs[0]) == {"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"}
    assert final["test_acc"] >= 0.9
    assert final["test_set"] == "held-out" and final["test_size"] == 1797 - round(1797 * 0.85)
    assert load_model(final["run_dir"]).training is False


def test_train_json_on_mnist_reports_the_official_test_set_and_its_accuracy(tmp_path, capsys):
    data = tmp_path / "data"
    arrays = write_bars(data, 160, 40)
    assert main(["--runs-dir", str(tmp_path / "runs"), "train", "--dataset", "mnist",
                 "--data-root", str(data), "--epochs", "3", "--batch-size", "16", "--json"]) == 0
    final = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert {"status", "test_acc", "run_dir", "message"} < set(final)
    assert (final["test_set"], final["test_size"]) == ("official", 40)
    assert "official test set, 40 images" in final["message"]

    clf = load_classifier(final["run_dir"])  # the best checkpoint and its statistics
    train = clf.dataset.split(clf.dataset.load(28), "train")
    assert train.max() < 160  # statistics of official training images only
    mean, std = channel_stats(torch.from_numpy(arrays[IDX_FILES[0]][train, None]))
    assert clf.mean.flatten().tolist() == pytest.approx(mean)
    assert clf.std.flatten().tolist() == pytest.approx(std)
    with torch.inference_mode():  # exactly the official test images, as training evaluates
        logits = clf.model(clf.normalize(torch.from_numpy(arrays[IDX_FILES[2]][:, None])))
    official = float((logits.argmax(1).cpu().numpy() == arrays[IDX_FILES[3]]).mean())
    assert final["test_acc"] == pytest.approx(official, abs=1e-6)
    assert final["test_acc"] < clf.meta["val_acc"]  # half its labels are the next class's


def test_a_test_fraction_for_a_set_with_an_official_test_set_is_refused(tmp_path, capsys):
    assert main(["--runs-dir", str(tmp_path), "train", "--dataset", "mnist", "--data-root",
                 str(tmp_path), "--test-fraction", "0.2"]) == 1
    assert "official test set" in capsys.readouterr().err
    assert not RunStore(tmp_path).runs()


@pytest.mark.parametrize("args, words", [
    (["--model", "nonet"], "invalid choice"),  # refused before torch loads: quick
    # the others in a fresh Python that imports torch: ~4 s each
    pytest.param(["--lr", "-3"], "learning rate", marks=pytest.mark.slow),
    pytest.param(["--dataset", "mnist", "--data-root", "/nonexistent"], "MNIST",
                 marks=pytest.mark.slow),
    pytest.param(["--device", "cuda"], "CUDA", marks=pytest.mark.slow),
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
    code = main(["train", "--model", "mlp", "--optimizer", "sgd", "--loss", "hinge", "--lr", "10",
                 "--epochs", "3", "--json", "--runs-dir", str(tmp_path)])  # as its usage reads
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


@pytest.fixture
def lenet_run(classifier_run) -> Path:
    """The folder of the shared untrained LeNet run on digits."""
    return classifier_run.dir


def test_occlusion_writes_maps_and_meta(lenet_run, tmp_path, capsys):
    out = tmp_path / "occ"
    args = ["occlusion", "--run", str(lenet_run), "--dataset", "digits", "--index", "0",
            "--window", "7", "--stride", "2", "--occluder", "grey", "--out", str(out)]
    assert main(args) == 0
    rows = cols = -(-(28 - 7) // 2) + 1
    assert np.load(out / "probability.npy").shape == (rows, cols)
    assert np.load(out / "class.npy").dtype == np.int64
    assert np.load(out / "pixel.npy").shape == (28, 28)
    assert np.load(out / "input.npy").shape == (1, 28, 28)
    meta = json.loads((out / "meta.json").read_text())
    stats = json.loads((lenet_run / "best.json").read_text())["meta"]
    mean, std = stats["mean"], stats["std"]
    assert meta["window"] == [7, 7] and meta["stride"] == [2, 2] and meta["target"] == 0
    assert meta["occluder_value"] == pytest.approx([(0.5 - mean[0]) / std[0]])
    drop = np.load(out / "drop.npy")
    probability = np.load(out / "probability.npy")
    assert np.allclose(drop, meta["base_probability"] - probability, atol=1e-6)
    assert (out / "overlay.png").stat().st_size > 0


@pytest.mark.parametrize("args, words", [
    (["--window", "40", "--stride", "2"], "larger than"),
    (["--window", "4", "--stride", "1", "--target", "12"], "not a class"),
])
def test_occlusion_bad_input(lenet_run, tmp_path, capsys, args, words):
    base = ["occlusion", "--run", str(lenet_run), "--dataset", "digits", "--index", "0",
            "--out", str(tmp_path / "o")]
    assert main(base + args) == 1
    assert words in capsys.readouterr().err


def test_occlusion_unknown_occluder_is_a_usage_error(lenet_run, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["occlusion", "--run", str(lenet_run), "--dataset", "digits", "--index", "0",
              "--window", "4", "--stride", "1", "--occluder", "glitter", "--out", str(tmp_path)])
    assert exit_info.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_occlusion_rejects_a_file_that_is_not_an_image(lenet_run, tmp_path, capsys):
    fake = tmp_path / "photo.png"
    fake.write_text("not an image")
    args = ["occlusion", "--run", str(lenet_run), "--image", str(fake), "--target", "pred",
            "--window", "4", "--stride", "2", "--out", str(tmp_path / "o")]
    assert main(args) == 1 and "not an image" in capsys.readouterr().err


def test_occlusion_of_the_users_own_model_is_the_models_own_probability(tmp_path, capsys):
    """--model FILE.py:FUNCTION with --image: the unoccluded probability is the model's own."""
    from PIL import Image

    (tmp_path / "net.py").write_text(
        "import torch\nfrom torch import nn\n\ndef make():\n    torch.manual_seed(0)\n"
        "    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(),\n"
        "                         nn.Linear(4 * 14 * 14, 3))\n")
    pixels = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "in.png")
    out = tmp_path / "occ"
    assert main(["occlusion", "--model", f"{tmp_path}/net.py:make", "--input", "3x16x16",
                 "--mean", "0.5", "--std", "0.2", "--image", str(tmp_path / "in.png"),
                 "--target", "pred", "--window", "4", "--stride", "4", "--out", str(out)]) == 0
    namespace: dict = {}
    exec((tmp_path / "net.py").read_text(), namespace)
    x = (torch.from_numpy(pixels).permute(2, 0, 1).float()[None] / 255 - 0.5) / 0.2
    np.testing.assert_allclose(np.load(out / "input.npy"), x[0].numpy(), atol=1e-6)
    with torch.no_grad():
        p = namespace["make"]()(x).softmax(1)[0]
    meta = json.loads((out / "meta.json").read_text())
    assert meta["target"] == int(p.argmax())
    assert meta["base_probability"] == pytest.approx(float(p.max()), abs=1e-6)
    assert np.load(out / "drop.npy").shape == (4, 4)
