"""The run list shows a run's start and end by touching its row only."""

from PySide6.QtCore import Qt

from deepscope.core.runs.store import RunStore
from deepscope.widgets.run_list import RunList

CONFIG = {"config": {"model": "lenet", "dataset": "digits"}}


def test_a_run_that_starts_or_ends_changes_its_own_row_only(qtbot, tmp_path):
    with RunStore(tmp_path) as store:
        for _ in range(3):
            store.create_run(CONFIG)
        runs = RunList(store)
        qtbot.addWidget(runs)
        rows = [runs.item(i) for i in range(3)]
        rows[1].setCheckState(Qt.CheckState.Checked)  # an overlay the user chose

        new = store.create_run(CONFIG)
        runs.update_run(new.id)
        assert runs.count() == 4 and runs.item(0).data(Qt.ItemDataRole.UserRole) == new.id
        assert all(runs.item(i + 1) is row for i, row in enumerate(rows))  # not rebuilt

        store.set_status(new.id, "finished", "test accuracy 0.970")
        runs.update_run(new.id)
        assert runs.count() == 4 and runs.item(0).text().startswith("✓")
        assert "finished: test accuracy 0.970" in runs.item(0).text()

        runs.update_run(store.create_run(CONFIG, kind="gan").id)  # another list's kind
        runs.update_run(None)  # a job that trained no run
        assert runs.count() == 4 and runs.checked() == [rows[1].data(Qt.ItemDataRole.UserRole)]
