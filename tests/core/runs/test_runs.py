"""Run store (SQLite) and checkpoints (safetensors + JSON sidecar)."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.checkpoint import (
    CheckpointError,
    checkpoint_path,
    latest_checkpoint,
    load_checkpoint,
    load_model,
    load_optimizer_state,
    save_checkpoint,
)
from deepscope.core.runs.store import RunStore, default_runs_dir
from tests.factories import LENET, save_classifier

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def store(tmp_path: Path):
    with RunStore(tmp_path / "runs") as s:
        yield s


def _model(spec: ModelSpec = LENET, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return build_model(spec).eval()


def _probe(spec: ModelSpec = LENET) -> torch.Tensor:
    return torch.randn(4, spec.in_channels, spec.image_size, spec.image_size,
                       generator=torch.Generator().manual_seed(1))


# --- store ---------------------------------------------------------------------------------


def test_round_trip(store: RunStore) -> None:
    run = store.create_run({"model": "lenet", "lr": 0.1})
    assert run.status == "running" and run.kind == "classifier" and run.dir.is_dir()
    assert run.dir.parent == store.root and (store.root / "runs.sqlite").exists()
    store.log_steps(run.id, [{"step": s, "loss": 1 / (s + 1), "acc": s / 10} for s in range(5)])
    store.log_epoch(run.id, 1, {"val_loss": 0.5, "val_acc": 0.9})
    got = store.get(run.id)
    assert got == run and got.config == {"model": "lenet", "lr": 0.1}
    steps = store.steps(run.id)
    assert steps["step"].dtype == np.int64 and steps["step"].tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(steps["loss"], [1 / (s + 1) for s in range(5)])
    epochs = store.epochs(run.id)
    assert epochs["epoch"].tolist() == [1] and epochs["val_acc"].tolist() == [0.9]


def test_steps_sorted_merged_and_nan(store: RunStore) -> None:
    run = store.create_run({})
    store.log_steps(run.id, [{"step": 5, "loss": 5.0}, {"step": 3, "loss": 3.0}])
    store.log_steps(run.id, [{"step": 4, "loss": 4.0, "lr": 0.1}, {"step": 1, "loss": 1.0}])
    store.log_steps(run.id, [{"step": 3, "loss": 30.0}, {"step": 6, "loss": float("nan")}])
    steps = store.steps(run.id)
    assert steps["step"].tolist() == [1, 3, 4, 5, 6]
    np.testing.assert_array_equal(steps["loss"], [1.0, 30.0, 4.0, 5.0, np.nan])
    np.testing.assert_array_equal(steps["lr"], [np.nan, np.nan, 0.1, np.nan, np.nan])
    empty = store.steps(store.create_run({}).id)
    assert list(empty) == ["step"] and empty["step"].size == 0


def test_many_steps_round_trip(store: RunStore) -> None:
    run = store.create_run({})
    keys = ("loss", "acc", "lr", "grad_norm", "step_time", "images_per_s")
    for start in range(0, 100_000, 500):
        store.log_steps(run.id, [{"step": s, **dict.fromkeys(keys, s * 0.5)}
                                 for s in range(start, start + 500)])
    steps = store.steps(run.id)
    assert len(steps["step"]) == 100_000 and steps["acc"][-1] == 99_999 * 0.5


def test_newest_first_kind_and_status(store: RunStore) -> None:
    a = store.create_run({"n": 1})
    b = store.create_run({"n": 2}, kind="gan")
    c = store.create_run({"n": 3})
    assert [r.id for r in store.runs()] == [c.id, b.id, a.id]
    assert [r.id for r in store.runs("classifier")] == [c.id, a.id]
    store.set_status(a.id, "diverged", "loss is NaN at step 12")
    got = store.get(a.id)
    assert (got.status, got.message) == ("diverged", "loss is NaN at step 12")
    with pytest.raises(ValueError, match="unknown run status"):
        store.set_status(a.id, "exploded")
    gan = store.create_run({"config": {"loss": "ns"}}, kind="gan")
    assert store.config_of(gan.id, "gan") == {"loss": "ns"}
    with pytest.raises(ValueError, match="is a gan run, not a classifier run"):
        store.config_of(gan.id, "classifier")  # e.g. train --resume given a GAN run
    store.delete(gan.id)
    store.delete(b.id)
    assert not b.dir.exists() and [r.id for r in store.runs()] == [c.id, a.id]


def test_read_from_another_thread(store: RunStore) -> None:
    run = store.create_run({})
    with ThreadPoolExecutor(1) as pool:
        pool.submit(store.log_steps, run.id, [{"step": 0, "loss": 1.0}]).result()
        assert pool.submit(store.steps, run.id).result()["loss"].tolist() == [1.0]


def test_unknown_id(store: RunStore) -> None:
    for call in (store.get, store.steps, store.epochs, store.delete):
        with pytest.raises(KeyError, match="no run nope in "):
            call("nope")
    with pytest.raises(KeyError, match="no run"):
        store.log_steps("nope", [{"step": 0, "loss": 1.0}])


def test_dead_writer_marked_interrupted(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    code = ("import sys; from deepscope.core.runs.store import RunStore; "
            "print(RunStore(sys.argv[1]).create_run({}).id)")
    out = subprocess.run([sys.executable, "-c", code, str(root)], cwd=REPO, check=True,
                         capture_output=True, text=True, env=_child_env()).stdout
    with RunStore(root) as store:
        run = store.get(out.strip())
        assert run.status == "interrupted" and "ended" in run.message
        mine = store.create_run({})
    with RunStore(root) as store:
        assert store.get(mine.id).status == "running"


def test_runs_dir_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSCOPE_RUNS_DIR", str(tmp_path / "elsewhere"))
    assert default_runs_dir() == tmp_path / "elsewhere"
    with RunStore() as store:
        assert store.create_run({}).dir.parent == tmp_path / "elsewhere"
    monkeypatch.delenv("DEEPSCOPE_RUNS_DIR")
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
        assert default_runs_dir() == tmp_path / "xdg" / "deepscope" / "runs"


# --- checkpoints ---------------------------------------------------------------------------


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    model, x = _model(), _probe()
    written = save_checkpoint(tmp_path / "best", model, LENET, {"epoch": 3, "acc": np.float32(0.5)})
    assert written == tmp_path / "best.safetensors"
    sidecar = json.loads((tmp_path / "best.json").read_text())
    assert sidecar["format"] == "deepscope-checkpoint" and sidecar["version"] == 1
    assert sidecar["model"]["name"] == "lenet" and sidecar["meta"] == {"epoch": 3, "acc": 0.5}
    for name in ("best", "best.json", "best.safetensors"):
        state, spec, meta = load_checkpoint(tmp_path / name)
        assert spec == LENET and meta["epoch"] == 3 and state.keys() == model.state_dict().keys()
    reloaded = load_model(written)
    assert not reloaded.training
    with torch.no_grad():
        torch.testing.assert_close(reloaded(x), model(x), rtol=0, atol=0)
    assert not list(tmp_path.glob("*.tmp"))


def test_optimizer_state_round_trip(tmp_path: Path) -> None:
    model = _model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(_probe()).sum().backward()
    opt.step()
    path = save_checkpoint(tmp_path / "epoch-0001", model, LENET, optimizer_state=opt.state_dict())
    state = load_optimizer_state(path)
    assert state["param_groups"] == opt.state_dict()["param_groups"]
    fresh = torch.optim.Adam(_model().parameters(), lr=1e-3)
    fresh.load_state_dict(state)
    torch.testing.assert_close(fresh.state_dict()["state"], opt.state_dict()["state"])
    save_checkpoint(path, model, LENET)
    assert load_optimizer_state(path) is None


def test_load_model_from_run_folder(tmp_path: Path) -> None:
    x = _probe()
    assert latest_checkpoint(tmp_path) is None
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_model(tmp_path)
    save_classifier(tmp_path, 2, seed=1)
    best = save_classifier(tmp_path, "best", seed=1)
    later = save_classifier(tmp_path, 10, seed=2)
    assert latest_checkpoint(tmp_path) == tmp_path / "epoch-0010.safetensors"
    with torch.no_grad():
        torch.testing.assert_close(load_model(tmp_path)(x), best(x))
        (tmp_path / "best.safetensors").unlink()
        torch.testing.assert_close(load_model(tmp_path)(x), later(x))


class _Evil:
    """Unpickling this runs code that creates a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({str(self.marker)!r}, 'w').close()",)


