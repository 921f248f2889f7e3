"""The one classifier loader: run folders, checkpoint files, torchvision models, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from deepscope.core.data.sources import DatasetRef
from deepscope.core.runs.checkpoint import CheckpointError, checkpoint_path
from deepscope.core.runs.loader import IMAGENET_MEAN, load_classifier
from deepscope.core.runs.sources import RunModel, ZooModel
from tests.factories import classifier_meta, save_classifier, save_gan

META = classifier_meta(seed=3) | {"val_acc": 0.5}
PIXELS = torch.randint(0, 256, (3, 1, 28, 28), dtype=torch.uint8,
                       generator=torch.Generator().manual_seed(0))


def outputs(model: torch.nn.Module, pixels: torch.Tensor = PIXELS) -> torch.Tensor:
    with torch.inference_mode():
        return model((pixels.float() / 255 - 0.3) / 0.4)


def test_a_run_folder_loads_its_best_checkpoint_with_its_statistics(tmp_path: Path):
    best = save_classifier(tmp_path, "best", seed=1, meta=META)
    save_classifier(tmp_path, 2, seed=2, meta=META)
    clf = load_classifier(RunModel(tmp_path), "cpu")
    assert clf.classes == tuple(META["classes"]) and (clf.image_size, clf.channels) == (28, 1)
    assert clf.dataset == DatasetRef("digits", None, 3, (0.7, 0.15, 0.15))
    assert clf.spec.name == "lenet" and clf.meta["val_acc"] == 0.5
    assert not clf.model.training and clf.device == torch.device("cpu")
    torch.testing.assert_close(clf.normalize(PIXELS), (PIXELS.float() / 255 - 0.3) / 0.4)
    torch.testing.assert_close(outputs(clf.model), outputs(best))


def test_without_best_the_latest_epoch_loads_and_a_file_loads_itself(tmp_path: Path):
    first = save_classifier(tmp_path, 1, seed=1)
    latest = save_classifier(tmp_path, 2, seed=2)
    torch.testing.assert_close(outputs(load_classifier(str(tmp_path), "cpu").model),
                               outputs(latest))
    for path in (checkpoint_path(tmp_path, 1), tmp_path / "epoch-0001"):
        torch.testing.assert_close(outputs(load_classifier(RunModel(path), "cpu").model),
                                   outputs(first))


def test_a_torchvision_model_has_imagenet_classes_and_the_same_random_weights():
    a, b = (load_classifier(ZooModel("resnet18", pretrained=False), "cpu") for _ in range(2))
    assert (a.image_size, a.channels, len(a.classes), a.dataset) == (224, 3, 1000, None)
    assert a.classes[0] == "tench" and not a.model.training
    assert torch.allclose(a.mean.flatten(), torch.tensor(IMAGENET_MEAN))
    torch.testing.assert_close(next(a.model.parameters()), next(b.model.parameters()))


def _truncated(folder: Path) -> Path:
    save_classifier(folder)
    weights = checkpoint_path(folder, "best")
    weights.write_bytes(weights.read_bytes()[:100])
    return folder


BAD = {
    "gone": (lambda root: root / "gone", "no run or checkpoint at {root}/gone: it was deleted or "
             "moved"),
    "empty": (lambda root: root, "{root} holds no checkpoint"),
    "untrained": (lambda root: (save_classifier(root / "run", meta={"epoch": 1}), root / "run")[1],
                  "{root}/run is not a classifier run: its checkpoint lacks classes, mean, std"),
    "corrupt": (lambda root: _truncated(root / "run"), "best.safetensors is corrupt or truncated"),
    "gan": (lambda root: (save_gan(root / "gan"), root / "gan")[1],
            "{root}/gan holds a GAN, not a classifier"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_runs_say_why(tmp_path: Path, case: str):
    make, words = BAD[case]
    with pytest.raises(ValueError) as error:
        load_classifier(RunModel(make(tmp_path)), "cpu")
    assert words.format(root=tmp_path) in str(error.value)


def test_an_unknown_torchvision_model_names_the_choices():
    with pytest.raises(ValueError, match="unknown torchvision model 'lenet5000'; choose one of "
                                         "resnet18"):
        load_classifier(ZooModel("lenet5000", pretrained=False), "cpu")
    with pytest.raises(CheckpointError, match="no run or checkpoint"):
        load_classifier(Path("/nonexistent/run"), "cpu")
