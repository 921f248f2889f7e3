"""The training panel driven through its real widgets."""

import csv

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from deepscope.core.classifier.config import TrainConfig
from deepscope.core.runs.store import RunStore
from tests.core.data.test_data import fake_mnist_mirror

SHORT = TrainConfig(dataset="digits", model="lenet", epochs=1)
LONG = TrainConfig(dataset="digits", model="mlp", epochs=200)


def points(panel, plot="loss", curve="train") -> int:
    c = panel.board.plots[plot].curves.get(curve)
    return c.series.n if c else 0


def test_train_pause_resume_stop(qtbot, panel):
    panel.form.set_config(LONG)
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    assert not panel.controls.start_button.isEnabled() and panel.controls.stop_button.isEnabled()
    qtbot.waitUntil(lambda: points(panel) > 20, timeout=60_000)

    qtbot.mouseClick(panel.controls.pause_button, Qt.MouseButton.LeftButton)
    assert panel.controls.pause_button.text() == "Resume"
    qtbot.wait(300)  # let the step in flight land
    paused_at = points(panel)
    qtbot.wait(500)
    assert points(panel) == paused_at, "no steps while paused"

    qtbot.mouseClick(panel.controls.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: points(panel) > paused_at + 10, timeout=30_000)

    qtbot.mouseClick(panel.controls.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
    assert panel.controls.start_button.isEnabled()
    runs = panel.store.runs("classifier")
    assert len(runs) == 1 and runs[0].status == "stopped"
    assert panel.runs.count() == 1

    # continue the stopped run from its last epoch checkpoint
    panel.runs.setCurrentRow(0)
    assert panel.continue_button.isEnabled()
    qtbot.mouseClick(panel.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: points(panel) > 40, timeout=60_000)
    qtbot.mouseClick(panel.controls.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
    steps = panel.store.steps(runs[0].id)["step"]
    assert len(panel.store.runs()) == 1 and steps[0] == 0 and (steps[1:] - steps[:-1] == 1).all()

    tuner = panel.compute.tuner  # it timed steps under each thread count it picks among
    assert set(tuner.step_seconds) == set(tuner.counts) and tuner.best in tuner.counts
    assert "tuned" in panel.compute.device_label or len(tuner.counts) == 1


def test_short_run_draws_curves_predictions_and_exports(qtbot, window, panel, tmp_path):
    panel.form.set_config(SHORT)
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.job is None, timeout=120_000)
    assert "test accuracy" in panel.controls.status.text()
    assert points(panel, "loss", "val") == 1 and points(panel, "acc", "train") > 5
    grid = panel.grid
    assert len(grid.images) == len(grid.tips) > 0 and grid.tips[0].startswith("predicted")
    assert grid.index_at(grid.cell_rect(3).center()) == 3
    panel.board.redraw_all()
    x, y = panel.board.plots["loss"].curves["train"].raw.getData()
    assert len(x) == points(panel)

    png = window.export_panel(tmp_path / "training.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 400

    panel.board.export_csv(tmp_path / "curves.csv")
    with open(tmp_path / "curves.csv") as f:
        rows = list(csv.DictReader(f))
    assert {"loss", "acc", "lr", "speed"} <= {r["plot"] for r in rows}
    panel.board.export_svg(tmp_path / "curves.svg")
    assert (tmp_path / "curves.svg").read_text().lstrip().startswith("<?xml")

    run_id = panel.store.runs()[0].id
    panel.runs.item(0).setCheckState(Qt.CheckState.Checked)
    assert points(panel, "loss", panel.live.label(run_id)) == points(panel)


def test_failing_job_shows_error_and_next_job_runs(qtbot, panel, tmp_path):
    empty = tmp_path / "no-images"
    empty.mkdir()
    panel.form.set_config(TrainConfig(dataset=f"folder:{empty}", epochs=1))
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.job is None, timeout=60_000)
    box = panel.controls.error_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "no-images" in box.text() and not box.detailedText()  # bad input: no traceback
    box.close()

    panel.form.set_config(SHORT)
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.job is None, timeout=120_000)
    assert panel.store.runs()[0].status == "finished"


def test_form_validates_as_the_user_types(qtbot, panel):
    panel.form.set_config(TrainConfig(val_fraction=0.5, test_fraction=0.45))
    assert not panel.controls.start_button.isEnabled()
    assert "at least 10%" in panel.form.problems.text()
    panel.form.fields["test_fraction"].set(0.15)
    assert panel.controls.start_button.isEnabled() and not panel.form.problems.isVisible()


def test_overfit_one_batch_reports_a_verdict(qtbot, panel):
    panel.form.set_config(SHORT)
    qtbot.mouseClick(panel.overfit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.job is None, timeout=120_000)
    status = panel.controls.status.text()
    assert "overfit one batch" in status and "passed" in status


def test_download_button_fetches_mnist_with_progress(qtbot, panel, tmp_path, monkeypatch):
    fake_mnist_mirror(tmp_path, monkeypatch)
    panel.form.fields["dataset"].set("mnist")
    assert not panel.controls.start_button.isEnabled()  # no data root yet
    panel.form.data_root.setText(str(tmp_path / "data"))
    formats = []
    bar = panel.controls.progress
    qtbot.mouseClick(panel.form.download_button, Qt.MouseButton.LeftButton)
    panel.job.on(yielded=lambda _: formats.append(bar.format()))  # (after the panel's handler)
    qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
    assert "8 images ready" in panel.controls.status.text()
    assert any("downloading mnist" in f for f in formats)
    assert panel.controls.start_button.isEnabled()


def test_closing_the_window_mid_run_stops_the_run_and_joins_the_thread(qtbot, window, panel):
    panel.form.set_config(LONG)
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: points(panel) > 5, timeout=60_000)
    store = panel.store
    run_id = store.runs()[0].id
    asked = []
    window.ask_to_quit = lambda busy: asked.append(busy) or len(asked) > 1  # keep, then quit
    window.close()
    assert asked == [["Training"]] and window.isVisible() and panel.job is not None
    assert points(panel) > 5 and store.get(run_id).status == "running"  # still training
    window.close()
    assert asked == [["Training"]] * 2
    assert not window.compute.isRunning()
    assert RunStore(store.root).get(run_id).status == "stopped"


def test_a_triplet_run_from_the_form_draws_its_recall(qtbot, panel):
    """The objective from the form: the fields it takes are enabled, the others give their
    defaults; validation recall@1 and @5 are drawn where accuracy is for a classifier."""
    form = panel.form
    form.set_config(TrainConfig(model="lenet", epochs=1, batch_size=64))
    form.fields["margin"].set(0.5)
    assert not form.fields["margin"].widget.isEnabled() and form.config().margin == 1.0
    form.fields["objective"].set("triplet")
    assert form.fields["margin"].widget.isEnabled() and form.fields["miner"].widget.isEnabled()
    assert not form.fields["loss"].widget.isEnabled()
    config = form.config()
    assert (config.objective, config.margin, config.miner) == ("triplet", 0.5, "semihard")
    form.fields["objective"].set("contrastive")
    assert not form.fields["miner"].widget.isEnabled() and form.issues() == []
    form.fields["objective"].set("triplet")
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.job is None, timeout=120_000)
    assert "recall@1" in panel.controls.status.text()
    assert points(panel, "acc", "val recall@1") == points(panel, "acc", "val recall@5") == 1
    assert points(panel, "acc", "val") == 0  # no accuracy: an embedding has no classes
