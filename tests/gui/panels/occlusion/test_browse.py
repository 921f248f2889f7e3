"""Browsing the run's dataset with filters: split, class, and correct or wrong predictions."""

import numpy as np
from PySide6.QtCore import Qt

from deepscope.core.data.digits import load_digits
from deepscope.core.data.split import split_indices
from tests.gui.panels.occlusion.steps import idle, run


def choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def test_mistakes_filter_shows_only_mistakes(qtbot, occ):
    browser = occ.source.browser
    idle(qtbot, occ)
    assert occ.view.info is not None and occ.view.info.label == 0  # item 0 previewed
    choose(browser.split, "test")
    choose(browser.outcome, "wrong")
    assert occ.job is not None and not occ.run_button.isEnabled()  # predicting the split
    idle(qtbot, occ)
    mistakes = browser.matches()
    _, _, test = split_indices(len(load_digits(28)), (0.7, 0.15, 0.15), 0)
    assert 0 < len(mistakes) < len(test) and set(mistakes) <= set(test.tolist())
    assert browser.index.value() == mistakes[0] and "Image 1 of" in browser.position.text()
    for step in range(3):  # each image shown is one the model gets wrong
        info = occ.view.info
        assert info.top5[0][0] != info.label
        assert browser.index.value() == mistakes[step]
        qtbot.mouseClick(browser.next_button, Qt.MouseButton.LeftButton)
        idle(qtbot, occ)
    qtbot.mouseClick(browser.prev_button, Qt.MouseButton.LeftButton)
    assert browser.index.value() == mistakes[2]
    run(qtbot, occ)
    assert occ.view.maps.done == occ.view.maps.total


def test_class_filter_reuses_the_predictions(qtbot, occ):
    browser = occ.source.browser
    choose(browser.split, "validation")
    idle(qtbot, occ)
    predictions = browser.predictions
    choose(browser.klass, 3)
    assert occ.job is None and browser.predictions is predictions  # cached per run and split
    threes = browser.matches()
    assert len(threes) and np.all(predictions.labels[np.isin(predictions.indices, threes)] == 3)
    choose(browser.outcome, "correct")
    for index in browser.matches():
        k = np.flatnonzero(predictions.indices == index)[0]
        assert predictions.labels[k] == predictions.predicted[k] == 3
    idle(qtbot, occ)
    assert occ.view.info.label == 3