@pytest.mark.parametrize("suffix", [".pt", ".pkl"])
def test_code_running_pickle_refused(tmp_path: Path, suffix: str) -> None:
    marker, path = tmp_path / "pwned", tmp_path / f"evil{suffix}"
    if suffix == ".pt":
        torch.save({"weight": _Evil(marker)}, path)
    else:
        path.write_bytes(pickle.dumps(_Evil(marker), protocol=2))
    (tmp_path / "evil.json").write_text(json.dumps(
        {"format": "deepscope-checkpoint", "version": 1, "model": {"name": "lenet",
         "in_channels": 1, "image_size": 28, "num_classes": 10}, "meta": {}}))
    for call in (load_checkpoint, load_model):
        with pytest.raises(CheckpointError, match="is a pickle, which can run code"):
            call(path)
    assert not marker.exists()


def test_plain_state_dict_pt_loads_with_sidecar(tmp_path: Path) -> None:
    model = _model()
    save_checkpoint(tmp_path / "net", model, LENET)
    torch.save({"state_dict": model.state_dict()}, tmp_path / "net.pt")
    (tmp_path / "net.safetensors").unlink()
    x = _probe()
    with torch.no_grad():
        torch.testing.assert_close(load_model(tmp_path / "net.pt")(x), model(x))


