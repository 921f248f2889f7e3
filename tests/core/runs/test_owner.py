"""One writer per run: resuming a run that another live process trains is refused, naming that
process; a writer gone from this host is taken over."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from deepscope.core.runs.owner import this_host
from deepscope.core.runs.store import DB_NAME, RunBusy, RunStore
from tests.core.training.test_loop import Config, ToyRun


def give_run_to(store: RunStore, run_id: str, pid: int) -> None:
    """Record `pid` of this host as the run's writer, running it."""
    with sqlite3.connect(store.root / DB_NAME) as conn:
        conn.execute("UPDATE runs SET status = 'running', pid = ?, host = ? WHERE id = ?",
                     (pid, this_host(), run_id))


@pytest.fixture
def other_process():
    """Another live process of this host, ended after the test."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


def test_a_run_another_live_process_trains_is_refused_then_taken_over(tmp_path, other_process):
    store = RunStore(tmp_path)
    run_id = [e for e in ToyRun(Config(epochs=1), store).steps()][-1].run_id
    give_run_to(store, run_id, other_process.pid)
    with pytest.raises(RunBusy, match=f"process {other_process.pid} on {this_host()}"):
        list(ToyRun(Config(epochs=2), store, resume=run_id).steps())
    assert store.get(run_id).status == "running"  # the owner's run is left alone

    other_process.kill()
    other_process.wait()
    done = list(ToyRun(Config(epochs=2), store, resume=run_id).steps())[-1]
    assert done.status == "finished" and store.epochs(run_id)["epoch"].tolist() == [1, 2]


def test_a_claim_records_this_process_and_a_run_on_another_host_is_refused(tmp_path):
    store = RunStore(tmp_path)
    run = store.create_run({}, kind="toy")
    store.set_status(run.id, "stopped")
    store.claim(run.id, "resumed")
    with sqlite3.connect(store.root / DB_NAME) as conn:
        row = conn.execute("SELECT status, message, pid FROM runs WHERE id = ?",
                           (run.id,)).fetchone()
    assert row == ("running", "resumed", os.getpid())
    with pytest.raises(RunBusy, match="process"):  # this process trains it now
        store.claim(run.id, "resumed again")
    with sqlite3.connect(store.root / DB_NAME) as conn:
        conn.execute("UPDATE runs SET pid = 1, host = 'elsewhere' WHERE id = ?", (run.id,))
    with pytest.raises(RunBusy, match="process 1 on elsewhere"):
        store.claim(run.id, "resumed")
