"""Start-up, settings, the binding smoke test, and what the app imports when."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest

from deepscope.app import MainWindow, user_settings
from deepscope.compute import ComputeThread
from deepscope.core.classifier.config import TrainConfig
from deepscope.core.runs.store import RunStore
from tests.gui.conftest import ini_settings


def test_window_opens_before_torch_is_imported():
    code = ("import sys, deepscope.app, deepscope.panels.training.panel; "
            "print('torch' in sys.modules, 'PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.slow  # a fresh Python that imports torch and trains
def test_headless_train_imports_no_qt(tmp_path):
    code = ("import sys; from deepscope.cli import main; "
            f"rc = main(['--runs-dir', r'{tmp_path}', 'train', '--model', 'mlp', '--epochs', "
            "'1', '--json']); print('PySide6' in sys.modules, rc)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "False 0"


@pytest.mark.slow  # 3 s of updates by design
def test_live_plot_survives_rapid_updates(qtbot):
    """Guards the binding: PySide6 6.12.0 + pyqtgraph 0.14.0 crashed here within seconds."""
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.show()
    curve = plot.plot(pen=pg.mkPen("b", width=1))
    data = np.random.default_rng(0).normal(size=5000).cumsum()
    for i in range(150):  # ~3 s at 20 ms
        curve.setData(data[: 100 + 30 * i])
        qtbot.wait(20)
    assert len(curve.getData()[0]) == 100 + 30 * 149


def test_last_choices_and_panel_are_remembered(qtbot, tmp_path):
    first = MainWindow(RunStore(tmp_path), ComputeThread(), ini_settings(tmp_path))
    qtbot.addWidget(first)
    first.panels["training"].form.set_config(TrainConfig(model="mini-vgg", lr=0.01, epochs=7))
    first.show_panel("gan")
    first.close()
    assert ini_settings(tmp_path).value("window/panel") == "gan"
    second = MainWindow(RunStore(tmp_path), ComputeThread(), ini_settings(tmp_path))
    qtbot.addWidget(second)
    config = second.panels["training"].form.config()
    assert (config.model, config.lr, config.epochs) == ("mini-vgg", 0.01, 7)
    assert second.current_key() == "gan"
    second.close()


@pytest.mark.slow  # trains every panel's tour run: ~20 s
def test_tour_saves_a_png_of_every_panel_and_leaves_the_users_settings_alone(qtbot, tmp_path):
    from PySide6.QtGui import QImage

    from deepscope.panels import PANELS
    from deepscope.tour import tour

    mine = user_settings()  # (tests/conftest.py points it into a temporary XDG_CONFIG_HOME)
    mine.setValue("window/panel", "occlusion")
    mine.sync()
    before = Path(mine.fileName()).read_bytes()
    paths = tour(tmp_path / "shots", tmp_path / "runs")
    shots = [f"{e.key}{view}" for e in PANELS for view, _ in e.views or (("", None),)]
    assert "features-maximize" in shots
    assert [p.name for p in paths] == ["window.png", *(f"{s}.png" for s in shots),
                                       *(f"{s}-1024x700.png" for s in shots)]
    for path in paths:
        image = QImage(str(path))
        assert not image.isNull() and image.width() >= 800
    assert QImage(str(paths[-1])).width() < QImage(str(paths[-2 - len(shots)])).width()
    assert Path(mine.fileName()).read_bytes() == before
