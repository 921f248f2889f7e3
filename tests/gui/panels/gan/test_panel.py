"""The GAN panel driven through its real widgets, on the embedded digits with tiny models."""

import threading
from dataclasses import replace

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from deepscope.core.classifier.config import TrainConfig
from deepscope.core.gan.config import GanConfig
from deepscope.core.runs.store import RunStore
from deepscope.panels.gan import jobs as gan_jobs
from deepscope.panels.gan import tour as gan_tour
from deepscope.panels.gan.panel import GanPanel
from deepscope.tour import waiter
from tests.factories import stored_classifier
from tests.gui.conftest import start

TINY = GanConfig(model="dcgan", width=8, epochs=1, samples_every=4)  # 28 steps on digits
DIVERGING = replace(TINY, epochs=3, loss="minimax", d_optimizer="sgd", g_optimizer="sgd",
                    d_lr=10, g_lr=10)


@pytest.fixture
def idle(qtbot, tmp_path, compute):
    """A GAN panel whose compute thread is not started (form checks only)."""
    store = RunStore(tmp_path / "runs")
    panel = GanPanel(compute, store)
    qtbot.addWidget(panel)
    yield panel
    store.close()


@pytest.fixture
def gan(qtbot, idle, compute):
    """A shown GAN panel with torch loaded on its compute thread."""
    idle.resize(1400, 860)
    idle.show()
    start(qtbot, compute)
    yield idle
    compute.stop()  # before the store closes: the jobs write to it
    QApplication.processEvents()  # their last events and store changes, while it is open


def points(panel, plot="loss", curve="D") -> int:
    c = panel.board.plots[plot].curves.get(curve)
    return c.series.n if c else 0


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def train(qtbot, panel, config: GanConfig) -> None:
    """Train to the end through the Train button."""
    panel.form.set_config(config)
    click(qtbot, panel.controls.start_button)
    qtbot.waitUntil(lambda: panel.job is None, timeout=60_000)


def test_a_bad_value_disables_train_with_a_message(idle):
    form, start_button = idle.form, idle.controls.start_button
    assert start_button.isEnabled() and form.problems.isHidden()
    form.fields["d_lr"].set(0)
    form.fields["image_size"].set(8)
    assert not start_button.isEnabled()
    text = form.problems.text()
    assert "D learning rate" in text and "image size" in text
    form.fields["d_lr"].set(2e-4)
    form.fields["image_size"].set(None)
    assert start_button.isEnabled() and form.problems.isHidden()
    form.fields["schedule"].set("adaptive")  # the fields that matter follow the schedule
    assert form.fields["t_d"].widget.isEnabled() and not form.fields["d_steps"].widget.isEnabled()


def test_train_shows_samples_and_curves_pause_resume_stop(qtbot, gan):
    gan.form.set_config(replace(TINY, epochs=100))
    click(qtbot, gan.controls.start_button)
    assert not gan.form.isEnabled() and gan.controls.stop_button.isEnabled()
    qtbot.waitUntil(lambda: len(gan.samples.frames) >= 3 and points(gan) > 10, timeout=60_000)
    assert points(gan, "prob", "D(G(z))") and points(gan, "grad", "‖∇G‖")
    assert not points(gan, "wass", "W estimate")  # no Wasserstein estimate under ns
    assert gan.samples.grid.images and gan.samples.verdict.text()

    click(qtbot, gan.controls.pause_button)
    assert gan.controls.pause_button.text() == "Resume"
    qtbot.wait(300)  # let the step in flight land
    paused_at = points(gan)
    qtbot.wait(400)
    assert points(gan) == paused_at, "no steps while paused"
    click(qtbot, gan.controls.step_button)  # one more step; it shows the steps held back too
    qtbot.waitUntil(lambda: points(gan) > paused_at, timeout=10_000)
    qtbot.wait(300)
    stepped = points(gan)
    click(qtbot, gan.controls.step_button)  # and now exactly one, then paused again
    qtbot.waitUntil(lambda: points(gan) > stepped, timeout=10_000)
    qtbot.wait(300)
    assert points(gan) == stepped + 1 and gan.controls.pause_button.text() == "Resume"
    click(qtbot, gan.controls.pause_button)
    assert not gan.controls.step_button.isEnabled()

    slider = gan.samples.slider
    slider.setValue(0)  # look back: the first grid, and it stays there as new ones arrive
    assert gan.samples.step_label.text().startswith("step 4 ")
    seen = len(gan.samples.frames)
    qtbot.waitUntil(lambda: len(gan.samples.frames) > seen, timeout=30_000)
    assert slider.value() == 0 and slider.maximum() == len(gan.samples.frames) - 1

    click(qtbot, gan.controls.stop_button)
    qtbot.waitUntil(lambda: gan.job is None, timeout=30_000)
    runs = gan.store.runs("gan")
    assert len(runs) == 1 and runs[0].status == "stopped"
    assert gan.runs.count() == 1 and "stopped" in gan.runs.item(0).text()
    assert gan.form.isEnabled() and gan.controls.start_button.isEnabled()


