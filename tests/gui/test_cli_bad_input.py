"""Every bad input to the `deepscope` command line gets one line in the app's own words that
names the option or file at fault, and a non-zero exit: 2 when argparse refuses the value while
reading the arguments, 1 when the command finds it out. The README's list is this table."""

from importlib.metadata import version

import pytest
import torch
from PIL import Image

from deepscope.cli import main
from deepscope.core.runs.checkpoint import CheckpointError, load_model
from deepscope.core.runs.store import DB_NAME, RunStore
from tests.factories import save_classifier, stored_classifier, stored_gan

OCCLUDE = "occlusion --run {clf} --dataset digits --index 0"
SLIDE = " --window 4 --stride 2"
OUT = " --out {tmp}/o"
IGAN = "igan --run {gan_id} --colour {tiny} --mask {tiny}"
BAD = [  # case id, arguments after `deepscope --runs-dir {runs}`, the last line's end, exit
    ("image-1x1", "occlusion --run {clf} --image {tiny} --target pred" + SLIDE + OUT,
     "image is 1x1 pixels: too small for this model, whose input is 28x28; give an image of "
     "at least 28x28", 1),
    ("gan-to-occlusion", OCCLUDE.replace("{clf}", "{gan_id}") + SLIDE + OUT,
     "run {gan_id} is a GAN run, not a classifier run", 1),
    ("pickle", OCCLUDE.replace("{clf}", "{pickle}") + SLIDE + OUT,
     "refused: {pickle} is a pickle, which can run code; DeepScope loads only safetensors (or a "
     "PyTorch file of plain tensors)", 1),
    ("not-weights", OCCLUDE.replace("{clf}", "{file}") + SLIDE + OUT,
     "{file} is not a weights file: DeepScope loads safetensors (or a PyTorch file of plain "
     "tensors)", 1),
    ("model-no-function", "occlusion --model {tmp}/net.py --image {tiny}" + SLIDE + OUT,
     "argument --model: expected FILE.py:FUNCTION, got '{tmp}/net.py'", 2),
    ("model-no-input", "occlusion --model {tmp}/net.py:make --image {tiny}" + SLIDE + OUT,
     "--model needs --input CxHxW: the input its function's model takes", 1),
    ("model-file-gone", "occlusion --model {tmp}/net.py:make --input 1x28x28 --image {tiny}"
     + SLIDE + OUT, "no Python file at {tmp}/net.py", 1),
    ("model-weights-pickle", "occlusion --model {tmp}/net.py:make --input 1x28x28 --weights "
     "{pickle} --image {tiny}" + SLIDE + OUT, "net.pt is a pickle, which DeepScope never loads (it "
     "can run any code); save the weights with safetensors.torch.save_file(model.state_dict(), "
     "'weights.safetensors') and open that", 1),
    ("dream-steps-0", "dream --run {clf} --class 1 --steps 0 --out {tmp}/d",
     "argument --steps: must be 1..10000, got 0", 2),
    ("dream-steps-huge", "dream --run {clf} --class 1 --steps 10000000 --out {tmp}/d",
     "argument --steps: must be 1..10000, got 10000000", 2),
    ("dream-channel-out-of-range", "dream --run {clf} --layer features.conv1.act --channel 6 "
     "--steps 1 --out {tmp}/d", "channel 6 is out of range for layer 'features.conv1.act': "
     "pick 0 to 5", 1),
    ("saliency-unknown-layer", "saliency --run {clf} --dataset digits --index 0 --method "
     "gradcam --layer nope --out {tmp}/s", "Sequential has no layer 'nope'; its layers are: "
     "features, features.conv1, features.conv1.conv, features.conv1.bn, features.conv1.act, "
     "features.pool1, features.conv2, features.conv2.conv, features.conv2.bn, "
     "features.conv2.act, features.pool2, flatten, classifier, classifier.fc1, "
     "classifier.fc1.fc, classifier.fc1.act, classifier.fc2, classifier.fc2.fc, "
     "classifier.fc2.act, classifier.dropout, classifier.fc3", 1),
    ("units-no-map", "units --run {clf} --dataset digits --layer classifier.fc1 --out {tmp}/u",
     "layer 'classifier.fc1' has no spatial map (its output: 120); pick a layer whose output "
     "is channels x height x width", 1),
    ("units-checkpoint-gone", "units --run {tmp}/gone --dataset digits --layer features "
     "--out {tmp}/u", "no run or checkpoint at {tmp}/gone: it was deleted or moved", 1),
    ("embed-unknown-layer", "embed --run {clf} --dataset digits --layer nope --method pca "
     "--out {tmp}/e", "Sequential has no layer 'nope'; its layers are: features, "
     "features.conv1, features.conv1.conv, features.conv1.bn, features.conv1.act, "
     "features.pool1, features.conv2, features.conv2.conv, features.conv2.bn, "
     "features.conv2.act, features.pool2, flatten, classifier, classifier.fc1, "
     "classifier.fc1.fc, classifier.fc1.act, classifier.fc2, classifier.fc2.fc, "
     "classifier.fc2.act, classifier.dropout, classifier.fc3", 1),
    ("embed-n-too-many", "embed --run {clf} --dataset digits --split val --n 5000 --method pca "
     "--out {tmp}/e", "--n 5000 is more than the 269 images of the val split of digits", 1),
    ("embed-perplexity-too-large", "embed --run {clf} --dataset digits --n 50 --method tsne "
     "--perplexity 50 --out {tmp}/e", "perplexity 50 does not fit 50 points: t-SNE needs "
     "0 < perplexity < (N - 1) / 3 = 16.33", 1),
    ("embed-perplexity-0", "embed --run {clf} --dataset digits --method tsne --perplexity 0 "
     "--out {tmp}/e", "argument --perplexity: must be above 0, got 0", 2),
    ("embed-perplexity-with-pca", "embed --run {clf} --dataset digits --method pca "
     "--perplexity 5 --out {tmp}/e", "--perplexity is t-SNE's; --method pca has none", 1),
    ("embed-checkpoint-gone", "embed --run {tmp}/gone --dataset digits --method pca "
     "--out {tmp}/e", "no run or checkpoint at {tmp}/gone: it was deleted or moved", 1),
    ("window-7xq", OCCLUDE + " --window 7xq --stride 2" + OUT,
     "argument --window: expected N or HxW, whole numbers of pixels of at least 1, got '7xq'", 2),
    ("stride-0", OCCLUDE + " --window 4 --stride 0" + OUT,
     "argument --stride: expected N or HxW, whole numbers of pixels of at least 1, got '0'", 2),
    ("target-word", OCCLUDE + SLIDE + " --target cat" + OUT,
     "argument --target: expected true, pred or a class index, got 'cat'", 2),
    ("batch-size-0", OCCLUDE + SLIDE + " --batch-size 0" + OUT,
     "argument --batch-size: must be at least 1, got 0", 2),
    ("index-negative", OCCLUDE.replace("0", "-1") + SLIDE + OUT,
     "argument --index: must be at least 0, got -1", 2),
    ("out-is-a-file", OCCLUDE + SLIDE + " --out {file}",
     "argument --out: {file} is a file, not a folder", 2),
    ("out-under-a-file", OCCLUDE + SLIDE + " --out {file}/maps",
     "argument --out: {file} is a file, not a folder, so {file}/maps cannot be created", 2),
    ("runs-dir-is-a-file", "train --runs-dir {file}",
     "argument --runs-dir: {file} is a file, not a folder", 2),
    ("runs-store-damaged", "train --resume abc --runs-dir {damaged}",
     "{damaged}/" + DB_NAME + " is damaged (file is not a database): move it aside and "
     "DeepScope starts a new, empty run store", 1),
    ("unknown-run-id", "train --resume abc", "no run abc in {runs}", 1),
    ("resume-finished", "train --resume {done_id}",
     "run {done_id} has done 2 of 2 epochs: ask for more epochs to continue it", 1),
    ("seed-huge", "train --seed 99999999999999999999999",
     "argument --seed: must be 0..4294967295, got 99999999999999999999999", 2),
    ("epochs-0", "train --epochs 0", "argument --epochs: must be at least 1, got 0", 2),
    ("margin-0", "train --objective triplet --margin 0", "margin must be > 0", 1),
    ("miner-contrastive", "train --miner hard --objective contrastive",
     "--miner applies to --objective triplet only, not to --objective contrastive", 1),
    ("embedding-dim-0", "train --objective triplet --embedding-dim 0",
     "argument --embedding-dim: must be 2..1024, got 0", 2),
    ("gan-seed-negative", "train-gan --seed -1",
     "argument --seed: must be 0..4294967295, got -1", 2),
    ("gan-judge-is-a-gan", "train-gan --classifier {gan_id}",
     "run {gan_id} is a GAN run, not a classifier run", 1),
    ("sample-n-huge", "sample --run {gan_id} --n 1000000000 --out {tmp}/x.npy",
     "--n 1000000000 is too many: 1000000000 images of 1x16x16 float32 would take 953.7 GiB in "
     "memory; ask for at most 2097152 (2 GiB)", 1),
    ("sample-n-0", "sample --run {gan_id} --n 0 --out {tmp}/x.npy",
     "argument --n: must be at least 1, got 0", 2),
    ("sample-classifier", "sample --run {clf_id} --n 2 --out {tmp}/x.npy",
     "run {clf_id} is a classifier run, not a GAN run", 1),
    ("sample-unknown-run", "sample --run nosuch --n 2 --out {tmp}/x.npy",
     "no run nosuch in {runs}, nor a run folder or checkpoint of that name here", 1),
    ("sample-out-is-a-folder", "sample --run {gan_id} --n 2 --out {tmp}",
     "argument --out: {tmp} is a folder: give a file name", 2),
    ("sample-out-no-folder", "sample --run {gan_id} --n 2 --out {tmp}/none/x.npy",
     "argument --out: no folder {tmp}/none to write x.npy in", 2),
    ("interpolate-gif-is-a-folder", "interpolate --run {gan_id} --seeds 1 2 --out {tmp}/s.png "
     "--gif {tmp}", "argument --gif: {tmp} is a folder: give a file name", 2),
    ("interpolate-seed-huge", "interpolate --run {gan_id} --seeds 1 5000000000 --out {tmp}/s.png",
     "argument --seeds: must be 0..4294967295, got 5000000000", 2),
    ("interpolate-steps-1", "interpolate --run {gan_id} --seeds 1 2 --steps 1 --out {tmp}/s.png",
     "argument --steps: must be 2..64, got 1", 2),
    ("interpolate-classifier", "interpolate --run {clf} --seeds 1 2 --out {tmp}/s.png",
     "{clf} holds a classifier (lenet), not a GAN generator", 1),
    ("igan-steps-0", IGAN + " --steps 0" + OUT, "argument --steps: must be 1..10000, got 0", 2),
    ("igan-steps-huge", IGAN + " --steps 10000000" + OUT,
     "argument --steps: must be 1..10000, got 10000000", 2),
    ("igan-candidates-0", IGAN + " --candidates 0" + OUT,
     "argument --candidates: must be 1..256, got 0", 2),
    ("igan-classifier", IGAN.replace("{gan_id}", "{clf_id}") + OUT,
     "run {clf_id} is a classifier run, not a GAN run", 1),
    ("igan-empty-mask", IGAN + OUT,
     "tiny.png has no white pixel: paint in white where the constraint holds", 1),
    ("project-classifier", "project --run {clf} --image {tiny} --method opt" + OUT,
     "{clf} holds a classifier (lenet), not a GAN generator", 1),
    ("project-steps-huge", "project --run {gan_id} --image {tiny} --method opt --steps "
     "10000000" + OUT, "argument --steps: must be 1..10000, got 10000000", 2),
    ("project-encoder-steps", "project --run {gan_id} --image {tiny} --method encoder "
     "--steps 5" + OUT, "--steps counts optimization steps; --method encoder has none", 1),
    ("project-not-an-image", "project --run {gan_id} --image {file} --method opt" + OUT,
     "cannot read {file}: not an image file", 1),
    ("generate-pickle", "generate --run {gan_id} --z {pickle} --out {tmp}/x.npy",
     "{pickle} is not a .npy array of numbers: DeepScope reads latents from plain .npy files "
     "(np.save), never pickles", 1),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, str]:
    """A run store with a classifier run, a GAN run and a classifier run trained to its end;
    a 1x1 image, a pickle that runs code, a plain file and a damaged run store."""
    root = tmp_path_factory.mktemp("bad-input")
    with RunStore(root / "runs") as store:
        clf, gan = stored_classifier(store), stored_gan(store)
        done = stored_classifier(store, epochs=2)
        for epoch in (1, 2):
            store.log_epoch(done.id, epoch, {"val_loss": 1.0})
    Image.new("L", (1, 1)).save(root / "tiny.png")
    torch.save({"layer": torch.nn.Linear(2, 2)}, root / "net.pt")  # a module: needs its code
    (root / "plain").write_text("not a folder")
    (root / "damaged").mkdir()
    (root / "damaged" / DB_NAME).write_text("not a database" * 100)
    return {"runs": str(store.root), "clf": str(clf.dir), "clf_id": clf.id, "gan_id": gan.id,
            "done_id": done.id, "tiny": str(root / "tiny.png"), "pickle": str(root / "net.pt"),
            "file": str(root / "plain"), "damaged": str(root / "damaged")}


