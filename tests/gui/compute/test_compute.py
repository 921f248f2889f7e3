"""The compute thread shares itself between jobs: a short job runs while a long one goes on."""

import gc
import os
import sys
import threading
import time

import pytest

from tests.gui.conftest import start


def endless(log: list[int], key: int):
    """A long job: a tick every millisecond until cancelled; counts its steps in log[key]."""
    while True:
        time.sleep(0.001)
        log[key] += 1
        yield None


def once(value: str):
    yield value


def test_a_short_job_runs_while_a_long_one_keeps_going(qtbot, compute):
    start(qtbot, compute)
    steps, seen = [0], []
    long_job = compute.submit(lambda: endless(steps, 0))
    qtbot.waitUntil(lambda: steps[0] > 100, timeout=10_000)
    short_job = compute.submit(lambda: once("strip")).on(yielded=seen.append)
    qtbot.waitSignal(short_job.finished, timeout=10_000).wait()
    assert seen == ["strip"] and short_job.outcome == "finished" and long_job.running
    before = steps[0]
    qtbot.waitUntil(lambda: steps[0] > before + 50, timeout=10_000)  # the long job goes on
    with qtbot.waitSignal(long_job.finished, timeout=10_000):
        long_job.cancel()
    assert long_job.outcome == "cancelled"


def test_two_long_jobs_take_turns(qtbot, compute):
    start(qtbot, compute)
    steps = [0, 0]
    jobs = [compute.submit(lambda k=k: endless(steps, k)) for k in (0, 1)]
    qtbot.waitUntil(lambda: min(steps) > 100, timeout=10_000)
    for job in jobs:
        with qtbot.waitSignal(job.finished, timeout=10_000):
            job.cancel()


def test_step_lets_a_paused_job_take_exactly_one_step(qtbot, compute):
    start(qtbot, compute)
    steps = [0]
    job = compute.submit(lambda: endless(steps, 0))
    qtbot.waitUntil(lambda: steps[0] > 10, timeout=10_000)
    job.pause()
    qtbot.wait(100)
    paused_at = steps[0]
    job.step()
    qtbot.waitUntil(lambda: steps[0] == paused_at + 1, timeout=10_000)
    qtbot.wait(200)
    assert steps[0] == paused_at + 1 and job.is_paused()
    job.resume()
    qtbot.waitUntil(lambda: steps[0] > paused_at + 20, timeout=10_000)
    with qtbot.waitSignal(job.finished, timeout=10_000):
        job.cancel()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a nice value per thread")
def test_the_compute_thread_runs_below_the_gui_thread(qtbot, compute):
    niceness: list[int] = []
    start(qtbot, compute)
    compute.submit(lambda: iter([niceness.append(
        os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))]))
    qtbot.waitUntil(lambda: bool(niceness), timeout=5000)
    assert niceness[0] >= os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) + 1


def test_a_sandbox_that_forbids_a_lower_priority_still_gets_torch(qtbot, compute, monkeypatch):
    def forbidden(*_args) -> None:
        raise PermissionError("setpriority: operation not permitted")

    monkeypatch.setattr(os, "setpriority", forbidden)
    start(qtbot, compute)
    assert compute.device_label.startswith("CPU") or "CUDA" in compute.device_label


def test_torch_loads_with_no_garbage_collection_and_leaves_it_on(qtbot, compute):
    walks: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start" and threading.current_thread() is not threading.main_thread():
            walks.append(info["generation"])

    frozen = gc.get_freeze_count()
    gc.callbacks.append(seen)
    try:
        start(qtbot, compute)  # (until torch is loaded and warm)
    finally:
        gc.callbacks.remove(seen)
    assert walks == []  # each collection there held the GIL: the window froze (up to ~260 ms)
    assert gc.isenabled() and gc.get_freeze_count() > frozen  # what loaded is never walked



def failing():
    raise ValueError("steps must be 2..64, got 100")
    yield


def broken():
    return {}["steps"]
    yield


@pytest.mark.parametrize(("job", "said", "bug"), [
    (failing, "steps must be 2..64, got 100", False), (broken, "KeyError: 'steps'", True)])
def test_a_failed_job_says_what_went_wrong_in_words_a_user_reads(qtbot, compute, job, said, bug):
    """Bad input in the app's words alone; a bug with its traceback, one click away."""
    start(qtbot, compute)
    failed = qtbot.waitSignal(compute.submit(job).errored, timeout=10_000)
    failed.wait()
    message, details = failed.args
    assert message == said and ("Traceback" in details) == bug and (details == "") != bug
