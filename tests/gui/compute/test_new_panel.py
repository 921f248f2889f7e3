"""A new panel needs nothing of another panel: this one, written from the compute package's
slots alone, counts in an exclusive job and squares a number in a newest-wins job on the real
compute thread."""

import itertools
import time

from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QSpinBox, QVBoxLayout, QWidget

from deepscope.compute import ComputeThread, Exclusive, NewestWins
from deepscope.widgets.panel_frame import error_box
from tests.gui.conftest import start


def count_job(log: list[int]):
    """Counts until cancelled."""
    for k in itertools.count():
        time.sleep(0.002)
        log.append(k)
        yield k


def square_job(n: int, ran: list[int]):
    ran.append(n)
    if n < 0:
        raise ValueError(f"{n} is negative: pick 0 or more")
    time.sleep(0.05)  # long enough for newer requests to come meanwhile
    yield n * n


class CountPanel(QWidget):
    """Count / Stop (one count at a time) and the square of the spin box's number (the latest
    number wins); a failure shows its dialog."""

    def __init__(self, compute: ComputeThread) -> None:
        super().__init__()
        self.counting, self.squaring = Exclusive(compute), NewestWins(compute)
        self.counted: list[int] = []  # what the count job did
        self.ran: list[int] = []  # the numbers the square job was run for
        self.count = self.square = None
        self.ended: list[str] = []  # the jobs whose `finished` fired
        self.count_button, self.stop_button = QPushButton("Count"), QPushButton("Stop")
        self.number = QSpinBox()
        self.number.setRange(-10, 100)
        self.status = QLabel()
        layout = QVBoxLayout(self)
        for w in (self.count_button, self.stop_button, self.number, self.status):
            layout.addWidget(w)
        self.count_button.clicked.connect(self.start_count)
        self.stop_button.clicked.connect(self.counting.cancel)
        self.number.valueChanged.connect(self.request_square)
        self.set_running(False)

    def set_running(self, running: bool) -> None:
        self.count_button.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def start_count(self) -> None:
        if self.counting.submit(lambda: count_job(self.counted), yielded=self.show_count,
                                errored=self.failed, finished=self.count_ended):
            self.set_running(True)

    def show_count(self, k: int) -> None:
        self.count = k

    def count_ended(self) -> None:
        self.ended.append("count")
        self.set_running(False)

    def request_square(self, n: int) -> None:
        self.squaring.submit(lambda: square_job(n, self.ran), yielded=self.show_square,
                             errored=self.failed, finished=lambda: self.ended.append("square"))

    def show_square(self, square: int) -> None:
        self.square = square
        self.status.setText(f"{self.number.value()}² = {square}")

    def failed(self, message: str, details: str) -> None:
        self.error_box = error_box(self, "Count failed", message, details)
        self.status.setText(f"Failed: {message}")


def new_panel(qtbot, compute) -> CountPanel:
    panel = CountPanel(compute)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_the_exclusive_job_counts_refuses_a_second_and_stops(qtbot, compute):
    panel = new_panel(qtbot, compute)
    start(qtbot, compute)
    panel.count_button.click()
    assert not panel.count_button.isEnabled() and panel.counting.busy
    handle = panel.counting.handle
    panel.start_count()  # (as a shortcut would): refused, the count goes on
    assert panel.counting.handle is handle
    qtbot.waitUntil(lambda: (panel.count or 0) > 20, timeout=10_000)
    panel.stop_button.click()
    qtbot.waitUntil(lambda: panel.ended == ["count"], timeout=10_000)
    stopped_at = len(panel.counted)
    qtbot.wait(100)
    assert len(panel.counted) == stopped_at and handle.outcome == "cancelled"
    assert panel.count_button.isEnabled() and not panel.stop_button.isEnabled()
    assert panel.counted == list(range(stopped_at))  # one count job ran, not two


def test_only_the_newest_square_shows(qtbot, compute):
    panel = new_panel(qtbot, compute)
    start(qtbot, compute)
    for n in range(1, 10):  # as fast as arrows held down
        panel.number.setValue(n)
    qtbot.waitUntil(lambda: not panel.squaring.busy, timeout=10_000)
    assert panel.square == 81 and panel.status.text() == "9² = 81"
    assert panel.ran[-1] == 9 and set(panel.ran) <= {1, 9}  # 2..8 never ran
    assert panel.ended.count("square") in (1, 2)  # 9's, and 1's if it had started


def test_a_failing_job_shows_its_dialog_once_and_the_panel_goes_on(qtbot, compute):
    panel, other = new_panel(qtbot, compute), new_panel(qtbot, compute)
    start(qtbot, compute)
    panel.number.setValue(-3)
    qtbot.waitUntil(lambda: panel.ended == ["square"], timeout=10_000)
    boxes = panel.findChildren(QMessageBox)
    assert len(boxes) == 1 and boxes[0].text() == "-3 is negative: pick 0 or more"
    assert not boxes[0].detailedText() and not other.findChildren(QMessageBox)  # bad input
    assert panel.status.text().startswith("Failed") and not panel.squaring.busy
    panel.number.setValue(4)
    qtbot.waitUntil(lambda: panel.square == 16, timeout=10_000)
    assert len(panel.findChildren(QMessageBox)) == 1 and panel.ended == ["square", "square"]
