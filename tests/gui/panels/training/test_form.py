"""The training form: a set with an official test set takes no test fraction."""

from deepscope.core.classifier.config import TrainConfig
from deepscope.panels.training.form import TrainingForm


def test_the_test_fraction_is_off_for_a_set_with_an_official_test_set(qtbot, tmp_path):
    form = TrainingForm()
    qtbot.addWidget(form)
    test, val = form.fields["test_fraction"].widget, form.fields["val_fraction"].widget
    form.set_config(TrainConfig(dataset="mnist", data_root=str(tmp_path), test_fraction=0.8))
    assert not test.isEnabled() and val.isEnabled()
    assert "official test set" in test.toolTip()
    assert form.issues() == [], "a test fraction the run will not use is not checked"

    form.fields["dataset"].set("digits")
    assert test.isEnabled() and "official" not in test.toolTip()
    assert "at least 10%" in form.problems.text()
