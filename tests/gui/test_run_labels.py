"""Runs and places as the screen names them: runs told apart, no empty or doubled wording."""

from deepscope.core.runs.store import RunStore
from deepscope.panels.occlusion.gallery import GalleryView
from deepscope.widgets.dataset_browser import split_words
from deepscope.widgets.model_picker import ModelPicker
from deepscope.widgets.run_labels import model_label, outcome
from deepscope.widgets.run_list import RunList
from tests.factories import classifier_record, stored_classifier


def test_two_models_of_the_same_minute_are_told_apart_by_accuracy_and_id(qtbot, tmp_path):
    with RunStore(tmp_path) as store:
        runs = [stored_classifier(store, message=f"test accuracy {acc} (digits test set)")
                for acc in ("0.912", "0.968")]
        picker = ModelPicker(store)
        qtbot.addWidget(picker)
        picker.refresh_runs()
        texts = [picker.run_combo.itemText(i) for i in range(picker.run_combo.count())]
        assert texts == [model_label(run) for run in reversed(runs)]  # newest first
        assert "lenet on digits, acc 0.968, " in texts[0] and texts[0].endswith(runs[1].id[-4:])
        assert "acc 0.912" in texts[1] and texts[0] != texts[1]


def test_a_run_without_a_message_says_its_status_alone(qtbot, tmp_path):
    with RunStore(tmp_path) as store:
        run = store.create_run(classifier_record())
        runs = RunList(store)
        qtbot.addWidget(runs)
        assert outcome(run.status, run.message) == "running"
        assert runs.item(0).text().endswith("\n    running")  # not "running:" and nothing
        assert "running:" not in runs.item(0).toolTip()


def test_a_split_reads_as_a_sentence_names_it(qtbot):
    assert [split_words(s) for s in ("all", "test")] == ["all images", "the test split"]
    gallery = GalleryView()
    qtbot.addWidget(gallery)
    gallery.start("confident mistakes", split_words("all"), None)
    assert "most confident mistakes</b> of all images:" in gallery.title.text()
