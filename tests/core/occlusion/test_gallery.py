"""Dataset predictions, gallery selection and the gallery job, on an untrained LeNet run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from deepscope.core.data import DatasetImage
from deepscope.core.data.digits import load_digits
from deepscope.core.data.split import split_indices
from deepscope.core.jobs import ProgressEvent
from deepscope.core.occlusion.events import GalleryItem, SplitPredictions
from deepscope.core.occlusion.experiment import occluder
from deepscope.core.occlusion.gallery import gallery_job, predict_split_job
from deepscope.core.occlusion.maps import occlusion_maps
from deepscope.core.occlusion.source import SourceCache
from deepscope.core.occlusion.spec import OcclusionSettings
from deepscope.core.runs import RunModel
from deepscope.core.runs.store import RunStore
from tests.factories import stored_classifier

SETTINGS = OcclusionSettings(window=(14, 14), stride=(14, 14), occluder="black", target="true")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stored run whose split seed is not the default one."""
    with RunStore(tmp_path_factory.mktemp("runs")) as store:
        return stored_classifier(store, seed=3).dir


def predictions(**arrays: list) -> SplitPredictions:
    a = {k: np.array(v) for k, v in arrays.items()}
    return SplitPredictions("test", a["indices"], a["labels"], a["predicted"],
                            a["confidence"].astype(np.float32))


SAMPLE = predictions(indices=[2, 5, 7, 9, 11], labels=[0, 1, 1, 2, 1],
                     predicted=[0, 2, 1, 1, 0], confidence=[0.9, 0.8, 0.4, 0.95, 0.3])


def test_filters_by_class_and_correctness():
    assert SAMPLE.matching().tolist() == [2, 5, 7, 9, 11]
    assert SAMPLE.matching(show="wrong").tolist() == [5, 9, 11]
    assert SAMPLE.matching(show="correct").tolist() == [2, 7]
    assert SAMPLE.matching(klass=1, show="wrong").tolist() == [5, 11]
    with pytest.raises(ValueError, match="all, correct or wrong"):
        SAMPLE.matching(show="maybe")


def test_gallery_selection_orders_by_confidence():
    assert SAMPLE.select("confident mistakes").tolist() == [9, 5, 11]
    assert SAMPLE.select("confident mistakes", n=2).tolist() == [9, 5]
    assert SAMPLE.select("confident correct").tolist() == [2, 7]
    assert SAMPLE.select("least confident", n=3).tolist() == [11, 7, 5]
    assert SAMPLE.select("chosen class", klass=1).tolist() == [5, 7, 11]
    with pytest.raises(ValueError, match="choose a class"):
        SAMPLE.select("chosen class")
    with pytest.raises(ValueError, match="unknown gallery"):
        SAMPLE.select("prettiest")


def test_predict_split_matches_the_model_and_the_training_split(run):
    cache = SourceCache()
    events = list(predict_split_job(cache, RunModel(run), "test", batch_size=100))
    progress = [e for e in events if isinstance(e, ProgressEvent)]
    preds = events[-1]
    assert isinstance(preds, SplitPredictions) and progress[-1].done == progress[-1].total
    digits = load_digits(28)
    _, _, test = split_indices(len(digits), (0.7, 0.15, 0.15), 3)
    assert np.array_equal(preds.indices, test.numpy()) and len(progress) == -(-len(test) // 100)
    assert np.array_equal(preds.labels, digits.labels[test].numpy())
    clf = cache.classifier(RunModel(run))
    with torch.inference_mode():
        probs = clf.model(clf.normalize(digits.images[test])).softmax(1)
    assert np.array_equal(preds.predicted, probs.argmax(1).cpu().numpy())
    assert np.allclose(preds.confidence, probs.max(1).values.cpu().numpy(), atol=1e-6)


def test_gallery_job_occludes_the_chosen_images(run):
    cache = SourceCache()
    events = list(gallery_job(cache, RunModel(run), None, "validation", "confident mistakes",
                              None, SETTINGS, size=3))
    preds = next(e for e in events if isinstance(e, SplitPredictions))
    items = [e for e in events if isinstance(e, GalleryItem)]
    assert [i.index for i in items] == preds.select("confident mistakes", n=3).tolist()
    assert [i.position for i in items] == [0, 1, 2] and {i.total for i in items} == {3}
    exp = cache.experiment(RunModel(run), DatasetImage(items[0].index))
    expected = occlusion_maps(exp.model, exp.image, exp.label, 14, 14, occluder("black", exp)[0])
    first = items[0]
    assert first.info.label == exp.label and first.info.target == exp.label
    assert first.info.top5[0][0] != first.info.label  # a mistake
    assert np.allclose(first.maps.probability, expected.probability, atol=1e-6)
    assert first.maps.done == first.maps.total == 4


def test_gallery_job_stops_when_closed(run):
    job = gallery_job(SourceCache(), RunModel(run), None, "test", "least confident", None,
                      SETTINGS, size=16)
    items = 0
    for event in job:
        items += isinstance(event, GalleryItem)
        if items == 2:
            job.close()
            break
    assert items == 2


def test_gallery_of_a_class_needs_a_class(run):
    with pytest.raises(ValueError, match="choose a class"):
        list(gallery_job(SourceCache(), RunModel(run), None, "test", "chosen class", None,
                         SETTINGS))
