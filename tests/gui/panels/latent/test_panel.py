"""The latent space panel driven through its widgets, on tiny stored GAN runs."""

import contextlib
import io
import shutil

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog

from deepscope.cli import main
from deepscope.core.gan.config import GanConfig
from deepscope.core.gan.trainer import train_gan
from deepscope.core.models.gan_spec import GanSpec
from deepscope.core.runs.store import RunStore
from deepscope.panels.latent.form import MODE_LABELS
from deepscope.panels.latent.panel import NO_FRAMES, LatentPanel
from deepscope.widgets.run_picker import NO_RUNS
from tests.factories import stored_gan
from tests.gui.conftest import start

TINY = GanConfig(model="dcgan", epochs=1, width=4, latent_dim=16, image_size=16, batch_size=256,
                 samples_every=10_000)


SPECS = {"dcgan": GanSpec("dcgan", 16, 1, 16, width=4),
         "cgan": GanSpec("cgan", 16, 1, 16, num_classes=10, width=4),
         "small": GanSpec("dcgan", 8, 1, 16, width=4)}


@pytest.fixture(scope="module")
def gan_root(tmp_path_factory):
    """A store with three untrained runs: dcgan (z of 16), cgan (z of 16), dcgan (z of 8)."""
    root = tmp_path_factory.mktemp("gan-runs")
    with RunStore(root) as store:
        ids = {name: stored_gan(store, spec=spec).id for name, spec in SPECS.items()}
    return root, ids


def open_panel(qtbot, compute, root) -> LatentPanel:
    panel = LatentPanel(compute, RunStore(root))
    qtbot.addWidget(panel)
    panel.resize(1300, 800)
    panel.show()
    start(qtbot, compute)
    return panel


@pytest.fixture
def latent(qtbot, gan_root, compute):
    return open_panel(qtbot, compute, gan_root[0])


def choose(qtbot, panel: LatentPanel, run_id: str) -> None:
    """Pick a run and wait for its draws and first frames."""
    panel.picker.select(run_id)
    qtbot.waitUntil(lambda: panel.draws is not None and panel.info is not None
                    and panel.info.run.run_dir.endswith(run_id), timeout=20_000)
    settle(qtbot, panel)


def settle(qtbot, panel: LatentPanel) -> np.ndarray:
    """Wait until the frames on screen are those of the current choices; return them."""
    qtbot.waitUntil(panel.settled, timeout=20_000)
    return panel.sequence.frames.images


def click(qtbot, widget, rect) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=rect.center())


