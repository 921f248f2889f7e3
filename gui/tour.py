"""`deepscope tour`: train the default model briefly offscreen and save a PNG of every panel."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from deepscope.core.classifier.config import TrainConfig
from deepscope.core.gan.config import GanConfig

TOUR_CONFIG = TrainConfig(dataset="digits", model="lenet", epochs=3)
GAN_TOUR_CONFIG = GanConfig(epochs=6, samples_every=28)  # the default cGAN, a grid an epoch


def wait_for(app, condition, timeout_s: float = 300.0) -> None:
    """Process events until condition() holds (raises TimeoutError after timeout_s)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the tour's training run did not finish in time")
        app.processEvents()
        time.sleep(0.01)


def show_occlusion(app, occlusion) -> None:
    """The occlusion panel on a test digit: the pixel map, probed where occluding hurts most."""
    occlusion.refresh_runs()
    occlusion.source.browser.index.setValue(10)
    occlusion.view.map_choice.setCurrentText("pixel attribution")
    occlusion.start()
    wait_for(app, lambda: occlusion.job is None)
    drop = occlusion.view.maps.drop
    occlusion.probe_at(*divmod(int(drop.argmax()), drop.shape[1]))
    wait_for(app, lambda: occlusion.probe is None)


def show_gan(app, panel) -> None:
    """The GAN panel after a short default cGAN on digits, judged by the newest digits
    classifier when there is one, with its curves drawn and the last sample grid on screen."""
    panel.scores.set_dataset(GAN_TOUR_CONFIG.dataset)
    if panel.scores.judge.count() > 1:
        panel.scores.judge.setCurrentIndex(1)  # newest first
    panel.form.set_config(replace(GAN_TOUR_CONFIG, classifier=panel.scores.judge_path()))
    panel.start_training()
    wait_for(app, lambda: panel.job is None)
    app.processEvents()
    panel.board.redraw_all()


def show_latent(app, latent) -> None:
    """The newest GAN run, draws 1 and 6 as A and B, a 16-frame slerp, its middle frame large
    (or the empty state when there is no GAN run)."""
    from .panels.latent.form import ENDS, MODE_LABELS

    latent.refresh_runs()
    if latent.picker.run_id() is None:
        return
    wait_for(app, lambda: latent.draws is not None or latent.failed is not None)
    if latent.draws is None:
        return
    latent.form.mode.set(MODE_LABELS["slerp"])
    latent.form.steps.set(16)
    latent.next_end = ENDS[0]
    latent.pick(1)
    latent.pick(6)
    wait_for(app, latent.settled)
    latent.sequence.slider.setValue(8)


def tour(out: Path, runs_dir: Path | None = None) -> list[Path]:
    """Screenshots of the window and each panel (named by its key in PANELS) after a short
    training run. The tour keeps its settings in a temporary file: the user's stay as they
    were."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from .app import make_app, make_window

    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "tour.ini"), QSettings.Format.IniFormat)
        window = make_window(runs_dir or Path(tmp), settings)
        window.resize(1500, 900)
        panel = window.show_panel("training")
        wait_for(app, lambda: bool(window.compute.device_label))
        panel.form.set_config(TOUR_CONFIG)
        panel.start_training()
        wait_for(app, lambda: panel.job is None)
        app.processEvents()
        panel.board.redraw_all()
        panel.predictions.flush()
        show_occlusion(app, window.show_panel("occlusion"))
        show_gan(app, window.show_panel("gan"))
        show_latent(app, window.show_panel("latent"))
        window.show_panel("training")
        paths = [out / "window.png"]
        window.grab().save(str(paths[0]))
        for key in window.panels:
            window.show_panel(key)
            app.processEvents()
            paths.append(window.export_panel(out / f"{key}.png"))
        window.close()
    return paths
