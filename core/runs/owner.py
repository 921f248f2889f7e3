"""Who writes a run: a process on a host, alive or gone (torch-free).

A run has one writer at a time. The store records the pid and host of the process that created
or last resumed it; another process may take the run over only once that process is gone, which
this machine can tell only of its own processes.
"""

from __future__ import annotations

import os
import socket
import sys


def this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id runs on this machine (a zombie counts as alive)."""
    if pid is None:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_alive(pid: int | None, host: str | None) -> bool:
    """Whether a run's writer may still be at work: a live process here, or one on another
    host (which this machine cannot check)."""
    return host != this_host() or pid_alive(pid)


def _windows_pid_alive(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # access denied: it exists
    code = ctypes.c_ulong()
    ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
    kernel32.CloseHandle(handle)
    return bool(ok) and code.value == 259  # STILL_ACTIVE
