"""The run list follows the run store: a run that starts, ends or goes changes its own row only."""

from PySide6.QtCore import Qt

from deepscope.core.runs.store import RunStore
from deepscope.widgets.run_list import RunList
from tests.factories import classifier_record, stored_classifier, stored_gan


def test_a_run_that_starts_or_ends_changes_its_own_row_only(qtbot, tmp_path):
    with RunStore(tmp_path) as store:
        for _ in range(3):
            stored_classifier(store)
        runs = RunList(store)
        qtbot.addWidget(runs)
        rows = [runs.item(i) for i in range(3)]
        rows[1].setCheckState(Qt.CheckState.Checked)  # an overlay the user chose

        new = store.create_run(classifier_record())  # as a training panel's job does
        qtbot.waitUntil(lambda: runs.count() == 4, timeout=5_000)
        assert runs.item(0).data(Qt.ItemDataRole.UserRole) == new.id
        assert all(runs.item(i + 1) is row for i, row in enumerate(rows))  # not rebuilt

        store.set_status(new.id, "finished", "test accuracy 0.970")
        qtbot.waitUntil(lambda: runs.item(0).text().startswith("✓"), timeout=5_000)
        assert runs.count() == 4 and "finished: test accuracy 0.970" in runs.item(0).text()

        stored_gan(store)  # another list's kind: no row
        store.delete(rows[2].data(Qt.ItemDataRole.UserRole))
        qtbot.waitUntil(lambda: runs.count() == 3, timeout=5_000)
        assert [runs.item(i) for i in range(1, 3)] == rows[:2]
        assert runs.checked() == [rows[1].data(Qt.ItemDataRole.UserRole)]