def test_a_stopped_run_continues_with_its_curves_grids_and_scores(qtbot, gan):
    gan.form.set_config(replace(TINY, epochs=100))
    click(qtbot, gan.controls.start_button)
    qtbot.waitUntil(lambda: gan.shown is not None
                    and len(gan.store.epochs(gan.shown)["epoch"]) >= 1, timeout=60_000)
    click(qtbot, gan.controls.stop_button)
    qtbot.waitUntil(lambda: gan.job is None, timeout=30_000)
    run_id, before = gan.shown, points(gan)
    assert not gan.continue_button.isEnabled()  # nothing selected yet
    gan.form.set_config(replace(TINY, loss="wgan"))  # the run goes on with its own settings
    gan.runs.setCurrentRow(0)
    qtbot.waitUntil(lambda: gan.job is None and gan.continue_button.isEnabled(), timeout=30_000)
    click(qtbot, gan.continue_button)
    assert gan.form.config().loss == TINY.loss and gan.form.config().epochs == 100
    qtbot.waitUntil(lambda: points(gan) > before + 10, timeout=60_000)
    frames = [f.step for f in gan.samples.frames]
    assert frames[0] == TINY.samples_every and frames == sorted(frames)  # the old grids too
    click(qtbot, gan.controls.stop_button)
    qtbot.waitUntil(lambda: gan.job is None, timeout=30_000)
    steps = gan.store.steps(run_id)["step"]
    assert len(gan.store.runs("gan")) == 1 and (steps == range(len(steps))).all()


def test_divergence_is_reported_and_the_next_job_runs(qtbot, gan):
    train(qtbot, gan, DIVERGING)
    box = gan.live.error_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.windowModality() != Qt.WindowModality.ApplicationModal  # the app keeps working
    assert "at step" in box.text() and "lower learning rates" in box.text()
    diverged = gan.store.runs("gan")[0]
    assert diverged.status == "diverged"
    box.close()

    train(qtbot, gan, TINY)
    assert "finished" in gan.controls.status.text() and gan.runs.count() == 2

    # look back at the diverged run: its sample grids and their diversity come back from disk
    gan.runs.setCurrentRow(1)
    qtbot.waitUntil(lambda: gan.job is None and gan.shown == diverged.id, timeout=30_000)
    qtbot.waitUntil(lambda: len(gan.samples.frames) >= 2, timeout=30_000)
    assert [f.step for f in gan.samples.frames][:2] == [4, 8]
    gan.samples.slider.setValue(0)  # the first grid, before D's loss blew up (the last is NaN)
    assert "of real spread" in gan.samples.verdict.text()

    # overlay its curves, dashed, and take them away again
    gan.runs.item(1).setCheckState(Qt.CheckState.Checked)
    overlaid = [n for n in gan.board.plots["loss"].curves if n.endswith(" D") and n != "D"]
    assert len(overlaid) == 1
    gan.runs.item(1).setCheckState(Qt.CheckState.Unchecked)
    assert overlaid[0] in gan.board.plots["loss"].curves  # still selected: still shown
    gan.runs.setCurrentRow(-1)
    assert set(gan.board.plots["loss"].curves) == {"D", "G"}


@pytest.mark.slow  # trains a judge and a GAN, scores three times: ~3 s
def test_a_judge_scores_each_epoch_and_on_demand(qtbot, gan, monkeypatch):
    """Train a judge from the panel, then the tour's GAN run (tiny here), then Score now."""
    monkeypatch.setattr(gan_jobs, "judge_config",
                        lambda dataset, root: TrainConfig(dataset=dataset, data_root=root,
                                                          epochs=2))
    scores = gan.scores
    assert scores.judge_path() is None and not scores.score_button.isEnabled()
    click(qtbot, scores.train_button)
    qtbot.waitUntil(lambda: gan.job is None, timeout=60_000)
    judge = gan.store.runs("classifier")[0]
    assert scores.judge_path() == str(judge.dir) and gan.form.config().classifier == str(judge.dir)

    monkeypatch.setattr(gan_tour, "TOUR_CONFIG", replace(TINY, model="cgan"))
    gan.scores.judge.setCurrentIndex(0)  # the tour picks the newest judge itself
    gan_tour.show(gan, waiter(QApplication.instance()))
    assert gan.store.runs("gan")[0].config["config"]["classifier"] == str(judge.dir)
    assert scores.table.rowCount() == 1
    row = scores.rows[0]
    assert row.when == "epoch 1" and judge.id in row.judge and row.histogram.sum() == 1
    assert judge.id in scores.table.item(0, 6).text()
    assert f"{row.classes_covered} of 10" in scores.coverage.text()

    click(qtbot, scores.score_button)
    qtbot.waitUntil(lambda: gan.job is None, timeout=60_000)
    assert scores.table.rowCount() == 2 and scores.rows[1].when == "now (epoch 1)"
    assert gan.fid_asked  # the FID check ran when the Scores tab first showed
    assert 1 <= scores.rows[1].inception_score <= 10
    scores.every.setChecked(True)  # each epoch's checkpoint: the one epoch of this run here
    click(qtbot, scores.score_button)
    qtbot.waitUntil(lambda: gan.job is None, timeout=60_000)
    assert [r.when for r in scores.rows[2:]] == ["now (epoch 1)"]
    assert scores.rows[2].frechet_distance == scores.rows[1].frechet_distance  # same samples


