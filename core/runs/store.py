"""Run store: one SQLite database (WAL) plus one folder per run for its checkpoints.

Metrics are stored as chunks, one per group of rows with the same keys per call: a JSON key
list and a float64 blob. Reading 100k steps is a few joins and one numpy view, not 600k rows.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .files import remove_orphans
from .owner import owner_alive, pid_alive, this_host

STATUSES = (
    "running", "finished", "early-stopped", "stopped", "failed", "diverged", "interrupted")
DB_NAME = "runs.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, config TEXT NOT NULL, status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '', created REAL NOT NULL, pid INTEGER, host TEXT);
CREATE TABLE IF NOT EXISTS metrics (
    seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL, scope TEXT NOT NULL,
    keys TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS metrics_run ON metrics (run_id, scope, seq);
"""
_RUN_COLUMNS = "id, kind, config, status, message, created"


def default_runs_dir() -> Path:
    """$DEEPSCOPE_RUNS_DIR, else the platform's user data folder / deepscope / runs."""
    if env := os.environ.get("DEEPSCOPE_RUNS_DIR"):
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else home / ".local" / "share"
    return base / "deepscope" / "runs"


class RunBusy(ValueError):
    """Another live process trains the run: it has one writer at a time."""


@dataclass(frozen=True)
class RunInfo:
    """One run as stored; `created` is Unix time in seconds, `dir` holds its checkpoints."""

    id: str
    kind: str
    config: dict[str, Any]
    status: str
    message: str
    created: float
    dir: Path


class UnknownRun(KeyError):
    """A run id the store does not hold; prints as its message (a KeyError quotes it)."""

    def __str__(self) -> str:
        return str(self.args[0])


