"""A job's handle fires its signals in order, finished last; slots share the thread as they
say: exclusive refuses a second job, newest-wins delivers only the newest request."""

import threading
import time

import pytest

from deepscope.compute import Exclusive, JobHandle, NewestWins, Side
from tests.gui.conftest import start


def record(handle: JobHandle) -> list:
    """Every signal of the handle, in the order it fires (events as themselves)."""
    log: list = []
    handle.on(started=lambda: log.append("started"), yielded=log.append,
              errored=lambda message, _details: log.append(f"errored: {message}"),
              aborted=lambda: log.append("aborted"), finished=lambda: log.append("finished"))
    return log


def counting(log: list | None = None, event: str = "tick"):
    """A long job: an event every 2 ms until cancelled (counted in `log`)."""
    while True:
        time.sleep(0.002)
        if log is not None:
            log.append(event)
        yield event


def two_then(error: Exception | None):
    yield "a"
    yield "b"
    if error is not None:
        raise error


def wait_finished(qtbot, handle: JobHandle) -> None:
    qtbot.waitUntil(lambda: not handle.running, timeout=10_000)


@pytest.mark.parametrize(("error", "ending", "outcome"), [
    (None, [], "finished"),
    (ValueError("the window does not fit the image"),
     ["errored: the window does not fit the image"], "failed"),
])
def test_events_come_in_the_order_yielded_and_finished_last(qtbot, compute, error, ending,
                                                             outcome):
    start(qtbot, compute)
    handle = compute.submit(lambda: two_then(error))
    log = record(handle)
    wait_finished(qtbot, handle)
    assert log == ["started", "a", "b", *ending, "finished"] and handle.outcome == outcome


def test_a_cancelled_job_fires_aborted_then_finished_and_nothing_after(qtbot, compute):
    start(qtbot, compute)
    handle = compute.submit(counting)
    log = record(handle)
    qtbot.waitUntil(lambda: log.count("tick") > 5, timeout=10_000)
    handle.cancel()
    wait_finished(qtbot, handle)
    qtbot.wait(50)
    assert log[0] == "started" and log[-2:] == ["aborted", "finished"]
    assert set(log[1:-2]) == {"tick"} and handle.outcome == "cancelled"


def test_a_job_cancelled_before_it_started_never_starts_but_finishes(qtbot, compute):
    ran: list[str] = []
    handle = compute.submit(lambda: counting(ran))  # the thread has not started yet
    log = record(handle)
    handle.cancel()
    start(qtbot, compute)
    wait_finished(qtbot, handle)
    assert log == ["aborted", "finished"] and ran == []


def test_handlers_are_named_by_signal(qtbot, compute):
    handle = compute.submit(counting)
    with pytest.raises(TypeError, match="no signal 'returned'"):
        handle.on(returned=print)
    handle.cancel()


def test_signals_fire_on_the_gui_thread(qtbot, compute):
    start(qtbot, compute)
    threads: set[str] = set()
    handle = compute.submit(lambda: two_then(None))
    handle.on(yielded=lambda _: threads.add(threading.current_thread().name),
              finished=lambda: threads.add(threading.current_thread().name))
    wait_finished(qtbot, handle)
    assert threads == {threading.main_thread().name}


def test_exclusive_refuses_a_second_job_while_one_runs(qtbot, compute):
    start(qtbot, compute)
    slot = Exclusive(compute)
    first = slot.submit(counting)
    assert first is not None and slot.busy
    assert slot.submit(lambda: two_then(None)) is None and slot.handle is first
    slot.cancel()
    wait_finished(qtbot, first)
    assert not slot.busy
    seen: list = []
    second = slot.submit(lambda: two_then(None), yielded=seen.append)
    wait_finished(qtbot, second)
    assert seen == ["a", "b"] and slot.handle is None


def test_newest_wins_cancels_the_running_request_and_runs_only_the_newest(qtbot, compute):
    start(qtbot, compute)
    slot, shown, ran = NewestWins(compute), [], []
    ended: list[str] = []
    slot.submit(lambda: counting(event="old"), yielded=shown.append,
                aborted=lambda: ended.append("old aborted"),
                finished=lambda: ended.append("old finished"))
    qtbot.waitUntil(lambda: len(shown) > 5, timeout=10_000)
    old = slot.handle
    burst_at = len(shown)

    def request(k: int):
        ran.append(k)
        yield f"new {k}"

    for k in range(5):  # as a slider moves: each request replaces the one before
        slot.submit(lambda k=k: request(k), yielded=shown.append,
                    finished=lambda k=k: ended.append(f"new {k} finished"))
    assert slot.handle is old  # cancelled and silenced: the newest waits for its end
    qtbot.waitUntil(lambda: not slot.busy, timeout=10_000)
    assert shown[burst_at:] == ["new 4"]  # no late event of the old one, none of 0..3
    assert ran == [4] and ended == ["old aborted", "old finished", "new 4 finished"]


def test_side_jobs_run_beside_each_other(qtbot, compute):
    start(qtbot, compute)
    slot, logs = Side(compute), ([], [])
    handles = [slot.submit(lambda log=log: counting(log)) for log in logs]
    qtbot.waitUntil(lambda: min(map(len, logs)) > 20, timeout=10_000)
    assert slot.busy
    slot.cancel()
    qtbot.waitUntil(lambda: not slot.busy, timeout=10_000)
    assert [h.outcome for h in handles] == ["cancelled", "cancelled"]
