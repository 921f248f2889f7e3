"""Scoring generators with a judge classifier, the Frechet distance, and standard FID's plumbing."""

import json
import math

import numpy as np
import pytest
import scipy.linalg
import torch
from torch import nn

from deepscope.core.gan.scores import (
    GanScores,
    Judge,
    class_histogram,
    classes_covered,
    feature_stats,
    fid_available,
    frechet_distance,
    inception_extractor,
    inception_fid,
    inception_score,
    last_linear,
    penultimate_features,
)
from deepscope.core.models.build import build_model
from deepscope.core.models.spec import SMALL_MODELS, ModelSpec
from deepscope.core.runs.checkpoint import checkpoint_path
from tests.factories import DIGITS, LENET, classifier_meta, save_classifier

MEAN, STD = [0.3], [0.2]


def _images(n: int, channels: int = 1, size: int = 28, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, channels, size, size, generator=torch.Generator().manual_seed(seed))


def _lenet(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return build_model(LENET).eval()


def _judge(model: nn.Module | None = None) -> Judge:
    return Judge(model or _lenet(), MEAN, STD, DIGITS, "test lenet", image_size=28)


def _direct(model: nn.Module, images01: torch.Tensor) -> torch.Tensor:
    """Class probabilities straight from the model, normalized by hand."""
    with torch.no_grad():
        return model((images01 - MEAN[0]) / STD[0]).softmax(1)


# Inception-style score, histogram, coverage


def test_inception_score_of_uniform_predictions_is_one():
    assert inception_score(np.full((50, 10), 0.1)) == pytest.approx(1.0)


@pytest.mark.parametrize("k", [2, 5, 10])
def test_inception_score_of_confident_evenly_spread_predictions_is_k(k):
    probs = np.eye(k)[np.arange(10 * k) % k]
    assert inception_score(probs) == pytest.approx(k)


def test_inception_score_matches_a_hand_computation():
    probs = torch.tensor([[0.9, 0.1], [0.2, 0.8]])
    m0, m1 = 0.55, 0.45
    kl_a = 0.9 * math.log(0.9 / m0) + 0.1 * math.log(0.1 / m1)
    kl_b = 0.2 * math.log(0.2 / m0) + 0.8 * math.log(0.8 / m1)
    assert inception_score(probs) == pytest.approx(math.exp((kl_a + kl_b) / 2))


def test_histogram_and_coverage_threshold():
    labels = [0] * 10 + [1] * 5 + [2] * 4 + [3]  # 50%, 25%, 20%, 5% of 20 samples
    probs = np.eye(5)[labels]
    hist = class_histogram(probs)
    np.testing.assert_allclose(hist, [0.5, 0.25, 0.2, 0.05, 0.0])
    assert classes_covered(hist) == 4  # 5% counts
    assert classes_covered(hist, threshold=0.21) == 2


# Frechet distance


def test_frechet_distance_of_diagonal_gaussians_by_hand():
    mu1, mu2 = np.array([0.0, 0.0]), np.array([1.0, 2.0])
    s1, s2 = np.diag([1.0, 4.0]), np.diag([4.0, 9.0])
    # |mu1 - mu2|^2 + sum (sqrt(a) - sqrt(b))^2 for commuting covariances
    expected = (1 + 4) + (1 - 2) ** 2 + (2 - 3) ** 2
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected)


def test_frechet_distance_of_rotated_gaussians_by_hand():
    angle = 0.7
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    s1, s2 = rot @ np.diag([1.0, 0.25]) @ rot.T, rot @ np.diag([9.0, 1.0]) @ rot.T
    mu = np.array([0.5, -0.5])
    expected = 0 + (1 - 3) ** 2 + (0.5 - 1) ** 2  # same eigenvectors: compare square roots
    assert frechet_distance(mu, s1, mu, s2) == pytest.approx(expected)


def test_frechet_distance_agrees_with_scipy_sqrtm_for_non_commuting_covariances():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(200, 4)), rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4))
    (mu1, s1), (mu2, s2) = feature_stats(a), feature_stats(b)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * covmean)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_of_identical_statistics_is_zero():
    mu, sigma = feature_stats(np.random.default_rng(1).normal(size=(100, 6)))
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)


def test_frechet_distance_with_a_singular_covariance():
    mu, sigma = feature_stats(np.random.default_rng(2).normal(size=(100, 3)))
    point = np.array([1.0, 0.0, -1.0])
    collapsed = np.zeros((3, 3))  # a generator that always draws the same image
    expected = np.sum((mu - point) ** 2) + np.trace(sigma)
    assert frechet_distance(mu, sigma, point, collapsed) == pytest.approx(expected)