@pytest.mark.slow  # trains a judge and two GANs, scores three times: ~3.5 s
def test_score_now_scores_a_training_run_beside_it(qtbot, gan, monkeypatch):
    """While a GAN trains, Score now scores its latest epoch in a job of its own; training
    goes on (paused here, so the test knows its epoch) and ends as usual."""
    monkeypatch.setattr(gan_jobs, "judge_config",
                        lambda dataset, root: TrainConfig(dataset=dataset, data_root=root,
                                                          epochs=1))
    scores = gan.scores
    click(qtbot, scores.train_button)
    qtbot.waitUntil(lambda: gan.job is None, timeout=60_000)
    train(qtbot, gan, replace(TINY, model="cgan"))  # an earlier run to select meanwhile
    gan.form.set_config(replace(TINY, model="cgan", epochs=4))
    click(qtbot, gan.controls.start_button)
    assert not scores.score_button.isEnabled()  # nothing saved yet
    qtbot.waitUntil(lambda: scores.score_button.isEnabled(), timeout=60_000)  # epoch 1 saved
    click(qtbot, gan.controls.pause_button)
    click(qtbot, scores.score_button)
    assert gan.scoring.busy and not scores.score_button.isEnabled()
    qtbot.waitUntil(lambda: not gan.scoring.busy, timeout=60_000)
    assert [r.when for r in scores.rows][-1].startswith("now (epoch ")
    assert gan.job is not None and gan.job.is_paused()  # the run waits, unharmed
    assert scores.score_button.isEnabled() and not scores.train_button.isEnabled()

    def broken(*_):
        raise ValueError("the judge file is corrupt")
        yield

    score_job = gan_jobs.score_job
    monkeypatch.setattr(gan_jobs, "score_job", broken)
    click(qtbot, scores.score_button)  # a failing score: a dialog, the run goes on
    qtbot.waitUntil(lambda: not gan.scoring.busy, timeout=60_000)
    assert "the judge file is corrupt" in gan.error_box.text()
    gan.error_box.close()
    assert scores.score_button.isEnabled() and gan.job.is_paused()

    release = threading.Event()

    def held(*args):
        release.wait(30)  # (on the compute thread) until the test has looked
        yield from score_job(*args)

    monkeypatch.setattr(gan_jobs, "score_job", held)
    click(qtbot, gan.controls.stop_button)
    click(qtbot, scores.score_button)  # beside the run still, whose end is on its way
    assert gan.scoring.busy  # (queued behind the end: it outlives the training)
    qtbot.waitUntil(lambda: gan.job is None, timeout=60_000)
    assert gan.store.runs("gan")[0].status == "stopped"
    training, earlier = gan.shown, gan.store.runs("gan")[1].id
    gan.runs.setCurrentRow(1)  # the earlier run shows once the score has come
    assert gan.shown == training and gan.scoring.busy
    release.set()
    qtbot.waitUntil(lambda: not gan.scoring.busy and gan.job is None, timeout=60_000)
    assert gan.shown == earlier


def test_settings_round_trip(idle, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    idle.form.set_config(replace(TINY, loss="wgan-gp", prior="sphere"))
    idle.save_settings(settings)
    idle.form.set_config(GanConfig())
    idle.load_settings(settings)
    assert idle.form.config() == replace(TINY, loss="wgan-gp", prior="sphere")


def test_a_judge_trained_elsewhere_is_offered_at_once(qtbot, idle):
    scores = idle.scores
    scores.set_dataset("digits")
    picked: list[str] = []
    scores.judge_changed.connect(picked.append)
    judge = stored_classifier(idle.store, message="test accuracy 0.950")  # as Training ends
    qtbot.waitUntil(lambda: scores.judge.count() == 2, timeout=5_000)
    assert scores.judge.itemData(1) == str(judge.dir) and "0.950" in scores.judge.itemText(1)
    assert scores.judge_path() is None and picked == []  # offered, not chosen for the user
