"""File and Help on the real window: open a run folder, export the panel and its data, the
shortcuts, the tour, About. File dialogs are answered by monkeypatch, as a user would."""

import csv
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QProcess, Qt
from PySide6.QtGui import QAction, QDesktopServices, QImage
from PySide6.QtWidgets import QFileDialog

from deepscope.cli import main
from deepscope.core.runs.store import RunStore
from tests.factories import stored_classifier, stored_gan
from tests.gui.panels.occlusion.steps import run

LOSSES = [2.3, 1.7, 1.1, 0.8]


def action(window, text: str) -> QAction:
    """The menu action of this text (a KeyError names what the menus hold)."""
    actions = {a.text(): a for m in window.menuBar().actions() for a in m.menu().actions()}
    return actions[text]


def answer_save(monkeypatch, path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def answer_folder(monkeypatch, path) -> None:
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(path))


def status(window) -> str:
    return window.statusBar().currentMessage()


def test_the_menus_hold_their_actions_and_shortcuts(window):
    menus = {m.text(): [(a.text(), a.shortcut().toString()) for a in m.menu().actions()
                        if not a.isSeparator()] for m in window.menuBar().actions()}
    assert menus == {
        "&File": [("Open run folder…", "Ctrl+O"), ("Export panel as PNG…", "Ctrl+E"),
                  ("Export panel as SVG…", "Ctrl+Shift+E"), ("Export data…", "Ctrl+Shift+S"),
                  ("Quit", "Ctrl+Q")],
        "&Help": [("Keyboard shortcuts", "Ctrl+/"), ("Tour", ""), ("About DeepScope", "")]}
    assert "runs.sqlite" in action(window, "Open run folder…").statusTip()


def test_export_panel_writes_a_png_and_an_svg(window, tmp_path, monkeypatch):
    answer_save(monkeypatch, tmp_path / "panel")  # no suffix typed: the format's is added
    action(window, "Export panel as PNG…").trigger()
    image = QImage(str(tmp_path / "panel.png"))
    assert not image.isNull() and image.width() > 400
    assert status(window) == f"Saved {tmp_path / 'panel.png'}"
    answer_save(monkeypatch, tmp_path / "panel.svg")
    action(window, "Export panel as SVG…").trigger()
    text = (tmp_path / "panel.svg").read_text()
    assert text.startswith("<?xml") and "<svg" in text and "DeepScope Training" in text


def test_an_export_that_cannot_write_says_so(window, tmp_path, monkeypatch):
    answer_save(monkeypatch, tmp_path / "missing" / "panel.png")
    action(window, "Export panel as PNG…").trigger()
    assert window.menus.box.text().startswith(f"{tmp_path / 'missing' / 'panel.png'} was not "
                                              "saved: could not write")


