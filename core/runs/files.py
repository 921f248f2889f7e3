"""A run folder's files: written whole or not at all, orphans of killed writers removed, and
the room a run takes on disk (torch-free: the store and the run list use it).

A file is written under a temporary name that carries the writer's pid (`temp_name`) and moved
into place. A writer killed before the move leaves that temporary file behind; the store
removes such orphans when it opens, unless their writer still runs.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

from .owner import pid_alive

_TEMP = re.compile(r"^\..+\.(\d+)-[0-9a-f]+\.tmp$")


def temp_name(final: Path) -> Path:
    """A hidden name beside `final` that no other writer uses: `.<name>.<pid>-<hex>.tmp`."""
    return final.with_name(f".{final.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def write_atomic(final: Path, write: Callable[[Path], None]) -> None:
    """Write through `write(temp_name)` in the same folder, then move into place.

    os.replace is atomic, so a killed process never leaves a partial file under the final name.
    No fsync: it cost more than a training epoch on digits, and guards only against power loss.
    """
    tmp = temp_name(final)
    try:
        write(tmp)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_orphans(root: Path) -> list[Path]:
    """Remove the temporary files under `root` whose writer is gone; the removed paths."""
    removed = []
    for path in Path(root).rglob(".*.tmp"):
        found = _TEMP.match(path.name)
        if found and not pid_alive(int(found.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def has_weights(run_dir: Path) -> bool:
    """Whether a run folder holds a model checkpoint yet (a run saves one per epoch)."""
    return any(not p.name.endswith(".optim.safetensors")
               for p in Path(run_dir).glob("*.safetensors"))


def can_resume(run_dir: Path) -> bool:
    """Whether a run folder holds a checkpoint saved with its training state (what resume
    needs: `<name>.optim.safetensors` beside the weights, see runs.checkpoint)."""
    return any(Path(run_dir).glob("*.optim.safetensors"))


def disk_bytes(path: Path) -> int:
    """Bytes the files under `path` take (0 if it does not exist): a run list row's tooltip
    asks for each run, so one scandir per folder, no Path objects."""
    try:
        entries = list(os.scandir(path))
    except (FileNotFoundError, NotADirectoryError):
        return 0
    return sum(disk_bytes(e.path) if e.is_dir(follow_symlinks=False)
               else e.stat(follow_symlinks=False).st_size for e in entries)


def size_text(size: int) -> str:
    """Bytes as a person reads them: "812 bytes", "3.4 MB", "2.7 GB"."""
    value, unit = float(size), "bytes"
    for bigger in ("kB", "MB", "GB", "TB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