class RunStore:
    """Thread-safe run store: written from the compute thread, read from the GUI thread."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_runs_dir()
        if self.root.exists() and not self.root.is_dir():
            raise ValueError(f"the run store {self.root} is a file: give a folder")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:  # a file above it, no permission
            raise ValueError(f"cannot create the run store {self.root}: {err.strerror}") from err
        self._lock = threading.RLock()
        self._subscribers: list[Callable[[str], None]] = []
        self._conn = sqlite3.connect(self.root / DB_NAME, timeout=10, check_same_thread=False)
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            with self._lock, self._conn:
                self._conn.executescript(_SCHEMA)
            self._mark_interrupted()
        except sqlite3.DatabaseError as err:  # "file is not a database"
            self._conn.close()
            raise ValueError(f"{self.root / DB_NAME} is damaged ({err}): move it aside and "
                             "DeepScope starts a new, empty run store") from err
        remove_orphans(self.root)

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def subscribe(self, callback: Callable[[str, bool], None]) -> None:
        """Call `callback(run_id, listing)` after each change to a run: created, status set,
        deleted (`listing`: what a list of runs shows changed), or an epoch logged (not per
        step). It runs on the thread that made the change (a trainer's thread, say), so it must
        be quick and thread-safe: the GUI's queues a signal."""
        self._subscribers.append(callback)

    def _changed(self, run_id: str, listing: bool = True) -> None:
        for callback in self._subscribers:
            callback(run_id, listing)

    def create_run(self, config: Mapping[str, Any], kind: str = "classifier") -> RunInfo:
        """Register a new run with status "running" and create its folder."""
        text = json.dumps(dict(config))
        with self._lock:
            while True:
                now = time.time()
                run_id = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
                run_id += "-" + secrets.token_hex(2)
                try:
                    with self._conn:
                        self._conn.execute(
                            "INSERT INTO runs VALUES (?, ?, ?, 'running', '', ?, ?, ?)",
                            (run_id, kind, text, now, os.getpid(), this_host()))
                    break
                except sqlite3.IntegrityError:  # id taken within the same second: draw again
                    continue
        info = self.get(run_id)
        info.dir.mkdir(parents=True, exist_ok=True)
        self._changed(run_id)
        return info

    def log_steps(self, run_id: str, rows: Sequence[Mapping[str, float]]) -> None:
        """Append step rows (each with a "step" key and metric keys) in one transaction."""
        if any("step" not in row for row in rows):
            raise ValueError("every step row needs a 'step' key")
        self._write(run_id, "step", rows)

    def log_epoch(self, run_id: str, epoch: int, metrics: Mapping[str, float]) -> None:
        """Record the metrics of one epoch."""
        self._write(run_id, "epoch", [{**metrics, "epoch": epoch}])
        self._changed(run_id, listing=False)

    def set_status(self, run_id: str, status: str, message: str = "") -> None:
        """Set a run's status; "running" also makes this process its writer again."""
        if status not in STATUSES:
            raise ValueError(f"unknown run status {status!r}; expected one of {STATUSES}")
        with self._lock, self._conn:
            self._require(run_id)
            self._conn.execute(
                "UPDATE runs SET status = ?, message = ? WHERE id = ?", (status, message, run_id))
            if status == "running":
                self._conn.execute("UPDATE runs SET pid = ?, host = ? WHERE id = ?",
                                   (os.getpid(), this_host(), run_id))
        self._changed(run_id)

    def claim(self, run_id: str, message: str) -> None:
        """Make this process the run's one writer (status running): RunBusy while another live
        process trains it; a writer gone from this host is taken over."""
        with self._lock, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")  # no other process claims between the two
            self._require(run_id)
            status, pid, host = self._conn.execute(
                "SELECT status, pid, host FROM runs WHERE id = ?", (run_id,)).fetchone()
            if status == "running" and owner_alive(pid, host):
                raise RunBusy(f"run {run_id} is being trained by process {pid} on {host}: "
                              "stop it there, or wait until it ends, before continuing it")
            self._conn.execute(
                "UPDATE runs SET status = 'running', message = ?, pid = ?, host = ? WHERE id = ?",
                (message, os.getpid(), this_host(), run_id))
        self._changed(run_id)

    def runs(self, kind: str | None = None) -> list[RunInfo]:
        """All runs (of one kind if given), newest first."""
        self._mark_interrupted()
        where, args = ("WHERE kind = ?", (kind,)) if kind is not None else ("", ())
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs {where} ORDER BY created DESC, rowid DESC",
                args).fetchall()
        return [self._info(row) for row in rows]

    def get(self, run_id: str) -> RunInfo:
        """One run; KeyError if the store has no such id."""
        with self._lock:
            return self._info(self._require(run_id))

    def config_of(self, run_id: str, kind: str) -> dict:
        """The settings a run of `kind` was started with; ValueError for a run of another kind."""
        run = self.get(run_id)
        if run.kind != kind:
            raise ValueError(f"run {run_id} is a {run.kind} run, not a {kind} run")
        return run.config["config"]

    def steps(self, run_id: str) -> dict[str, np.ndarray]:
        """Step metrics as columns sorted by "step"; NaN where a step lacks a metric."""
        return self._read(run_id, "step")

    def epochs(self, run_id: str) -> dict[str, np.ndarray]:
        """Epoch metrics as columns sorted by "epoch"."""
        return self._read(run_id, "epoch")

    def delete(self, run_id: str) -> None:
        """Remove a run: its folder (checkpoints) first, then its rows."""
        with self._lock:
            info = self._info(self._require(run_id))
            if info.dir.exists():
                shutil.rmtree(info.dir)
            with self._conn:
                self._conn.execute("DELETE FROM metrics WHERE run_id = ?", (run_id,))
                self._conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        self._changed(run_id)

    def _require(self, run_id: str) -> tuple:
        row = self._conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise UnknownRun(f"no run {run_id} in {self.root}")
        return row

    def _info(self, row: tuple) -> RunInfo:
        run_id, kind, config, status, message, created = row
        return RunInfo(run_id, kind, json.loads(config), status, message, created,
                       self.root / run_id)

    def _mark_interrupted(self) -> None:
        """Runs left "running" by a dead process of this host become "interrupted"."""
        with self._lock, self._conn:
            rows = self._conn.execute(
                "SELECT id, pid FROM runs WHERE status = 'running' AND host = ?",
                (this_host(),)).fetchall()
            dead = [(run_id,) for run_id, pid in rows if not pid_alive(pid)]
            if dead:
                self._conn.executemany(
                    "UPDATE runs SET status = 'interrupted', "
                    "message = 'the process writing this run ended without finishing it' "
                    "WHERE id = ?", dead)

    def _write(self, run_id: str, scope: str, rows: Sequence[Mapping[str, float]]) -> None:
        chunks: dict[tuple[str, ...], list[list[float]]] = {}
        for row in rows:
            keys = (scope, *sorted(k for k in row if k != scope))
            chunks.setdefault(keys, []).append([float(row[k]) for k in keys])
        with self._lock, self._conn:
            self._require(run_id)
            self._conn.executemany(
                "INSERT INTO metrics (run_id, scope, keys, data) VALUES (?, ?, ?, ?)",
                [(run_id, scope, json.dumps(keys), np.asarray(values, "<f8").tobytes())
                 for keys, values in chunks.items()])

    def _read(self, run_id: str, scope: str) -> dict[str, np.ndarray]:
        with self._lock:
            self._require(run_id)
            chunks = self._conn.execute(
                "SELECT keys, data FROM metrics WHERE run_id = ? AND scope = ? ORDER BY seq",
                (run_id, scope)).fetchall()
        series: dict[str, list[np.ndarray]] = {}
        indices = [np.empty(0)]
        for keys_text, data in _join_runs_of_same_keys(chunks):
            keys = json.loads(keys_text)
            table = np.frombuffer(data, "<f8").reshape(-1, len(keys))
            indices.append(table[:, 0])
            for i, key in enumerate(keys[1:], start=1):
                series.setdefault(key, []).append(table[:, [0, i]])
        index = np.unique(np.concatenate(indices))
        out = {scope: index.astype(np.int64)}
        for key, parts in series.items():
            out[key] = _align(np.concatenate(parts), index)
        return out


def _join_runs_of_same_keys(chunks: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Concatenate consecutive chunks with identical keys (the usual case) into one blob."""
    joined: list[tuple[str, list[bytes]]] = []
    for keys, data in chunks:
        if joined and joined[-1][0] == keys:
            joined[-1][1].append(data)
        else:
            joined.append((keys, [data]))
    return [(keys, b"".join(parts)) for keys, parts in joined]


def _align(pairs: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Values of (step, value) pairs placed on the sorted index; a step's last write wins."""
    steps, first = np.unique(pairs[::-1, 0], return_index=True)
    column = np.full(len(index), np.nan)
    column[np.searchsorted(index, steps)] = pairs[::-1, 1][first]
    return column