def test_open_run_folder_selects_the_run_and_export_data_writes_its_curves(
        window, tmp_path, monkeypatch):
    store = window.store
    classifier, gan = stored_classifier(store), stored_gan(store)
    store.log_steps(classifier.id, [{"step": i, "loss": v, "acc": 0.5, "lr": 0.1,
                                     "step_time": 0.01} for i, v in enumerate(LOSSES, 1)])
    window.show_panel("latent")
    answer_folder(monkeypatch, gan.dir)
    action(window, "Open run folder…").trigger()
    assert window.current_key() == "gan" and window.panels["gan"].runs.current_id() == gan.id
    assert f"({gan.id}) is selected in the GAN run list" in status(window)

    answer_folder(monkeypatch, classifier.dir)
    action(window, "Open run folder…").trigger()
    training = window.panels["training"]
    assert window.current_key() == "training" and training.runs.current_id() == classifier.id
    answer_save(monkeypatch, tmp_path / "curves.csv")
    action(window, "Export data…").trigger()  # the selected run's curves, as TensorBoard shows
    with open(tmp_path / "curves.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["plot"] == "loss"]
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    assert [float(r["value"]) for r in rows] == LOSSES


def test_open_run_folder_of_another_store_opens_a_window_on_it(window, tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(QProcess, "startDetached", lambda *args: started.append(args) or
                        (True, 1))
    with RunStore(tmp_path / "other") as other:
        run_dir = stored_classifier(other).dir
    for folder in (tmp_path / "other", run_dir):
        answer_folder(monkeypatch, folder)
        action(window, "Open run folder…").trigger()
        assert status(window).startswith(f"Opening the run store {tmp_path / 'other'} in a new "
                                         "window.")
    command = [sys.executable, ["-m", "deepscope", "--runs-dir", str(tmp_path / "other")]]
    assert [list(a) for a in started] == [command, command]
    assert window.current_key() == "training"  # this window stays as it was


@pytest.mark.parametrize(("folder", "why"), [
    ("plain", "{folder} is neither a run store (it holds no runs.sqlite) nor a run folder in one "
              "(a folder beside a runs.sqlite)"),
    ("runs/no-such-run", "no run no-such-run in {folder.parent}")])  # in the window's store
def test_open_run_folder_refuses_a_folder_without_a_run_in_words(window, tmp_path, monkeypatch,
                                                                 folder, why):
    (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    answer_folder(monkeypatch, tmp_path / folder)
    action(window, "Open run folder…").trigger()
    assert window.menus.box.text() == why.format(folder=tmp_path / folder)


def test_export_data_is_disabled_where_a_panel_has_nothing_and_says_why(window):
    file = window.menuBar().actions()[0].menu()
    data = action(window, "Export data…")
    for key, why in (("latent", "Latent space has no data to export"),
                     ("training", "Training: no curves yet: train a run, or select")):
        window.show_panel(key)
        file.popup(QPoint(0, 0))
        assert not data.isEnabled() and data.toolTip().startswith(why)
        file.hide()
        assert data.isEnabled()  # its shortcut asks again when used: data may have come
        data.trigger()
        assert status(window).startswith(f"Nothing to export: {why}")


def test_export_data_saves_the_occlusion_maps_as_npy(qtbot, window, tmp_path, monkeypatch):
    stored_classifier(window.store)
    occlusion = window.show_panel("occlusion")
    qtbot.waitUntil(lambda: occlusion.run_button.isEnabled(), timeout=30_000)
    run(qtbot, occlusion)
    answer_folder(monkeypatch, tmp_path / "maps")
    action(window, "Export data…").trigger()
    assert status(window) == f"Saved {tmp_path / 'maps'}"
    for name in ("probability", "drop", "top_class", "pixel"):
        saved = np.load(tmp_path / "maps" / f"{name}.npy")
        assert np.array_equal(saved, getattr(occlusion.view.maps, name), equal_nan=True)


def test_shortcuts_dialog_lists_the_menus_and_the_panels_shortcuts(qtbot, window):
    action(window, "Keyboard shortcuts").trigger()
    text = window.menus.box.text()
    for row in (("Ctrl+Return", "Train", "Training, GAN"), ("Ctrl+P", "Pause or resume"),
                ("Ctrl+Shift+P", "One more step while paused"), ("Ctrl+.", "Stop"),
                ("Ctrl+O", "Open run folder"), ("Ctrl+E", "Export panel as PNG"),
                ("Ctrl+Q", "Quit", "File menu"), ("Ctrl+/", "Keyboard shortcuts", "Help menu")):
        assert "".join(f"<td>{cell}</td>" for cell in row) in text
    assert "Ctrl+Tab, Ctrl+Shift+Tab" in text
    qtbot.keyClick(window.tabs, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.current_key() == "occlusion"  # as the dialog says: Ctrl+Tab, next panel


def test_tour_tells_the_command_and_opens_the_readmes_tour(window, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    action(window, "Tour").trigger()
    (url,) = opened
    readme = url.toLocalFile()
    assert url.fragment() == "a-short-tour"
    assert "\n## A short tour\n" in Path(readme).read_text()
    text = window.menus.box.text()
    assert text.startswith("deepscope tour --out DIR") and f"is open in your browser: {readme}" \
        in text


def test_about_names_the_version_that_deepscope_version_prints(window, capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    name, number = capsys.readouterr().out.split()
    assert name == "deepscope"
    action(window, "About DeepScope").trigger()
    text = window.menus.box.text()
    assert text.startswith(f"DeepScope {number}\n") and str(window.store.root) in text
