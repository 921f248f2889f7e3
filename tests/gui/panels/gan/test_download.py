"""The GAN form's Download button, as the Training form has it: fetches a torchvision set into
the data root, then Train can start."""

from PySide6.QtCore import Qt

from deepscope.core.runs.store import RunStore
from deepscope.panels.gan.panel import GanPanel
from tests.core.data.test_data import fake_mnist_mirror
from tests.gui.conftest import start


def test_download_fetches_the_gan_dataset_with_progress(qtbot, tmp_path, compute, monkeypatch):
    fake_mnist_mirror(tmp_path, monkeypatch)
    with RunStore(tmp_path / "runs") as store:
        panel = GanPanel(compute, store)
        qtbot.addWidget(panel)
        start(qtbot, compute)
        source = panel.form.source
        assert not source.download_button.isEnabled()  # digits is embedded
        source.field.set("mnist")
        assert source.download_button.isEnabled() and not panel.controls.start_button.isEnabled()
        source.data_root.setText(str(tmp_path / "data"))
        qtbot.mouseClick(source.download_button, Qt.MouseButton.LeftButton)
        assert panel.job is not None
        qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
        assert "8 images ready" in panel.controls.status.text()
        assert panel.controls.start_button.isEnabled() and panel.form.problems.isHidden()
