"""One truth for runs: a change to the run store, made on any thread, reaches every run list and
picker on the GUI thread, with no refresh asked for."""

import threading

from deepscope.core.runs.store import RunStore
from deepscope.widgets.model_picker import ModelPicker
from deepscope.widgets.run_list import RunList
from deepscope.widgets.run_picker import RunPicker
from deepscope.widgets.run_watch import watch
from tests.factories import classifier_record, gan_record


def in_thread(work) -> None:
    """Run `work` on a thread of its own, as the compute thread changes the store."""
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def test_each_change_is_signalled_once_on_the_gui_thread(qtbot, tmp_path):
    with RunStore(tmp_path) as store:
        seen: list[tuple[str, str]] = []
        watch(store).changed.connect(
            lambda run_id: seen.append((run_id, threading.current_thread().name)))
        assert watch(store) is watch(store)  # one per store
        made: list[str] = []

        def train() -> None:
            made.append(store.create_run(classifier_record()).id)
            store.log_steps(made[0], [{"step": 0, "loss": 1.0}])  # (steps: no signal)
            store.log_epoch(made[0], 1, {"val_loss": 0.5})
            store.set_status(made[0], "finished")

        in_thread(train)
        store.delete(made[0])
        qtbot.waitUntil(lambda: len(seen) == 4, timeout=5_000)
        assert seen == [(made[0], threading.main_thread().name)] * 4


def test_a_run_made_elsewhere_is_offered_by_every_list_at_once(qtbot, tmp_path):
    with RunStore(tmp_path) as store:
        classifiers, gans = RunList(store), RunList(store, kind="gan")
        generators, models = RunPicker(store), ModelPicker(store)
        for widget in (classifiers, gans, generators, models):
            qtbot.addWidget(widget)
        generators.refresh()
        models.refresh_runs()
        assert generators.run_id() is None and models.current_run() is None
        ids: dict[str, str] = {}

        def train() -> None:
            ids["classifier"] = store.create_run(classifier_record()).id
            ids["gan"] = store.create_run(gan_record(), kind="gan").id
            store.set_status(ids["classifier"], "finished")

        in_thread(train)
        qtbot.waitUntil(lambda: models.current_run() is not None, timeout=5_000)
        assert models.current_run().id == ids["classifier"]  # finished: a model to occlude
        assert generators.run_id() == ids["gan"] and generators.combo.isEnabled()
        assert classifiers.count() == gans.count() == 1
        assert classifiers.item(0).text().startswith("✓") and gans.item(0).text().startswith("…")

        with qtbot.waitSignal(models.changed, timeout=5_000):  # its model is gone
            store.delete(ids["classifier"])
        assert models.current_run() is None and classifiers.count() == 0
