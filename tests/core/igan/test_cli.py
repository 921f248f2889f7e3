"""`deepscope generate`, `project` and `igan` on a tiny stored GAN run: the files, their shapes,
ranges and order, the meta they write, conversions said, and bad input refused in words."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from deepscope.core.igan import cli
from deepscope.core.igan.encoder import encoder_job
from deepscope.core.igan.events import EncoderSettings
from deepscope.core.igan.generator import Gan, load_gan
from deepscope.core.models.gan_spec import GanSpec
from deepscope.core.runs.store import RunInfo, RunStore
from tests.core.commands import run_command
from tests.factories import stored_gan

SPEC = GanSpec("dcgan", 8, 3, 16, width=4)  # colour, so a grey file is converted


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A run store with a colour DCGAN and a grey cGAN, and painted files: a 40 x 40 colour
    image, its mask (white centre), a sketch, a mask of another size and an empty one."""
    root = tmp_path_factory.mktemp("igan-cli")
    with RunStore(root / "runs") as store:
        dcgan = stored_gan(store, spec=SPEC)
        cgan = stored_gan(store, spec=GanSpec("cgan", 8, 1, 16, num_classes=4, width=4))
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(root / "colour.png")
    mask = np.zeros((40, 40), np.uint8)
    mask[10:30, 10:30] = 255
    Image.fromarray(mask).save(root / "mask.png")
    Image.fromarray(mask[:16, :16]).save(root / "sketch.png")  # white in its bottom corner
    Image.fromarray(mask[:20, :20]).save(root / "small-mask.png")
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(root / "empty.png")
    Image.fromarray(mask[5:21, 5:21]).save(root / "grey16.png")
    return {"root": root, "runs": store.root, "dcgan": dcgan, "cgan": cgan}


def command(world: dict, name: str, *argv: str) -> int:
    return run_command(cli, name, *argv, runs_dir=world["runs"])


def gan_of(run: RunInfo) -> Gan:
    return load_gan(run.dir, "cpu")


def test_generate_renders_given_latents(world, tmp_path):
    z = np.random.default_rng(1).standard_normal((5, 8)).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    out = tmp_path / "images.npy"
    assert command(world, "generate", "--run", world["dcgan"].id, "--z",
                   str(tmp_path / "z.npy"), "--out", str(out)) == 0
    images = np.load(out)
    assert images.shape == (5, 3, 16, 16) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    with torch.no_grad():
        direct = gan_of(world["dcgan"]).images(torch.from_numpy(z), None).numpy()
    np.testing.assert_allclose(images, direct, atol=1e-6)
    labelled = tmp_path / "labelled.npy"
    assert command(world, "generate", "--run", str(world["cgan"].dir), "--z",
                   str(tmp_path / "z.npy"), "--label", "3", "--out", str(labelled)) == 0
    with torch.no_grad():
        threes = gan_of(world["cgan"]).images(torch.from_numpy(z), torch.full((5,), 3))
    np.testing.assert_allclose(np.load(labelled), threes.numpy(), atol=1e-6)


def test_igan_writes_candidates_best_first(world, tmp_path, capsys):
    root, out = world["root"], tmp_path / "edit"
    assert command(world, "igan", "--run", world["dcgan"].id, "--colour", str(root / "colour.png"),
                   "--mask", str(root / "mask.png"), "--sketch", str(root / "sketch.png"),
                   "--candidates", "6", "--steps", "12", "--seed", "4", "--out", str(out)) == 0
    candidates, z = np.load(out / "candidates.npy"), np.load(out / "z.npy")
    assert candidates.shape == (6, 3, 16, 16) and z.shape == (6, 8)
    assert candidates.dtype == z.dtype == np.float32
    assert candidates.min() >= 0 and candidates.max() <= 1
    costs = json.loads((out / "costs.json").read_text())
    assert len(costs["costs"]) == 6 and costs["costs"] == sorted(costs["costs"])
    assert costs["steps"] == 12 and costs["seed"] == 4 and costs["labels"] is None
    assert min(costs["colour_error"]) > 0 and min(costs["edge_error"]) > 0
    with torch.no_grad():  # each candidate is its latent's image
        again = gan_of(world["dcgan"]).images(torch.from_numpy(z), None).numpy()
    np.testing.assert_allclose(again, candidates, atol=1e-5)
    best = np.asarray(Image.open(out / "best.png")).transpose(2, 0, 1)
    np.testing.assert_array_equal(best, np.round(candidates[0] * 255).astype(np.uint8))
    err = capsys.readouterr().err
    notes = ["colour.png: 40x40 RGB converted to 3x16x16 (RGB, the generator's size)",
             "sketch.png: 16x16 converted"]
    assert costs["converted"][0] == notes[0] and notes[0] in err and notes[1] not in err


def test_igan_says_nothing_of_a_file_already_at_the_generators_size(world, tmp_path, capsys):
    root = world["root"]
    assert command(world, "igan", "--run", str(world["cgan"].dir), "--colour",
                   str(root / "grey16.png"), "--mask", str(root / "grey16.png"),
                   "--candidates", "4", "--steps", "2", "--out", str(tmp_path)) == 0
    costs = json.loads((tmp_path / "costs.json").read_text())
    assert costs["converted"] == [] and capsys.readouterr().err == ""
    assert sorted(costs["labels"]) == [0, 1, 2, 3]  # a cGAN's candidates cycle the classes


