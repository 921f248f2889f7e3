"""PyTorch failing to start shows one dialog, the window's; a later job fails on its own."""

from PySide6.QtWidgets import QMessageBox

from deepscope.app import MainWindow
from deepscope.compute import thread as compute_thread
from deepscope.core.runs.store import RunStore
from tests.gui.conftest import ini_settings, start


def broken_torch():
    raise ImportError("libtorch_cpu.so: cannot open shared object file")


def failing():
    raise ValueError("the image file is empty")
    yield


def test_torch_failing_to_start_shows_one_dialog_and_later_jobs_fail_on_their_own(
        qtbot, tmp_path, compute, monkeypatch):
    monkeypatch.setattr(compute_thread, "warm_up", broken_torch)
    window = MainWindow(RunStore(tmp_path / "runs"), compute, ini_settings(tmp_path))
    qtbot.addWidget(window)
    window.show()
    start(qtbot, compute)  # (the failure comes before `ready`)
    boxes = window.findChildren(QMessageBox)  # the window's and every panel's
    assert len(boxes) == 1 and boxes[0].parent() is window
    assert boxes[0].text() == ("PyTorch could not start: libtorch_cpu.so: cannot open shared "
                               "object file") and "ImportError" in boxes[0].detailedText()
    assert window.device.text() == "device: unavailable"

    job = compute.submit(failing)
    errored = qtbot.waitSignal(job.errored, timeout=10_000)
    errored.wait()
    assert errored.args[0] == "the image file is empty"
    assert len(window.findChildren(QMessageBox)) == 1  # nobody else opened one for it
    window.close()
