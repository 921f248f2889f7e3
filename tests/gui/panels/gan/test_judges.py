"""The judge list: the dataset's finished classifier runs, the best one preselected, a weak one
marked with the reason."""

from PySide6.QtCore import Qt

from deepscope.core.runs.store import RunStore
from deepscope.panels.gan.scores import NO_JUDGE, ScoresView
from deepscope.widgets.run_labels import weakness
from tests.factories import stored_classifier


def tip(scores: ScoresView, folder: str) -> str:
    return scores.judge.itemData(scores.judge.findData(folder), Qt.ItemDataRole.ToolTipRole)


def test_the_best_judge_of_the_dataset_and_size_is_preselected(qtbot, tmp_path):
    with RunStore(tmp_path) as store:
        other_size = stored_classifier(store, message="test accuracy 0.990", image_size=16)
        good = stored_classifier(store, message="test accuracy 0.930")
        better = stored_classifier(store, message="test accuracy 0.960")
        weak = stored_classifier(store, message="test accuracy 0.237")  # the newest
        stored_classifier(store, message="test accuracy 0.999", dataset="shapes")
        scores, sized = ScoresView(store), ScoresView(store)
        qtbot.addWidget(scores)
        qtbot.addWidget(sized)

        scores.set_dataset("digits")
        assert scores.judge.count() == 5  # "no judge" and the four digits runs
        assert scores.judge_path() == str(better.dir)
        assert "acc 0.960" in scores.judge.currentText() and "⚠" not in scores.judge.currentText()

        sized.set_dataset("digits", image_size=16)  # a GAN trained at 16 x 16
        assert sized.judge_path() == str(other_size.dir)
        weak_row = scores.judge.findData(str(weak.dir))
        assert weak_row == 1 and scores.judge.itemText(weak_row).startswith("⚠")
        assert "test accuracy 0.237 is below 0.8" in tip(scores, str(weak.dir))
        assert "⚠" not in scores.judge.itemText(scores.judge.findData(str(good.dir)))


def test_a_chosen_judge_or_none_is_kept_and_a_weak_one_alone_is_still_offered(qtbot, tmp_path):
    with RunStore(tmp_path) as store:
        weak = stored_classifier(store, message="test accuracy 0.500")
        scores = ScoresView(store)
        qtbot.addWidget(scores)
        scores.set_dataset("digits")
        assert scores.judge_path() == str(weak.dir)  # the best there is, marked weak
        assert scores.judge.toolTip() == tip(scores, str(weak.dir))

        scores.judge.setCurrentIndex(0)  # the user turns scores off
        assert scores.judge.currentText() == NO_JUDGE
        stored_classifier(store, message="test accuracy 0.990")
        qtbot.waitUntil(lambda: scores.judge.count() == 3, timeout=5_000)
        assert scores.judge_path() is None  # offered, not chosen for the user


def test_weakness_names_the_reason(tmp_path):
    with RunStore(tmp_path) as store:
        diverged = stored_classifier(store, status="diverged", message="loss is nan at step 3")
        finished = stored_classifier(store, message="training diverged; test accuracy 0.950")
        unscored = stored_classifier(store)
        strong = stored_classifier(store, message="test accuracy 0.800")
        assert weakness(diverged) == weakness(finished) == "its training diverged"
        assert weakness(unscored) == "it has no test accuracy"
        assert weakness(strong) is None
