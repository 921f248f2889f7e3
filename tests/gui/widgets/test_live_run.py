"""The live-run view that Training and GAN share: overlays of stored runs, a resumed run's
history, live steps and the divergence dialog, on a small kind of run of the test's own."""

from dataclasses import dataclass

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from deepscope.core.runs.store import RunStore
from deepscope.core.training.events import TrainingFinished, TrainingSteps
from deepscope.widgets.live_run import Line, LiveRunView, RunKind
from tests.factories import classifier_record

KIND = RunKind(kind="classifier", plots={"loss": "Loss", "acc": "Accuracy"},
               lines=(Line("loss", "train", "loss"), Line("acc", "train", "acc")),
               epoch_lines=(Line("loss", "val", "val_loss", smooth=False),))
STEP_TIME = 0.5


@dataclass(frozen=True)
class Steps(TrainingSteps):
    loss: np.ndarray
    acc: np.ndarray


def stored_run(store: RunStore, steps: int = 10, epoch_ends: tuple[int, ...] = (4, 9)) -> str:
    """A stopped run with `steps` steps (loss 1/(s+1), accuracy s/10) and an epoch ending at
    each of `epoch_ends`."""
    run = store.create_run(classifier_record())
    store.log_steps(run.id, [{"step": s, "loss": 1 / (s + 1), "acc": s / 10,
                              "step_time": STEP_TIME, "images_per_s": 100.0}
                             for s in range(steps)])
    for epoch, step in enumerate(epoch_ends, start=1):
        store.log_epoch(run.id, epoch, {"step": step, "val_loss": 2.0 / epoch,
                                        "seconds": STEP_TIME * (step + 1)})
    store.set_status(run.id, "stopped", "stopped by the user")
    return run.id


@pytest.fixture
def store(tmp_path):
    with RunStore(tmp_path / "runs") as store:
        yield store


@pytest.fixture
def parent(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def columns(view: LiveRunView, plot: str, name: str) -> tuple[np.ndarray, ...] | None:
    curve = view.board.plots[plot].curves.get(name)
    return curve.series.columns() if curve else None


def test_checking_a_stored_run_overlays_its_step_curves_dashed_until_unchecked(store, parent):
    run_id = stored_run(store)
    view = LiveRunView(store, KIND, parent)
    label = view.label(run_id)
    assert label.startswith("lenet ") and label.endswith(run_id[-4:])

    view.runs.item(0).setCheckState(Qt.CheckState.Checked)
    step, wall, loss = columns(view, "loss", label)
    assert step.tolist() == list(range(10))
    assert wall == pytest.approx(STEP_TIME * np.arange(1, 11))  # the stored step times summed
    assert loss == pytest.approx(1 / np.arange(1, 11))
    assert columns(view, "acc", label)[2] == pytest.approx(np.arange(10) / 10)
    curve = view.board.plots["loss"].curves[label]
    assert curve.raw.opts["pen"].style() == Qt.PenStyle.DashLine
    assert not any(name.startswith(label) and name != label
                   for p in view.board.plots.values() for name in p.curves)  # no epoch dots

    view.clear()  # a new run starts: the checked run's overlay stays
    assert len(columns(view, "loss", label)[0]) == 10

    view.runs.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert all(label not in p.curves for p in view.board.plots.values())


def test_a_resumed_run_starts_with_its_stored_curves_and_goes_on_after_them(store, parent):
    run_id = stored_run(store)
    view = LiveRunView(store, KIND, parent)
    view.clear()
    view.start_run(run_id, total_steps=20, first_step=6)
    assert view.board.x_extent == 20
    step, wall, _ = columns(view, "loss", "train")
    assert step.tolist() == list(range(6)) and wall[-1] == pytest.approx(6 * STEP_TIME)
    step, wall, val = columns(view, "loss", "val")  # the epoch that ended before step 6 only
    assert step.tolist() == [4] and wall.tolist() == [5 * STEP_TIME] and val.tolist() == [2.0]

    view.add_steps(Steps(epoch=2, step=np.array([6, 7]), wall=4.0, step_time=STEP_TIME,
                         images_per_s=100.0, loss=np.array([np.nan, 0.2]),
                         acc=np.array([0.6, 0.7])))
    step, wall, acc = columns(view, "acc", "train")
    assert step.tolist() == list(range(8)) and wall[-2:] == pytest.approx([3.5, 4.0])
    step, _, loss = columns(view, "loss", "train")
    assert step[-1] == 7 and 6 not in step and loss[-1] == 0.2  # a NaN step draws nothing


def test_continue_offers_a_stopped_run_when_idle_with_its_stored_config(store, parent):
    run_id = stored_run(store)
    view = LiveRunView(store, KIND, parent)
    resumed = []
    view.resume.connect(lambda *args: resumed.append(args))
    assert not view.continue_button.isEnabled()  # nothing selected
    view.runs.setCurrentRow(0)
    assert not view.continue_button.isEnabled()  # stopped, with nothing kept to resume from
    (store.get(run_id).dir / "stopped.optim.safetensors").touch()  # a stop's training state
    view.update_continue()
    assert view.continue_button.isEnabled()
    view.set_running(True)
    assert not view.continue_button.isEnabled()
    view.set_running(False)
    view.continue_button.click()
    assert resumed == [(run_id, store.get(run_id).config["config"])]


def test_a_diverged_run_opens_one_warning_and_a_finished_run_none(store, parent):
    run_id = stored_run(store)
    view = LiveRunView(store, KIND, parent)
    run_dir = str(store.get(run_id).dir)
    view.end_run(TrainingFinished("finished", "test accuracy 0.950", run_id, run_dir))
    assert view.error_box is None and not parent.findChildren(QMessageBox)

    view.end_run(TrainingFinished("diverged", "loss is NaN at step 7", run_id, run_dir))
    boxes = parent.findChildren(QMessageBox)
    assert boxes == [view.error_box] and view.error_box.isVisible()
    assert view.error_box.icon() == QMessageBox.Icon.Warning
    assert view.error_box.windowTitle() == KIND.diverged
    assert "NaN at step 7" in view.error_box.text()
    view.error_box.close()


def test_selecting_a_run_shows_its_curves_and_checking_keeps_them_beside_others(qtbot, store,
                                                                               parent):
    older, newer = stored_run(store), stored_run(store, steps=6)
    view = LiveRunView(store, KIND, parent)
    first, second = view.label(newer), view.label(older)  # rows: newest first

    view.runs.setCurrentRow(0)  # selected: shown, as TensorBoard shows a selected run
    assert len(columns(view, "loss", first)[0]) == 6
    view.runs.setCurrentRow(1)  # another selected: the first goes, the second comes
    assert columns(view, "loss", first) is None and len(columns(view, "loss", second)[0]) == 10

    view.runs.item(1).setCheckState(Qt.CheckState.Checked)  # checked: stays when unselected
    view.runs.setCurrentRow(0)
    assert len(columns(view, "loss", second)[0]) == 10  # drawn once, not twice
    assert len(columns(view, "loss", first)[0]) == 6

    view.clear()
    view.start_run(newer, total_steps=20, first_step=6)  # the selected run goes on live
    assert columns(view, "loss", first) is None  # drawn as the live run's, not twice
    assert len(columns(view, "loss", "train")[0]) == 6 and columns(view, "loss", second)

    store.delete(older)  # a checked run deleted: its curves go with its row
    qtbot.waitUntil(lambda: view.runs.count() == 1, timeout=5_000)
    assert columns(view, "loss", second) is None and view.drawn == {}