def run(argv: list[str]) -> int:
    """The exit status of `deepscope argv`, argparse's refusals included."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code)


@pytest.mark.parametrize("args, words, code", [case[1:] for case in BAD],
                         ids=[case[0] for case in BAD])
def test_bad_input_gets_one_clear_line(world, tmp_path, capsys, args, words, code):
    names = world | {"tmp": str(tmp_path)}
    argv = ["--runs-dir", world["runs"], *args.format(**names).split()]
    assert run(argv) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err)
    assert err[-1].endswith(words.format(**names))
    assert err[-1].startswith("deepscope")
    assert code == 2 or len(err) == 1  # argparse's refusals follow the usage lines


def test_a_run_id_names_the_run_in_the_store(world, tmp_path, capsys):
    """occlusion --run and train-gan --classifier take a run id as sample and interpolate do."""
    out = tmp_path / "maps"
    assert run(["--runs-dir", world["runs"], *OCCLUDE.format(clf=world["clf_id"]).split(),
                "--window", "4", "--stride", "2", "--out", str(out)]) == 0
    assert (out / "drop.npy").exists()
    assert run(["--runs-dir", world["runs"], "train-gan", "--classifier", world["clf_id"],
                "--epochs", "1", "--model", "dcgan", "--image-size", "16", "--batch-size",
                "256"]) == 0
    with RunStore(world["runs"]) as store:
        assert store.runs("gan")[0].config["config"]["classifier"] == world["clf"]


def test_version_is_the_installed_one(capsys):
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"deepscope {version('deepscope')}"


def test_load_model_expands_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    model = save_classifier(tmp_path / "run")
    x = torch.rand(1, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(load_model("~/run")(x), model(x))


def test_a_pickle_is_refused_without_running_it(world):
    with pytest.raises(CheckpointError) as error:
        load_model(world["pickle"])
    assert str(error.value).startswith(f"refused: {world['pickle']} is a pickle")
    assert "weights_only" not in str(error.value)
