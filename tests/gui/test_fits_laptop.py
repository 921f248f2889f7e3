"""The window at 1024 x 700, a small laptop's screen: every panel fits, and every visible
button, label, check box, group title and tab has room for its text."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QTabBar, QWidget

from deepscope.panels import PANELS

SMALL = (1024, 700)
TEXT_WIDGETS = (QAbstractButton, QLabel, QGroupBox)
TITLE_INDENT = 18  # a group title's left offset and padding in resources/style.qss, and a frame


def short_of_room(panel: QWidget) -> list[str]:
    """What in `panel` is drawn smaller than its text needs (width, or the wrapped height)."""
    cut = []
    for w in panel.findChildren(QWidget):
        if not w.isVisibleTo(panel):
            continue
        if isinstance(w, QTabBar):
            cut += [f"tab {w.tabText(i)!r}" for i in range(w.count())
                    if w.tabRect(i).width() < w.tabSizeHint(i).width()]
        elif isinstance(w, TEXT_WIDGETS) and text_of(w):
            least = w.minimumSizeHint()
            if isinstance(w, QGroupBox):  # its hint leaves out the style sheet's bold title
                least.setWidth(w.fontMetrics().horizontalAdvance(w.title()) + TITLE_INDENT)
            tall = w.heightForWidth(w.width()) if w.hasHeightForWidth() else least.height()
            if w.width() < least.width() or w.height() < tall:
                cut.append(f"{type(w).__name__} {text_of(w)[:40]!r}: {w.width()}x{w.height()}"
                           f" < {least.width()}x{tall}")
    return cut


def text_of(w: QWidget) -> str:
    return w.title() if isinstance(w, QGroupBox) else w.text()


def test_the_window_fits_a_small_laptop_screen(window):
    least = window.minimumSizeHint()
    assert least.width() <= SMALL[0] and least.height() <= SMALL[1]


@pytest.mark.parametrize("key", [entry.key for entry in PANELS])
def test_every_text_has_room_at_1024_by_700(window, qtbot, key):
    window.resize(*SMALL)
    panel = window.show_panel(key)
    qtbot.waitUntil(lambda: window.size().toTuple() == SMALL)
    qtbot.wait(20)  # (layouts settle)
    assert short_of_room(panel) == []


def test_pause_and_resume_take_one_width(window, qtbot):
    controls = window.panels["training"].controls
    column = controls.parentWidget()
    before = column.width(), controls.pause_button.width()
    controls.pause_button.setText("Resume")  # what pausing a run shows
    qtbot.wait(20)
    assert (column.width(), controls.pause_button.width()) == before


def test_buttons_stay_put_whether_or_not_the_column_scrolls(window, qtbot):
    panel = window.show_panel("occlusion")
    spots = []
    for height in (SMALL[1], 1400):  # the column scrolls, then it does not
        window.resize(SMALL[0], height)
        qtbot.waitUntil(lambda h=height: window.height() == h)
        qtbot.wait(20)
        spots.append(panel.cancel_button.geometry())
    assert spots[0] == spots[1]
