"""The GAN commands of `deepscope`: train-gan's JSON, sample, interpolate, bad input, no Qt."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from deepscope.cli import main
from deepscope.core.models.gan import generate
from deepscope.core.models.gan_spec import GanSpec
from deepscope.core.models.latents import seeded_latents
from deepscope.core.runs.generators import load_generator
from deepscope.core.runs.store import RunStore
from tests.factories import stored_gan

EPOCH_KEYS = {"epoch", "d_loss", "g_loss", "d_real", "d_fake", "seconds"}
SCORE_KEYS = {"classifier_is", "classifier_fd", "mean_max_prob", "classes_covered"}
SMALL = ("--batch-size", "256", "--image-size", "16")  # a few steps an epoch


@pytest.fixture(scope="module")
def runs(tmp_path_factory, classifier_run):
    """A stored cGAN run on digits (untrained) and a classifier run (the shared one)."""
    with RunStore(tmp_path_factory.mktemp("runs")) as store:
        gan = stored_gan(store, spec=GanSpec("cgan", 64, 1, 28, num_classes=10, width=8))
    return {"judge": classifier_run.dir, "gan": str(gan.dir)}


def test_train_gan_json_has_one_object_per_epoch_then_the_run(runs, tmp_path, capsys):
    assert main(["train-gan", "--epochs", "2", "--classifier", str(runs["judge"]), "--json",
                 *SMALL, "--runs-dir", str(tmp_path)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    epochs, final = records[:-1], records[-1]
    assert [r["epoch"] for r in epochs] == [1, 2]
    assert set(epochs[0]) == EPOCH_KEYS | SCORE_KEYS
    assert 0 <= epochs[-1]["mean_max_prob"] <= 1 and 1 <= epochs[-1]["classes_covered"] <= 10
    assert final["status"] == "finished" and final["run_dir"].startswith(str(tmp_path))


def test_train_gan_without_a_judge_prints_no_scores(tmp_path, capsys):
    assert main(["train-gan", "--epochs", "1", "--model", "dcgan", "--loss", "wgan-gp", *SMALL,
                 "--json", "--runs-dir", str(tmp_path)]) == 0
    epoch = json.loads(capsys.readouterr().out.splitlines()[0])
    assert set(epoch) == EPOCH_KEYS


def test_train_gan_resume_continues_the_same_run(tmp_path, capsys):
    common = ["--json", "--runs-dir", str(tmp_path)]
    assert main(["train-gan", "--epochs", "1", "--model", "dcgan", *SMALL, *common]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[-1])
    run_id = RunStore(tmp_path).runs("gan")[0].id
    assert main(["train-gan", "--resume", run_id, "--epochs", "2", *common]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["epoch"] for r in records[:-1]] == [2]
    assert records[-1]["run_dir"] == first["run_dir"] and records[-1]["status"] == "finished"
    assert main(["train-gan", "--resume", run_id, "--epochs", "2", *common]) == 1
    assert "ask for more epochs" in capsys.readouterr().err


def test_sample_writes_n_images_in_the_unit_range(runs, tmp_path):
    paths = [tmp_path / f"{name}.npy" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (1, 1, 2), strict=True):
        assert main(["sample", "--run", runs["gan"], "--n", "12", "--seed", str(seed),
                     "--out", str(path)]) == 0
    a, b, c = (np.load(p) for p in paths)
    assert a.shape == (12, 1, 28, 28) and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    by_id = tmp_path / "by_id.npy"  # a run id is looked up in the run store
    run_id, root = Path(runs["gan"]).name, str(Path(runs["gan"]).parent)
    assert main(["sample", "--run", run_id, "--runs-dir", root, "--n", "12", "--seed", "1",
                 "--out", str(by_id)]) == 0
    assert np.array_equal(np.load(by_id), a)


def test_interpolate_writes_a_strip_and_a_gif(runs, tmp_path):
    strip, gif = tmp_path / "strip.png", tmp_path / "walk.gif"
    assert main(["interpolate", "--run", runs["gan"], "--seeds", "3", "7", "--steps", "6",
                 "--mode", "slerp", "--label", "4", "--out", str(strip), "--gif", str(gif)]) == 0
    pixels = np.asarray(Image.open(strip))
    assert pixels.shape == (28, 6 * 28)
    with Image.open(gif) as frames:
        assert frames.n_frames == 6
    g, spec, _ = load_generator(runs["gan"])
    start = generate(g, seeded_latents([3], spec.latent_dim, "gaussian"), torch.tensor([4]))
    expected = (start[0, 0] * 255).round().numpy().astype(np.uint8)
    assert np.array_equal(pixels[:, :28], expected)  # the strip starts at seed 3's image
    assert not np.array_equal(pixels[:, :28], pixels[:, -28:])


@pytest.mark.parametrize("args, words", [
    (["train-gan", "--epochs", "20000"], "epochs must be between"),
    (["train-gan", "--classifier", "/nonexistent"], "not a classifier run"),
    (["train-gan", "--resume", "nosuchrun"], "no run nosuchrun"),
    (["sample", "--run", "/nonexistent", "--n", "3", "--out", "x.npy"], "no GAN run"),
    (["sample", "--run", "{gan}", "--n", "2", "--label", "12", "--out", "x.npy"], "0..9"),
    (["sample", "--run", "{judge}", "--n", "2", "--out", "x.npy"], "holds a classifier"),
])
def test_bad_input_exits_non_zero_with_one_clear_line(runs, tmp_path, capsys, args, words):
    args = [a.format(gan=runs["gan"], judge=runs["judge"]) for a in args]
    assert main([*args, "--runs-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1


@pytest.mark.slow  # a fresh Python that imports torch
def test_gan_commands_import_no_qt(runs, tmp_path):
    code = (
        "import sys\n"
        "from deepscope.cli import main\n"
        f"assert main(['sample', '--run', {str(runs['gan'])!r}, '--n', '2', "
        f"'--out', {str(tmp_path / 'x.npy')!r}]) == 0\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
