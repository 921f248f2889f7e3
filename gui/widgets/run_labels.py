"""How a stored run is named on screen, in one place: run lists, run and model pickers, and the
legends of overlaid curves."""

from __future__ import annotations

import time

from deepscope.core.runs.store import RunInfo

STATUS_MARK = {"finished": "✓", "running": "…", "stopped": "■", "diverged": "✗",
               "failed": "✗", "interrupted": "!", "early-stopped": "✓"}


def started(run: RunInfo, form: str = "%d %b %H:%M") -> str:
    """When the run was created, in local time (a `time.strftime` format)."""
    return time.strftime(form, time.localtime(run.created))


def setting(run: RunInfo, field: str) -> str:
    """One field of the run's training config ("?" where it has none)."""
    return str(run.config.get("config", {}).get(field, "?"))


def trained(run: RunInfo) -> str:
    """What was trained on what: "lenet on digits"."""
    return f"{setting(run, 'model')} on {setting(run, 'dataset')}"


def run_title(run: RunInfo) -> str:
    """A row of a run list or picker: "✓ 06 Dec 14:38  lenet on digits"."""
    return f"{STATUS_MARK.get(run.status, '?')} {started(run)}  {trained(run)}"


def run_tip(run: RunInfo) -> str:
    """A row's tooltip: the run's id, how it ended and where it lies."""
    return f"run {run.id}\n{run.status}: {run.message}\n{run.dir}"


def model_label(run: RunInfo) -> str:
    """A trained model to choose: "lenet on digits, 14:38"."""
    return f"{trained(run)}, {started(run, '%H:%M')}"


def model_tip(run: RunInfo) -> str:
    return f"{run.id}, {started(run, '%Y-%m-%d %H:%M:%S')}"


def legend_label(run: RunInfo, field: str = "model") -> str:
    """A short legend label, unique per run: a config field (the model, a GAN's loss), the
    start time and the id's tail: "lenet 14:38 ·77a5"."""
    return f"{setting(run, field)} {started(run, '%H:%M')} ·{run.id[-4:]}"