def test_frechet_distance_refuses_mismatched_statistics():
    with pytest.raises(ValueError, match="mismatched"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


# Penultimate features


@pytest.mark.parametrize("name", SMALL_MODELS)
def test_penultimate_features_feed_the_last_linear_of_every_small_model(name):
    model = build_model(ModelSpec(name, in_channels=3, image_size=32, num_classes=4)).eval()
    layer = last_linear(model)
    with penultimate_features(model) as captured, torch.no_grad():
        logits = model(_images(2, 3, 32))
    assert captured[0].shape == (2, layer.in_features)
    torch.testing.assert_close(layer(captured[0]), logits)
    assert not layer._forward_hooks


@pytest.mark.parametrize(("name", "path"), [("resnet18", "net.fc"), ("googlenet", "net.fc"),
                                            ("alexnet", "net.classifier.6"),
                                            ("vgg11", "net.classifier.6")])
def test_last_linear_of_torchvision_models_is_their_classifier(name, path):
    with torch.device("meta"):  # structure only: no memory, no weights
        model = build_model(ModelSpec(name, in_channels=3, image_size=32, num_classes=10))
    assert last_linear(model) is model.get_submodule(path)


def test_hook_is_removed_after_an_error():
    model = _lenet()
    with pytest.raises(RuntimeError), penultimate_features(model):
        model(_images(1, 3))  # wrong channel count
    assert not last_linear(model)._forward_hooks


def test_a_model_without_linear_layers_is_refused():
    with pytest.raises(ValueError, match="no nn.Linear"):
        _judge(nn.Sequential(nn.Conv2d(1, 10, 28), nn.Flatten()))


# Judge


def test_judge_normalizes_as_in_training_and_batches():
    model = _lenet()
    images = _images(7)
    judge = _judge(model)
    judge.batch_size = 3
    features, probs = judge.predict(images)
    assert features.shape == (7, last_linear(model).in_features) and probs.shape == (7, 10)
    torch.testing.assert_close(probs, _direct(model, images))
    assert not last_linear(model)._forward_hooks


def test_grey_judge_scores_colour_images_of_another_size():
    model = _lenet()
    judge = _judge(model)
    levels = torch.linspace(0, 1, 6)[:, None, None, None]
    colour64 = levels.expand(6, 3, 64, 64)  # flat grey RGB at 64 px
    features, probs = judge.predict(colour64)
    assert features.shape[0] == 6 and probs.shape == (6, 10)
    torch.testing.assert_close(probs, _direct(model, levels.expand(6, 1, 28, 28)))
    grey = _images(4)
    torch.testing.assert_close(judge.predict(grey.expand(4, 3, 28, 28))[1], _direct(model, grey))


def test_colour_judge_takes_grey_images():
    torch.manual_seed(0)
    model = build_model(ModelSpec("mlp", in_channels=3, image_size=16, num_classes=3)).eval()
    judge = Judge(model, [0.5] * 3, [0.25] * 3, "abc", "rgb mlp", image_size=16)
    grey = _images(5, 1, 16)
    with torch.no_grad():
        expected = model((grey.expand(5, 3, 16, 16) - 0.5) / 0.25).softmax(1)
    torch.testing.assert_close(judge.predict(grey)[1], expected)


def test_judge_refuses_empty_and_oddly_shaped_input():
    judge = _judge()
    with pytest.raises(ValueError, match="no images"):
        judge.predict(torch.empty(0, 1, 28, 28))
    with pytest.raises(ValueError, match="N x C x H x W"):
        judge.predict(torch.rand(28, 28))
    with pytest.raises(ValueError, match="2-channel"):
        judge.predict(torch.rand(2, 2, 28, 28))


def test_collapsed_generator_still_gets_finite_scores():
    judge = _judge()
    fake = _images(1).expand(64, 1, 28, 28)  # every sample the same image
    scores = judge.score(fake, _images(64, seed=1))
    assert scores.classes_covered == 1 and scores.class_histogram.max() == 1.0
    assert scores.inception_score == pytest.approx(1.0)
    values = (scores.inception_score, scores.frechet_distance, scores.mean_max_prob)
    assert all(math.isfinite(v) for v in values) and scores.frechet_distance > 0
    assert scores.fid is None and scores.classifier == "test lenet"


def test_score_is_near_zero_distance_for_real_against_real_and_json_ready():
    judge = _judge()
    real = _images(200)
    same = judge.score(real, real)
    other = judge.score(_images(200, seed=1) * 0.5, real)
    assert same.frechet_distance == pytest.approx(0.0, abs=1e-6)
    assert other.frechet_distance > 1e-3
    probs = judge.predict(real)[1]
    assert same.inception_score == pytest.approx(inception_score(probs))
    assert same.mean_max_prob == pytest.approx(float(probs.max(1).values.mean()))
    record = json.loads(json.dumps(same.to_dict()))
    assert record["classifier_is"] == same.inception_score and len(record["class_histogram"]) == 10


def test_gan_scores_is_frozen():
    scores = _judge().score(_images(8), _images(8, seed=1))
    assert isinstance(scores, GanScores)
    with pytest.raises(AttributeError):
        scores.fid = 1.0


def test_judge_from_a_saved_classifier_run(tmp_path):
    run = tmp_path / "20250101-120000-3f2a"
    meta = classifier_meta(mean=MEAN[0], std=STD[0]) | {"epoch": 2, "val_acc": 0.947}
    model = save_classifier(run, seed=3, meta=meta)
    images = _images(5)
    for path in (run, checkpoint_path(run, "best")):
        judge = Judge.from_run(path, "cpu")
        assert judge.name == "lenet run 20250101-120000-3f2a (val acc 0.95)"
        assert judge.classes == DIGITS and judge.image_size == 28
        torch.testing.assert_close(judge.predict(images)[1], _direct(model, images))


def test_judge_from_something_that_is_not_a_classifier_run(tmp_path):
    with pytest.raises(ValueError, match="not a classifier run"):
        Judge.from_run(tmp_path, "cpu")  # empty folder
    with pytest.raises(ValueError, match="not a classifier run or checkpoint: no run or "
                                         "checkpoint at"):
        Judge.from_run(tmp_path / "gone", "cpu")
    bare = tmp_path / "bare"
    save_classifier(bare, meta={"epoch": 1})
    with pytest.raises(ValueError, match="lacks classes, mean, std"):
        Judge.from_run(bare, "cpu")
    gan = tmp_path / "gan"
    gan.mkdir()
    (gan / "best.json").write_text(json.dumps({
        "format": "deepscope-checkpoint", "version": 1, "meta": {},
        "model": {"name": "dcgan", "latent_dim": 100, "channels": 1, "image_size": 28}}))
    (gan / "best.safetensors").write_bytes(b"")
    with pytest.raises(ValueError, match="not a classifier run"):
        Judge.from_run(gan, "cpu")


# Standard FID: availability and the computation on a stand-in network


def test_fid_is_unavailable_on_an_empty_torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert not fid_available()
    with pytest.raises(FileNotFoundError, match="Inception v3 weights not found"):
        inception_extractor()
    assert _judge().score(_images(4), _images(4), with_fid=True).fid is None


def test_fid_is_available_once_the_weights_file_is_cached(tmp_path, monkeypatch):
    from torchvision.models import Inception_V3_Weights

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    file_name = Inception_V3_Weights.IMAGENET1K_V1.url.split("/")[-1]
    cached = tmp_path / "hub" / "checkpoints" / file_name
    cached.parent.mkdir(parents=True)
    cached.touch()
    assert fid_available()


class _StandIn(nn.Module):
    """A tiny feature extractor that records the input sizes it sees."""

    def __init__(self) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.shapes: list[tuple[int, ...]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.shapes.append(tuple(x.shape))
        return self.pool(x).flatten(1)


def test_inception_fid_on_a_stand_in_network():
    net = _StandIn()
    real, fake = _images(40, 1, 12), _images(40, 1, 12, seed=1) * 0.6
    fid = inception_fid(fake, real, "cpu", extractor=net, size=12, batch_size=16)
    assert set(s[1:] for s in net.shapes) == {(3, 12, 12)} and len(net.shapes) == 6
    imagenet_mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    imagenet_std = torch.tensor([0.229, 0.224, 0.225])[:, None, None]

    def by_hand(x):
        return nn.functional.adaptive_avg_pool2d(
            (x.repeat(1, 3, 1, 1) - imagenet_mean) / imagenet_std, 2).flatten(1)

    expected = frechet_distance(*feature_stats(by_hand(fake)), *feature_stats(by_hand(real)))
    assert fid == pytest.approx(expected, rel=1e-5) and fid > 0
    assert inception_fid(real, real, extractor=net, size=12) == pytest.approx(0.0, abs=1e-6)


def test_inception_fid_resizes_to_the_extractor_size():
    net = _StandIn()
    inception_fid(_images(3, 3, 20), _images(3, 1, 8), extractor=net, size=16)
    assert set(s[1:] for s in net.shapes) == {(3, 16, 16)}
