"""Start-up, settings, the binding smoke test, and what the app imports when."""

import subprocess
import sys

import numpy as np
import pyqtgraph as pg

from deepscope.app import MainWindow, settings
from deepscope.compute import ComputeThread
from deepscope.core.classifier.config import TrainConfig


def test_window_opens_before_torch_is_imported():
    code = ("import sys, deepscope.app, deepscope.panels.training.panel; "
            "print('torch' in sys.modules, 'PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_headless_train_imports_no_qt(tmp_path):
    code = ("import sys; from gui.cli import main; "
            f"rc = main(['--runs-dir', r'{tmp_path}', 'train', '--model', 'mlp', '--epochs', "
            "'1', '--json']); print('PySide6' in sys.modules, rc)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "False 0"


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


def test_last_choices_are_remembered(qtbot, tmp_path):
    from deepscope.core.runs.store import RunStore

    first = MainWindow(RunStore(tmp_path), ComputeThread())
    qtbot.addWidget(first)
    first.panels[0].form.set_config(TrainConfig(model="mini-vgg", lr=0.01, epochs=7))
    first.close()
    assert settings().value("training/config")
    second = MainWindow(RunStore(tmp_path), ComputeThread())
    qtbot.addWidget(second)
    config = second.panels[0].form.config()
    assert (config.model, config.lr, config.epochs) == ("mini-vgg", 0.01, 7)
    second.close()


def test_tour_saves_a_png_of_the_window_and_every_panel(qtbot, tmp_path):
    from PySide6.QtGui import QImage

    from deepscope.tour import tour

    paths = tour(tmp_path / "shots", tmp_path / "runs")
    assert [p.name for p in paths] == ["window.png", "training.png", "occlusion.png", "gan.png",
                                    "latent-space.png"]
    for path in paths:
        image = QImage(str(path))
        assert not image.isNull() and image.width() >= 800
