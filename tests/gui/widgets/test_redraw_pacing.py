"""What keeps the GUI thread's drawing small while a job runs: status text that repaints only
itself, throttled updates, and curves that redraw only what changed, at a paced rate."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from deepscope.widgets.curves import CurveBoard, y_span
from deepscope.widgets.job_status import JobStatus
from deepscope.widgets.status_line import StatusLine
from deepscope.widgets.throttle import Throttle


class Events(QObject):
    """Counts the events of one type that reach the objects it filters."""

    def __init__(self, kind: QEvent.Type) -> None:
        super().__init__()
        self.kind, self.count = kind, 0

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        self.count += event.type() == self.kind
        return False


def layout_requests_after_set_text(qtbot, label, window: QWidget) -> int:
    qtbot.addWidget(window)
    column = QVBoxLayout(window)
    column.addWidget(QLabel("a neighbour"))
    column.addWidget(label)
    window.resize(300, 200)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(20)  # the first layout settles
    requests = Events(QEvent.Type.LayoutRequest)
    window.installEventFilter(requests)
    for n in range(5):
        label.setText(f"epoch {n}  step {n * 19}/380  a status line long enough to wrap " * 2)
        qtbot.wait(5)
    return requests.count


def test_status_text_does_not_ask_the_window_for_a_new_layout(qtbot):
    wrapped = QLabel()
    wrapped.setWordWrap(True)
    assert layout_requests_after_set_text(qtbot, wrapped, QWidget()) >= 5  # StatusLine's fix
    status, window = StatusLine(), QWidget()
    assert layout_requests_after_set_text(qtbot, status, window) == 0
    assert status.text().startswith("epoch 4")


def test_a_progress_count_paints_the_bar_once(qtbot):
    status = JobStatus("hint")
    qtbot.addWidget(status)
    status.show()
    qtbot.waitExposed(status)
    qtbot.wait(20)
    paints = Events(QEvent.Type.Paint)
    status.progress.installEventFilter(paints)
    for n in range(1, 6):
        status.count(n * 100, 1000, f"step {n * 100}/1000  ETA {10 - n} s")
        qtbot.wait(5)
    assert paints.count == 5  # QProgressBar.setValue alone would paint at once, then again
    assert status.progress.value() == 500 and status.progress.format().endswith("ETA 5 s")


def test_throttle_shows_the_first_value_at_once_and_the_latest_one_later(qtbot):
    shown: list[int] = []
    owner = QObject()
    throttle = Throttle(0.05, shown.append, owner)
    for value in range(5):
        throttle(value)
    assert shown == [0]  # the rest came too soon: only the latest will show
    qtbot.waitUntil(lambda: shown == [0, 4], timeout=1000)
    throttle(5)
    throttle.reset()  # dropped; the next value shows at once
    throttle(6)
    qtbot.wait(80)
    assert shown == [0, 4, 6]


def test_y_span_keeps_its_range_until_the_data_leave_it_or_shrink_in_it():
    span = y_span(0.5, 2.3, None, from_zero=False)
    assert span[0] < 0.5 and span[1] > 2.3
    assert y_span(0.6, 2.3, span, from_zero=False) is None  # inside: the axis stays
    assert y_span(0.1, 2.3, span, from_zero=False)[0] < 0.1  # below it: re-fitted
    assert y_span(1.0, 1.1, span, from_zero=False) is not None  # fills < half: re-fitted
    assert y_span(0.2, 0.9, None, from_zero=True)[0] == 0


def test_curves_redraw_only_while_shown_and_changed(qtbot):
    board = CurveBoard({"loss": "Loss"})
    qtbot.addWidget(board)
    board.extend("loss", "train", np.arange(3), np.arange(3.0), np.array([2.0, 1.5, 1.2]))
    assert not board.timer.isActive()  # hidden: nothing to draw yet
    board.show()
    qtbot.waitUntil(lambda: not board.plots["loss"].curves["train"].dirty, timeout=2000)
    qtbot.waitUntil(lambda: not board.timer.isActive(), timeout=2000)  # idle again
    board.extend("loss", "train", np.array([3]), np.array([3.0]), np.array([1.0]))
    assert board.timer.isActive()
    qtbot.waitUntil(lambda: not board.plots["loss"].curves["train"].dirty, timeout=2000)
    low, high = board.plots["loss"].item.vb.viewRange()[1]
    assert low < 1.0 and high > 2.0  # fitted to the data


def test_a_zoomed_plot_keeps_the_users_range_until_the_a_button(qtbot):
    board = CurveBoard({"loss": "Loss"})
    qtbot.addWidget(board)
    board.resize(500, 400)
    board.show()
    qtbot.waitExposed(board)
    curve = board.plots["loss"]
    board.extend("loss", "train", np.arange(50), np.arange(50.0), np.linspace(2, 1, 50))
    qtbot.waitUntil(lambda: not curve.curves["train"].dirty, timeout=2000)
    vb = curve.item.vb
    at = QPointF(board.mapFromScene(vb.sceneBoundingRect().center()))
    wheel = QWheelEvent(at, QPointF(board.viewport().mapToGlobal(at.toPoint())), QPoint(),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(board.viewport(), wheel)  # the user zooms in
    assert not curve.follow
    zoomed = vb.viewRange()[1]
    board.extend("loss", "train", np.array([50]), np.array([50.0]), np.array([9.0]))
    qtbot.waitUntil(lambda: not curve.curves["train"].dirty, timeout=2000)
    assert vb.viewRange()[1] == zoomed  # the new peak does not undo the zoom
    curve.item.autoBtn.clicked.emit(curve.item.autoBtn)  # the plot's A button
    qtbot.waitUntil(lambda: vb.viewRange()[1][1] > 9.0, timeout=2000)
    assert curve.follow


def shown_board(qtbot, plots: dict[str, str]) -> CurveBoard:
    board = CurveBoard(plots)
    qtbot.addWidget(board)
    board.resize(500, 400)
    board.show()
    qtbot.waitExposed(board)
    return board


def test_new_tick_labels_do_not_change_the_axis_width(qtbot):
    board = shown_board(qtbot, {"lr": "Learning rate"})
    axis = board.plots["lr"].item.getAxis("left")
    widths = []
    for top in (1.0, 0.0005, 12.0, 0.3):  # labels "0.2", "0.0001", "10", "0.05"
        board.extend("lr", "lr", np.arange(2), np.arange(2.0), np.array([0.0, top]))
        qtbot.waitUntil(lambda: not board.plots["lr"].curves["lr"].dirty, timeout=2000)
        qtbot.wait(20)  # painted: the axis has measured its labels
        widths.append(axis.width())
        board.clear_curves()
    assert len(set(widths)) == 1  # pyqtgraph alone fits the axis to each range's labels


def test_prepared_curves_are_made_ahead_and_emptied_rather_than_dropped(qtbot):
    board = shown_board(qtbot, {"loss": "Loss"})
    board.prepare([("loss", "train", None, {}), ("loss", "val", None, {"smooth": False})])
    assert not board.plots["loss"].curves  # made later, one per pass of the event loop
    qtbot.waitUntil(lambda: len(board.plots["loss"].curves) == 2, timeout=2000)
    made = dict(board.plots["loss"].curves)
    board.extend("loss", "train", np.arange(3), np.arange(3.0), np.array([2.0, 1.5, 1.2]))
    board.extend("loss", "run 7", np.arange(3), np.arange(3.0), np.array([2.0, 1.0, 0.5]))
    qtbot.waitUntil(lambda: not made["train"].dirty, timeout=2000)
    board.clear_curves()
    curves = board.plots["loss"].curves
    assert set(curves) == {"train", "val"} and curves["train"] is made["train"]
    shown = curves["train"].raw.getData()[0]
    assert curves["train"].series.n == 0 and (shown is None or len(shown) == 0)


def test_a_curve_made_ahead_shows_its_colours_in_the_legend(qtbot):
    board = CurveBoard({"loss": "Loss"}, legends=("loss",))
    qtbot.addWidget(board)
    board.resize(400, 300)
    board.show()
    qtbot.waitExposed(board)
    board.curve("loss", "val", (255, 127, 14), smooth=False)  # no points yet
    qtbot.wait(50)
    legend = board.grab().toImage()
    colours = {legend.pixelColor(x, y).rgb() & 0xFFFFFF
               for x in range(legend.width()) for y in range(legend.height())}  # (no points)
    assert 0xFF7F0E in colours and 0x646496 not in colours  # not pyqtgraph's default symbol
