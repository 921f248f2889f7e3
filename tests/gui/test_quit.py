"""Quit while a job runs asks first: Stop the run and quit, or Keep working."""

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def answer(text: str) -> None:
    """Press a button of the open question, as a user does."""
    box = QApplication.activeModalWidget()
    next(b for b in box.buttons() if b.text() == text).click()


def test_the_question_names_the_busy_panel_and_its_two_answers(qtbot, window):
    texts = []

    def read_then(text: str) -> None:
        texts.append(QApplication.activeModalWidget().text())
        answer(text)

    QTimer.singleShot(0, lambda: read_then("Keep working"))
    assert window.ask_to_quit(["Training"]) is False
    assert texts[0].startswith("Training: a job is still running.")
    QTimer.singleShot(0, lambda: answer("Stop the run and quit"))
    assert window.ask_to_quit(["Training"]) is True
    assert window.busy_panels() == []  # nothing runs: closing asks nothing
