"""The main window: one tab per panel, menus, status bar; torch loads on the compute thread."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from deepscope.core.runs.store import RunStore

from .compute import ComputeThread
from .menus import Menus
from .panels import PANELS
from .widgets.panel_frame import error_box
from .widgets.svg_export import save_svg

STYLE = resources.files("deepscope.resources") / "style.qss"


def user_settings() -> QSettings:
    """The user's own settings (the tour and the tests pass settings of their own)."""
    return QSettings("DeepScope", "DeepScope")


class MainWindow(QMainWindow):
    """One tab per entry of PANELS; `panels` maps each entry's key to its panel. Choices and
    the layout are kept in `settings` (the user's unless given)."""

    def __init__(self, store: RunStore, compute: ComputeThread,
                 settings: QSettings | None = None) -> None:
        super().__init__()
        self.store, self.compute = store, compute
        self.settings = settings if settings is not None else user_settings()
        self.closed = False
        self.setWindowTitle("DeepScope")
        self.tabs = QTabWidget()
        self.panels = {entry.key: entry.panel(compute, store) for entry in PANELS}
        for panel in self.panels.values():
            self.tabs.addTab(panel, panel.title.replace("&", "&&"))  # (not a shortcut)
            if hasattr(panel, "open_in"):
                panel.open_in.connect(self.open_in)
        self.setCentralWidget(self.tabs)
        self.device = QLabel("device: loading PyTorch…")
        self.statusBar().addPermanentWidget(self.device)
        self.statusBar().showMessage("Loading PyTorch in the background; you can set up a run "
                                     "meanwhile.")
        self.menus = Menus(self)
        compute.ready.connect(self.on_ready)
        compute.start_failed.connect(self.on_start_failed)
        self.restore()

    def on_ready(self, label: str) -> None:
        self.device.setText(f"device: {label or 'unavailable'}")
        self.statusBar().showMessage("PyTorch is ready.", 5000)

    def on_start_failed(self, message: str, details: str) -> None:
        """Torch could not load: one dialog for the whole app (each job then fails on its own
        handle)."""
        self.error_box = error_box(self, "PyTorch could not start", message, details)

    def export_panel(self, path: Path) -> Path:
        """Save the current panel as a PNG, or as an SVG drawing where `path` ends in .svg
        (File > Export panel)."""
        panel = self.tabs.currentWidget()
        if Path(path).suffix.lower() == ".svg":
            return save_svg(panel, path, f"DeepScope {panel.title}")
        if not panel.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        return path

    def show_panel(self, key: str) -> QWidget:
        """Bring the panel `key` (see PANELS) to the front."""
        self.tabs.setCurrentWidget(self.panels[key])
        return self.panels[key]

    def open_in(self, key: str, run_id: str) -> None:
        """Show run `run_id` in panel `key` (a panel's `open_in` asks for it)."""
        self.show_panel(key).show_run(run_id)

    def current_key(self) -> str:
        return next(k for k, p in self.panels.items() if p is self.tabs.currentWidget())

    def restore(self) -> None:
        s = self.settings
        if geometry := s.value("window/geometry"):
            self.restoreGeometry(geometry)
        else:  # as large as is useful, within the screen
            room = self.screen().availableGeometry().size()
            self.resize(min(1400, room.width()), min(860, room.height()))
        if (key := s.value("window/panel")) in self.panels:
            self.show_panel(key)
        for panel in self.panels.values():
            panel.load_settings(s)

    def busy_panels(self) -> list[str]:
        """The titles of the panels whose job (a training run, a scan) is running."""
        return [p.title for p in self.panels.values() if getattr(p, "job", None) is not None]

    def ask_to_quit(self, busy: list[str]) -> bool:
        """Whether to stop the running jobs and quit (a modal question)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Quit DeepScope",
                          f"{' and '.join(busy)}: a job is still running. Stop it and quit? "
                          "A stopped run keeps everything up to its last step.", parent=self)
        stop = box.addButton("Stop the run and quit", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(box.addButton("Keep working", QMessageBox.ButtonRole.RejectRole))
        box.exec()
        return box.clickedButton() is stop

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Asks first while a job runs; then stops every job (a run ends `stopped`), waits
        for the compute thread and delivers the jobs' last events while the store is open."""
        if not self.closed and (busy := self.busy_panels()) and not self.ask_to_quit(busy):
            event.ignore()
            return
        if not self.closed:
            self.closed = True
            s = self.settings
            s.setValue("window/geometry", self.saveGeometry())
            s.setValue("window/panel", self.current_key())
            for panel in self.panels.values():
                panel.save_settings(s)
            s.sync()
            self.compute.stop()
            QApplication.processEvents()  # deliver the jobs' last events while the store is open
            self.store.close()
        super().closeEvent(event)


def make_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("DeepScope")
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)
    app.setStyleSheet(STYLE.read_text())
    return app


def make_window(runs_dir: Path | None = None, settings: QSettings | None = None) -> MainWindow:
    """The window with its compute thread started right after the first paint."""
    window = MainWindow(RunStore(runs_dir), ComputeThread(), settings)
    window.show()
    QTimer.singleShot(0, window.compute.start)
    return window


def run(runs_dir: Path | None = None) -> int:
    app = make_app()
    window = make_window(runs_dir)
    code = app.exec()
    del window
    return code