def test_clicked_draws_slerp_slider_play_and_export(qtbot, latent, gan_root, tmp_path,
                                                    monkeypatch):
    choose(qtbot, latent, gan_root[1]["dcgan"])
    assert not latent.form.mode.widget.model().item(3).isEnabled()  # no class path for dcgan
    click(qtbot, latent.grid, latent.grid.cell_rect(3))
    click(qtbot, latent.grid, latent.grid.cell_rect(9))
    latent.form.mode.set(MODE_LABELS["slerp"])
    latent.form.steps.widget.setValue(8)
    frames = settle(qtbot, latent)
    draws = latent.draws
    assert len(frames) == 8 and len(latent.sequence.strip.images) == 8
    assert latent.sequence.frames.request.a.seed == draws.seeds[3]
    assert np.abs(frames[[0, -1]].astype(int) - draws.images[[3, 9]]).max() <= 1
    assert latent.grid.captions[3].startswith("A:") and latent.grid.captions[9].startswith("B:")

    latent.sequence.slider.setValue(5)
    view = latent.sequence.view
    assert view.image is latent.sequence.images[5] and view.caption.startswith("frame 6 of 8")
    assert view.image_rect().width() >= 8 * 16  # 16 px digits drawn at least 8x
    click(qtbot, latent.sequence.strip, latent.sequence.strip.cell_rect(2))
    assert latent.sequence.current() == 2

    latent.sequence.play.click()
    qtbot.waitUntil(lambda: latent.sequence.current() != 2, timeout=5_000)
    latent.sequence.play.click()
    assert not latent.sequence.timer.isActive() and latent.sequence.play.text() == "Play"

    png, gif = tmp_path / "strip.png", tmp_path / "walk.gif"
    answers = iter([(str(png), ""), (str(gif), "")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: next(answers))
    latent.sequence.save_png.click()
    qtbot.waitUntil(lambda: not latent.exports.busy and png.exists(), timeout=10_000)
    latent.sequence.save_gif.click()
    qtbot.waitUntil(lambda: not latent.exports.busy and gif.exists(), timeout=10_000)
    assert Image.open(png).size == (8 * 16, 16)
    # Pillow merges a frame identical to the one before into it, adding up their durations
    changes = 1 + sum(bool((a != b).any()) for a, b in zip(frames[:-1], frames[1:], strict=True))
    with Image.open(gif) as animation:
        assert animation.n_frames == changes
        durations = []
        for i in range(animation.n_frames):
            animation.seek(i)
            durations.append(animation.info["duration"])
    assert sum(durations) == 8 * latent.sequence.frame_ms()
    assert "8 frames" in latent.status.text()


def test_typed_seeds_give_the_strip_of_deepscope_interpolate(qtbot, latent, gan_root,
                                                             tmp_path, monkeypatch):
    choose(qtbot, latent, gan_root[1]["dcgan"])
    latent.form.ends["A"].seed.setValue(5)
    latent.form.ends["B"].seed.setValue(77)
    latent.form.mode.set(MODE_LABELS["lerp"])
    latent.form.steps.widget.setValue(6)
    frames = settle(qtbot, latent)
    cli = tmp_path / "cli.png"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["interpolate", "--run", latent.info.run.run_dir, "--seeds", "5", "77",
                     "--steps", "6", "--mode", "lerp", "--out", str(cli)]) == 0
    strip = np.concatenate(list(frames[:, 0]), axis=-1)
    assert np.abs(np.asarray(Image.open(cli)).astype(int) - strip).max() <= 1


def test_random_walk_and_new_draws(qtbot, latent, gan_root):
    choose(qtbot, latent, gan_root[1]["dcgan"])
    latent.form.mode.set(MODE_LABELS["walk"])
    latent.form.steps.widget.setValue(12)
    first = settle(qtbot, latent)
    assert len(first) == 12 and not latent.form.ends["B"].isEnabled()
    assert latent.form.step_size.widget.isVisible()
    norms = latent.sequence.frames.norms
    assert np.allclose(norms, norms[0], rtol=1e-4)  # a Gaussian walk keeps |z|
    latent.form.new_walk.click()
    assert not np.array_equal(settle(qtbot, latent), first)
    for cell in (2, 5):  # a walk starts from A: every click picks A, and only A is framed
        click(qtbot, latent.grid, latent.grid.cell_rect(cell))
    assert latent.form.ends["A"].seed.value() == latent.draws.seeds[5]
    assert latent.grid.highlight == [i == 5 for i in range(16)]
    assert latent.grid.captions[5].startswith("A: ") and "B" not in "".join(latent.grid.captions)
    seeds = latent.draws.seeds
    latent.new_draws.click()
    qtbot.waitUntil(lambda: latent.draws.seeds != seeds, timeout=10_000)
    assert len(latent.grid.images) == 16


def test_class_interpolation_of_a_cgan_keeps_z(qtbot, latent, gan_root):
    choose(qtbot, latent, gan_root[1]["cgan"])
    assert latent.info.conditional and latent.form.ends["A"].klass.count() == 10
    click(qtbot, latent.grid, latent.grid.cell_rect(1))  # seed of draw 1, class 1
    latent.form.ends["B"].klass.setCurrentIndex(7)
    latent.form.mode.set(MODE_LABELS["class"])
    latent.form.steps.widget.setValue(6)
    frames = settle(qtbot, latent)
    assert len(frames) == 6 and np.ptp(latent.sequence.frames.norms) == 0
    assert np.abs(frames[0].astype(int) - latent.draws.images[1]).max() <= 1
    assert "class 1 → 7" in latent.sequence.view.caption
    assert not latent.form.ends["B"].seed.isEnabled()