@pytest.mark.parametrize("method", ["opt", "encoder", "hybrid"])
def test_project_writes_the_latent_its_image_and_the_error(world, tmp_path, method):
    gan = gan_of(world["dcgan"])
    if method != "opt":
        list(encoder_job(gan, EncoderSettings(steps=3)))  # saved with the run: project loads it
    out = tmp_path / method
    steps = [] if method == "encoder" else ["--steps", "20"]
    assert command(world, "project", "--run", world["dcgan"].id, "--dataset", "digits",
                   "--index", "7", "--method", method, *steps, "--out", str(out)) == 0
    z, target, rec = (np.load(out / f"{n}.npy") for n in ("z", "target", "reconstruction"))
    assert z.shape == (1, 8) and target.shape == rec.shape == (3, 16, 16)
    assert all(a.min() >= 0 and a.max() <= 1 for a in (target, rec))
    assert (target[0] == target[1]).all()  # grey digits repeated to RGB
    meta = json.loads((out / "meta.json").read_text())
    assert meta["method"] == method and meta["seconds"] > 0
    assert meta["mse"] == pytest.approx(float(((rec - target) ** 2).mean()), rel=1e-4)
    assert meta["psnr"] == pytest.approx(10 * np.log10(1 / meta["mse"]))
    assert meta["converted"] == "digits image 7: grey repeated to RGB for the generator"
    assert meta["steps"] == (0 if method == "encoder" else 20)
    assert meta["label"] is None and not meta["label_searched"]
    png = np.asarray(Image.open(out / "reconstruction.png")).transpose(2, 0, 1)
    np.testing.assert_array_equal(png, np.round(rec * 255).astype(np.uint8))


def test_project_searches_a_cgans_class_and_says_so(world, tmp_path):
    image = world["root"] / "colour.png"
    assert command(world, "project", "--run", world["cgan"].id, "--image", str(image),
                   "--method", "opt", "--steps", "5", "--out", str(tmp_path / "s")) == 0
    meta = json.loads((tmp_path / "s" / "meta.json").read_text())
    assert meta["label_searched"] and meta["label"] in range(4)
    assert meta["converted"].startswith("colour.png: 40x40 RGB converted to 1x16x16 (grey")
    assert command(world, "project", "--run", world["cgan"].id, "--image", str(image),
                   "--method", "opt", "--steps", "5", "--label", "2",
                   "--out", str(tmp_path / "g")) == 0
    meta = json.loads((tmp_path / "g" / "meta.json").read_text())
    assert meta["label"] == 2 and not meta["label_searched"]


@pytest.mark.parametrize("args, words", [
    ("igan --run {dcgan} --colour {root}/colour.png --mask {root}/small-mask.png",
     "--mask is 20x20 pixels but --colour is 40x40: paint the mask on the colour image's "
     "canvas"),
    ("igan --run {dcgan} --colour {root}/colour.png --mask {root}/empty.png",
     "empty.png has no white pixel: paint in white where the constraint holds"),
    ("igan --run {dcgan} --colour {root}/gone.png --mask {root}/mask.png",
     "no image file at {root}/gone.png"),
    ("igan --run {dcgan} --colour {root}/colour.png --mask {root}/z3.npy",
     "cannot read {root}/z3.npy: not an image file"),
    ("generate --run {dcgan} --z {root}/colour.png", "colour.png is not a .npy array of "
     "numbers: DeepScope reads latents from plain .npy files (np.save), never pickles"),
    ("generate --run {dcgan} --z {root}/z3.npy", "z3.npy holds latents of size 3; this "
     "generator takes 8"),
    ("generate --run {dcgan} --z {root}/z1d.npy", "z1d.npy must hold N x dim numbers, got "
     "shape (8,) of float32"),
    ("project --run {dcgan} --dataset digits --method opt",
     "--dataset and --index go together: the image's index in the dataset"),
    ("project --run {dcgan} --image {root}/colour.png --index 3 --method opt",
     "--dataset and --index go together: the image's index in the dataset"),
    ("project --run {dcgan} --dataset digits --index 5000 --method opt",
     "index 5000 is outside digits (0..1796)"),
    ("project --run {cgan} --image {root}/colour.png --method opt --label 4",
     "class label must be in 0..3, got 4"),
    ("project --run {dcgan} --image {root}/colour.png --method opt --label 1",
     "dcgan is unconditional: it takes no class label"),
])
def test_bad_input_is_refused_in_words(world, tmp_path, args, words):
    root = world["root"]
    np.save(root / "z3.npy", np.zeros((2, 3), np.float32))
    np.save(root / "z1d.npy", np.zeros(8, np.float32))
    names = {"root": root, "dcgan": world["dcgan"].id, "cgan": world["cgan"].id}
    out = ["--out", str(tmp_path / ("x.npy" if args.startswith("generate") else "x"))]
    name, *argv = args.format(**names).split()
    with pytest.raises(ValueError) as error:
        command(world, name, *argv, *out)
    assert str(error.value).endswith(words.format(**names))
    assert not (tmp_path / "x").exists()