def test_truncated_and_missing_files(tmp_path: Path) -> None:
    save_classifier(tmp_path)
    path = checkpoint_path(tmp_path, "best")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="best.safetensors is corrupt or truncated"):
        load_model(path)
    path.write_bytes(data)
    (tmp_path / "best.json").unlink()
    with pytest.raises(CheckpointError, match="missing JSON sidecar .*best.json"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="missing weights file"):
        load_checkpoint(tmp_path / "nothing")


def test_wrong_architecture_names_keys(tmp_path: Path) -> None:
    save_classifier(tmp_path)
    path = checkpoint_path(tmp_path, "best")
    sidecar = tmp_path / "best.json"
    data = json.loads(sidecar.read_text())
    data["model"]["name"] = "mlp"
    sidecar.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match="does not fit mlp") as err:
        load_model(path)
    message = str(err.value)
    assert "unexpected keys (" in message and "mismatched shapes (" in message
    assert "classifier.fc1.fc.weight" in message
    data["model"] = {**data["model"], "name": "lenet", "num_classes": 7}
    sidecar.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=r"mismatched shapes .*\(10, .*vs model \(7,"):
        load_model(path)


# --- a writer killed mid-run ---------------------------------------------------------------

_WRITER = """
import sys
from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.checkpoint import checkpoint_path, save_checkpoint
from deepscope.core.runs.store import RunStore

spec = ModelSpec("lenet", 1, 28, 10)
model = build_model(spec)
store = RunStore(sys.argv[1])
run = store.create_run({"model": "lenet"})
print(run.id, flush=True)
step = 0
while True:
    store.log_steps(run.id, [{"step": step + i, "loss": 1.0 / (step + i + 1)} for i in range(20)])
    step += 20
    save_checkpoint(checkpoint_path(run.dir, step // 20), model, spec, {"step": step})
"""


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get(
        "PYTHONPATH", "")])}


@pytest.mark.slow  # a fresh Python that imports torch
def test_sigkill_leaves_store_readable(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(root)], cwd=REPO,
                            env=_child_env(), stdout=subprocess.PIPE, text=True)
    try:
        run_dir = root / proc.stdout.readline().strip()
        deadline = time.monotonic() + 30
        while len(list(run_dir.glob("epoch-*.json"))) < 3 and time.monotonic() < deadline:
            assert proc.poll() is None, "writer died on its own"
            time.sleep(0.05)
    finally:
        proc.kill()  # SIGKILL
        proc.wait()
        proc.stdout.close()
    with RunStore(root) as store:
        run = store.get(run_dir.name)
        assert run.status == "interrupted"
        steps = store.steps(run.id)
        assert len(steps["step"]) >= 40 and np.all(np.diff(steps["step"]) == 1)
    latest = latest_checkpoint(run_dir)
    assert latest is not None
    assert not load_model(latest).training and not load_model(run_dir).training
