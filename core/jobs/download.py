"""Streaming downloads with progress, checksum and no half-written files."""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Callable
from pathlib import Path

Progress = Callable[[int, int], None]  # (bytes done, bytes total or 0 when unknown)
CHUNK = 1 << 16


class ChecksumError(OSError):
    """The downloaded bytes do not match the expected MD5."""


def stream(
    url: str, dest: Path, progress: Progress | None = None, md5: str | None = None,
    timeout: float = 60,
) -> None:
    """Download url to dest through a .part file; the progress callback may raise to cancel."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f"{dest.name}.part")
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, part.open("wb") as out:
            total, done = int(response.headers.get("Content-Length") or 0), 0
            while chunk := response.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        if md5 is not None and digest.hexdigest() != md5:
            raise ChecksumError(f"download of {url} is damaged (MD5 mismatch)")
        part.replace(dest)
    finally:
        part.unlink(missing_ok=True)
