"""The window's menus. File: open a run folder, export the panel (PNG, SVG) or its data, quit.
Help: every keyboard shortcut, how to take the tour, About with the version `deepscope
--version` prints."""

from __future__ import annotations

import html
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from deepscope.core.runs.store import DB_NAME, RunInfo

from .widgets.data_export import DataExport
from .widgets.panel_frame import error_box
from .widgets.run_labels import run_title
from .widgets.run_list import RunList

if TYPE_CHECKING:
    from .app import MainWindow

README = Path(__file__).resolve().parents[1] / "README.md"  # beside the code in a checkout
README_TOUR = "a-short-tour"  # the anchor of its section "A short tour"
OPEN_TIP = (f"Open a run store (a folder holding {DB_NAME}) in a new window, as TensorBoard "
            "opens a log folder; or select a run of this window's store, by its folder, in the "
            "Training or GAN run list")
DATA_TIP = "Save the current panel's data: curves as CSV, occlusion maps as .npy"
TABS = ("Ctrl+Tab, Ctrl+Shift+Tab", "Next panel, previous panel", "Window")  # QTabWidget's own


class Menus(QObject):
    """File and Help of `window`; `box` is the last dialog they opened (non-modal)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.box: QMessageBox | None = None
        file = window.menuBar().addMenu("&File")
        file.setToolTipsVisible(True)  # a disabled Export data says why
        self.add(file, "Open run folder…", "Ctrl+O", self.ask_run_folder, OPEN_TIP)
        file.addSeparator()
        self.add(file, "Export panel as PNG…", "Ctrl+E",
                 lambda: self.ask_panel_export("PNG image", "png"))
        self.add(file, "Export panel as SVG…", "Ctrl+Shift+E",
                 lambda: self.ask_panel_export("SVG drawing", "svg"))
        self.data = self.add(file, "Export data…", "Ctrl+Shift+S", self.ask_data_export, DATA_TIP)
        file.addSeparator()
        self.add(file, "Quit", "Ctrl+Q", window.close)  # (StandardKey.Quit is empty on Windows)
        file.aboutToShow.connect(self.check_data)
        file.aboutToHide.connect(self.uncheck_data)
        help_menu = window.menuBar().addMenu("&Help")
        self.add(help_menu, "Keyboard shortcuts", "Ctrl+/", self.show_shortcuts)
        self.add(help_menu, "Tour", None, self.show_tour)
        self.add(help_menu, "About DeepScope", None, self.show_about)

    def add(self, menu: QMenu, text: str, keys: str | None, slot: Callable[[], None],
            tip: str = "") -> QAction:
        action = menu.addAction(text)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
        action.setStatusTip(tip)
        action.setToolTip(tip or text)
        action.triggered.connect(slot)
        return action

    def say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)

    def warn(self, title: str, message: str) -> None:
        self.box = error_box(self.window, title, message, icon=QMessageBox.Icon.Warning)

    # --- File ----------------------------------------------------------------------------
    def ask_run_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Open run folder",
                                                  str(self.window.store.root))
        if folder:
            try:
                self.say(self.open_run_folder(Path(folder)))
            except (KeyError, ValueError) as err:  # UnknownRun reads as a sentence
                self.warn("Open run folder", str(err))

    def open_run_folder(self, folder: Path) -> str:
        """Show the run store or the run in `folder` (see OPEN_TIP); returns what was done."""
        folder, root = folder.expanduser().resolve(), self.window.store.root.resolve()
        if folder == root:
            return f"This window shows the run store {root} already."
        if (folder / DB_NAME).is_file():
            return open_store(folder)
        if folder.parent == root:
            return self.select_run(self.window.store.get(folder.name))
        if (folder.parent / DB_NAME).is_file():
            return f"{open_store(folder.parent)} Its run lists hold run {folder.name}."
        raise ValueError(f"{folder} is neither a run store (it holds no {DB_NAME}) nor a run "
                         f"folder in one (a folder beside a {DB_NAME})")

    def select_run(self, run: RunInfo) -> str:
        """Select `run` in the run list of its kind (its curves show) and bring the panel up."""
        for key, panel in self.window.panels.items():
            runs = getattr(panel, "runs", None)
            if isinstance(runs, RunList) and runs.kind == run.kind:
                if runs.item_of(run.id) is None:  # stored by another process meanwhile
                    runs.refresh()
                runs.setCurrentItem(runs.item_of(run.id))
                runs.scrollToItem(runs.currentItem())
                self.window.show_panel(key)
                return f"{run_title(run)} ({run.id}) is selected in the {panel.title} run list."
        raise ValueError(f"no panel lists {run.kind} runs such as {run.id}")

    def ask_panel_export(self, kind: str, suffix: str) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, f"Export panel as {suffix.upper()}",
            f"{self.window.current_key()}.{suffix}", f"{kind} (*.{suffix})")
        if path:
            if not path.lower().endswith(f".{suffix}"):  # the suffix picks the format
                path += f".{suffix}"
            self.write(Path(path), self.window.export_panel)

    def data_export(self) -> DataExport | str:
        """What Export data saves of the current panel, or why it saves nothing."""
        panel = self.window.tabs.currentWidget()
        if not hasattr(panel, "data_export"):
            return f"{panel.title} has no data to export (Export panel saves what it shows)"
        export = panel.data_export()
        return f"{panel.title}: {export}" if isinstance(export, str) else export

    def check_data(self) -> None:
        """As the menu opens: Export data is disabled where the panel has nothing to export,
        its tooltip saying why."""
        export = self.data_export()
        self.data.setEnabled(not isinstance(export, str))
        self.data.setToolTip(export if isinstance(export, str) else DATA_TIP)

    def uncheck_data(self) -> None:
        """The menu closed: its shortcut stays live (data may come), asking again when used."""
        self.data.setEnabled(True)
        self.data.setToolTip(DATA_TIP)

    def ask_data_export(self) -> None:
        export = self.data_export()
        if isinstance(export, str):
            self.say(f"Nothing to export: {export}.")
        elif export.files:
            path, _ = QFileDialog.getSaveFileName(self.window, "Export data", export.name,
                                                  export.files)
            if path:
                self.write(Path(path), export.save)
        elif folder := QFileDialog.getExistingDirectory(self.window,
                                                        f"Export data ({export.name}) into"):
            self.write(Path(folder), export.save)

    def write(self, path: Path, save: Callable[[Path], object]) -> None:
        """Save to `path`; a failure (a folder not writable, a full disk) says so in a dialog."""
        try:
            save(path)
        except (OSError, ValueError) as err:
            reason = getattr(err, "strerror", None) or err  # not "[Errno 13] ..."
            self.warn("Export failed", f"{path} was not saved: {reason}")
            return
        self.say(f"Saved {path}")

    # --- Help ----------------------------------------------------------------------------
    def shortcut_rows(self) -> list[tuple[str, str, str]]:
        """(keys, what, where) of every shortcut: the menus', then the panels' (by the
        whatsThis each QShortcut carries), then the tabs'."""
        text = QKeySequence.SequenceFormat.NativeText
        rows = [(a.shortcut().toString(text), a.text().rstrip("…"),
                 f"{menu.title().replace('&', '')} menu")
                for menu in (m.menu() for m in self.window.menuBar().actions())
                for a in menu.actions() if not a.shortcut().isEmpty()]
        panels: dict[tuple[str, str], list[str]] = {}
        for panel in self.window.panels.values():
            for shortcut in panel.findChildren(QShortcut):
                keys = (shortcut.key().toString(text), shortcut.whatsThis())
                panels.setdefault(keys, []).append(panel.title)
        return [*rows, *((k, what, ", ".join(p)) for (k, what), p in panels.items()), TABS]

    def show_shortcuts(self) -> None:
        cells = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
                        + "</tr>" for row in self.shortcut_rows())
        cells = "<tr><th>Keys</th><th>Does</th><th>Where</th></tr>" + cells
        self.box = error_box(self.window, "Keyboard shortcuts",
                             f"<table cellspacing='6'>{cells}</table>",
                             icon=QMessageBox.Icon.NoIcon)
        self.box.setTextFormat(Qt.TextFormat.RichText)

    def show_tour(self) -> None:
        """How to take the tour; the README's tour section opens in the browser where the
        README is at hand (a source checkout: an installed wheel ships no README)."""
        text = ("deepscope tour --out DIR trains LeNet on digits and the default cGAN offscreen "
                "(about 45 s on 2 cores) and saves a screenshot of the window and of every panel "
                "into DIR.\n\n")
        if not README.is_file():
            text += "The README's section \"A short tour\" walks through every panel."
        else:
            url = QUrl.fromLocalFile(str(README))
            url.setFragment(README_TOUR)
            opened = "is open in your browser" if QDesktopServices.openUrl(url) else "is in"
            text += f"The README's section \"A short tour\" {opened}: {README}"
        self.box = error_box(self.window, "Tour", text, icon=QMessageBox.Icon.Information)

    def show_about(self) -> None:
        self.box = error_box(self.window, "About DeepScope", about_text(self.window.store.root),
                             icon=QMessageBox.Icon.Information)


def about_text(runs: Path) -> str:
    return (f"DeepScope {version('deepscope')}\n\nSee inside deep vision networks: train "
            "classifiers and GANs live, occlude images, walk a GAN's latent space.\n\n"
            f"Runs are stored in {runs} (another folder: deepscope --runs-dir DIR, or "
            "DEEPSCOPE_RUNS_DIR).")


def open_store(root: Path) -> str:
    """A new DeepScope window on the run store `root`: one store per window, as TensorBoard
    serves one log folder per instance."""
    started, _pid = QProcess.startDetached(sys.executable,
                                           ["-m", "deepscope", "--runs-dir", str(root)])
    if not started:
        raise ValueError(f"could not start a DeepScope window on {root}")
    return f"Opening the run store {root} in a new window."
