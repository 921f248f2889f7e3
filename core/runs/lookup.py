"""A run named on the command line: a run folder or checkpoint, or a run id in the store."""

from __future__ import annotations

from pathlib import Path

from .store import RunStore, UnknownRun

KIND_NAMES = {"classifier": "classifier", "gan": "GAN"}


def find_run(text: str, runs_dir: Path | None, kind: str) -> Path:
    """The path `text` names (`~` expanded; its loader says if nothing is there), else the
    folder of the run with that id in the store at `runs_dir`, refused unless of `kind`."""
    path = Path(text).expanduser()
    exists = path.exists() or path.with_name(path.name + ".safetensors").exists()
    if exists or len(path.parts) > 1 or path.suffix:
        return path
    with RunStore(runs_dir) as store:
        try:
            run = store.get(text)
        except UnknownRun:
            raise UnknownRun(f"no run {text} in {store.root}, nor a run folder or checkpoint "
                             "of that name here") from None
    if run.kind != kind:
        raise ValueError(f"run {text} is a {KIND_NAMES.get(run.kind, run.kind)} run, not a "
                         f"{KIND_NAMES[kind]} run")
    return run.dir
