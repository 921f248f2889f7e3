"""Pages chosen by a row of toggle buttons that wraps onto more rows when the column is narrow:
a tab bar for more views than fit a 1024 px window (a QTabBar would hide some behind arrows)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QStackedWidget, QToolButton, QVBoxLayout, QWidget

from .flow import flow


class ViewSwitch(QWidget):
    """QTabWidget's calls a panel needs: addTab, count, currentIndex, setCurrentIndex,
    currentWidget, widget and `currentChanged(index)`."""

    currentChanged = Signal(int)  # noqa: N815 (QTabWidget's name)

    def __init__(self) -> None:
        super().__init__()
        self.buttons = QButtonGroup(self)
        self.buttons.setExclusive(True)
        self.row = flow()
        self.pages = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.row)
        layout.addWidget(self.pages, 1)
        self.buttons.idClicked.connect(self.setCurrentIndex)

    def addTab(self, page: QWidget, name: str) -> None:  # noqa: N802 (QTabWidget's name)
        button = QToolButton()
        button.setText(name)
        button.setCheckable(True)
        button.setAutoRaise(True)
        self.buttons.addButton(button, self.pages.count())
        self.row.addWidget(button)
        self.pages.addWidget(page)
        if self.pages.count() == 1:
            button.setChecked(True)

    def count(self) -> int:
        return self.pages.count()

    def currentIndex(self) -> int:  # noqa: N802
        return self.pages.currentIndex()

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802
        if index == self.pages.currentIndex():
            return
        self.buttons.button(index).setChecked(True)
        self.pages.setCurrentIndex(index)
        self.currentChanged.emit(index)

    def currentWidget(self) -> QWidget:  # noqa: N802
        return self.pages.currentWidget()

    def widget(self, index: int) -> QWidget:
        return self.pages.widget(index)
