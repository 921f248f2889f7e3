"""The Following slot: the running job still shows its result, then only the newest waiting
request runs; cancel silences the running one."""

from __future__ import annotations

import threading

from deepscope.panels.features.live import Following
from tests.gui.conftest import start


def test_the_running_job_shows_and_only_the_newest_request_follows(qtbot, compute):
    start(qtbot, compute)
    slot, shown, gate = Following(compute), [], threading.Event()

    def job(k: int, wait: bool = False):
        if wait:
            gate.wait(10)
        yield k

    slot.follow(lambda: job(0, wait=True), yielded=shown.append)
    for k in (1, 2, 3):  # asked while job 0 runs: 1 and 2 are dropped unseen
        slot.follow(lambda k=k: job(k), yielded=shown.append)
    assert slot.busy
    gate.set()
    qtbot.waitUntil(lambda: not slot.busy, timeout=10_000)
    assert shown == [0, 3]

    gate.clear()
    slot.follow(lambda: job(4, wait=True), yielded=shown.append)
    slot.follow(lambda: job(5), yielded=shown.append)
    slot.cancel()  # a new layer: neither answer is wanted
    gate.set()
    qtbot.waitUntil(lambda: not slot.busy, timeout=10_000)
    assert shown == [0, 3]