def test_gone_checkpoint_and_other_latent_size_then_a_good_run(qtbot, gan_root, compute,
                                                               tmp_path):
    root = tmp_path / "runs"
    shutil.copytree(gan_root[0], root)
    ids = gan_root[1]
    for path in (root / ids["dcgan"]).iterdir():
        path.unlink()  # the checkpoint is gone
    for path in (root / ids["cgan"]).iterdir():  # a z of 8 where the record says 16
        shutil.copy(root / ids["small"] / path.name, path)
    panel = open_panel(qtbot, compute, root)
    for run_id, message in ((ids["dcgan"], "holds no checkpoint"),
                            (ids["cgan"], "latent size 8, not 16")):
        panel.picker.select(run_id)
        qtbot.waitUntil(lambda run_id=run_id: panel.failed is not None
                        and panel.failed.run_dir.endswith(run_id), timeout=10_000)
        assert message in panel.grid.empty_text and message in panel.status.text()
        assert message in panel.error_box.text()
        assert panel.sequence.frames is None and not panel.sequence.save_gif.isEnabled()
    panel.picker.select(ids["dcgan"])  # left before it fails to load: its failure is moot
    choose(qtbot, panel, ids["small"])
    assert len(panel.sequence.frames.images) == panel.form.steps.get()
    assert panel.failed is None and not panel.status.text().startswith("Failed")


def test_empty_store_then_a_run_appears_when_shown(qtbot, compute, tmp_path):
    panel = open_panel(qtbot, compute, tmp_path / "runs")
    assert panel.grid.empty_text == NO_RUNS and not panel.picker.combo.isEnabled()
    assert panel.picker.about.text() == NO_RUNS and panel.sequence.view.empty_text == NO_FRAMES
    run = stored_gan(panel.store, spec=SPECS["dcgan"])
    panel.hide()
    panel.show()
    choose(qtbot, panel, run.id)


def test_settings_round_trip(qtbot, gan_root, compute, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    first = LatentPanel(compute, RunStore(gan_root[0]))
    qtbot.addWidget(first)
    first.form.mode.set(MODE_LABELS["lerp"])
    first.form.steps.set(24)
    first.form.ends["B"].seed.setValue(4242)
    first.sequence.set_fps(24)
    first.picker.select(gan_root[1]["small"])
    first.save_settings(settings)
    second = LatentPanel(compute, RunStore(gan_root[0]))
    qtbot.addWidget(second)
    second.load_settings(settings)
    assert second.form.to_dict() == first.form.to_dict()
    assert second.sequence.frame_ms() == round(1000 / 24)
    assert second.picker.run_id() == gan_root[1]["small"]


def test_a_run_still_training_shows_each_new_epoch(qtbot, compute, tmp_path):
    """The panel learns of the run and its epochs from the run store alone (whoever trains)."""
    panel = open_panel(qtbot, compute, tmp_path)
    config = GanConfig(**(TINY.to_dict() | {"epochs": 8}))
    training = compute.submit(lambda: train_gan(config, panel.store))
    qtbot.waitUntil(lambda: panel.info is not None and panel.draws is not None, timeout=30_000)
    first, seeds = panel.info.epoch, panel.draws.seeds
    qtbot.waitUntil(lambda: panel.info.epoch == 8 and panel.settled(), timeout=60_000)
    assert first < 8 and panel.draws.seeds == seeds, "same seeds, newer generator"
    assert "epoch 8" in panel.picker.about.text() and "from epoch 8" in panel.status.text()
    qtbot.waitUntil(lambda: not training.running, timeout=10_000)
    assert panel.picker.combo.currentText().startswith("✓")  # its end, too


def test_a_run_folder_from_elsewhere_opens(qtbot, gan_root, compute, tmp_path, monkeypatch):
    panel = open_panel(qtbot, compute, tmp_path / "runs")  # an empty store
    folder = tmp_path / "from a colleague"
    shutil.copytree(RunStore(gan_root[0]).get(gan_root[1]["cgan"]).dir, folder)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    panel.picker.open_button.click()
    qtbot.waitUntil(lambda: panel.info is not None and panel.settled(), timeout=20_000)
    assert panel.picker.combo.currentText() == "folder from a colleague"
    assert panel.info.conditional and len(panel.grid.images) == 16
    panel.picker.refresh()  # as showing the panel does: the folder stays offered and chosen
    assert panel.picker.ref().run_dir == str(folder)
