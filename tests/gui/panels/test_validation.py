"""Typed values out of range are kept as typed, never clamped: the field is marked, the reason
shows next to the Train button, and Train waits until it is fixed."""

import pytest
from PySide6.QtCore import Qt

from deepscope.core.runs.store import RunStore
from deepscope.panels.gan.panel import GanPanel
from deepscope.panels.training.panel import TrainingPanel
from deepscope.widgets.form import MARKED


@pytest.fixture(params=[(TrainingPanel, "lr", "learning rate must be in (0, 10]"),
                        (GanPanel, "d_lr", "D learning rate must be in (0, 10]")],
                ids=["training", "gan"])
def case(request, qtbot, tmp_path, compute):
    kind, key, reason = request.param
    store = RunStore(tmp_path / "runs")
    panel = kind(compute, store)
    qtbot.addWidget(panel)
    panel.show()
    yield panel, key, reason
    store.close()


def type_into(qtbot, widget, text: str) -> None:
    """Select the field's text and type over it, as a user does; Return ends the edit."""
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_a_typed_learning_rate_is_kept_and_blocks_train_with_its_reason(qtbot, case):
    panel, key, reason = case
    field, start = panel.form.fields[key], panel.controls.start_button
    assert start.isEnabled() and not field.widget.styleSheet()

    type_into(qtbot, field.widget, "1000000")
    assert field.get() == 1_000_000  # as typed, not clamped to 10
    assert not start.isEnabled()
    assert reason in panel.form.problems.text() and panel.form.problems.isVisible()
    assert field.widget.styleSheet() == MARKED and field.widget.toolTip().startswith(reason)
    gap = start.mapTo(panel, start.rect().topLeft()).y() - panel.form.problems.mapTo(
        panel, panel.form.problems.rect().bottomLeft()).y()
    assert 0 <= gap < 60  # the reason sits right above the Train button
    others = [f for k, f in panel.form.fields.items() if k != key]
    assert not any(f.widget.styleSheet() for f in others)  # only the field at fault

    type_into(qtbot, field.widget, "0.01")
    assert field.get() == pytest.approx(0.01) and start.isEnabled()
    assert not field.widget.styleSheet() and panel.form.problems.isHidden()
    assert reason not in field.widget.toolTip()
