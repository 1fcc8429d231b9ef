"""Whether a worker still lives: a worker's id names its machine (host and boot)
and process, so that a trial held by a process of this machine that has ended is
retried at once, without waiting for its heartbeat to go stale."""

from __future__ import annotations

import os
import socket
import uuid


def this_machine() -> str:
    """This machine: host name and boot id, so that a pid is only judged where it lives."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()[:8]
    except OSError:
        boot = "-"
    return f"{socket.gethostname()}/{boot}"


def worker_id() -> str:
    """This process as a worker: machine|pid|random."""
    return f"{this_machine()}|{os.getpid()}|{uuid.uuid4().hex[:8]}"


def local_worker_gone(worker: str | None) -> bool:
    """True when ``worker`` was a process on this machine that no longer runs (so a
    rerun retries a killed worker's trial at once, not after the grace period).
    Workers elsewhere, or unknowable ones, count as alive: their heartbeat decides."""
    parts = (worker or "").split("|")
    if len(parts) != 3 or parts[0] != this_machine() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child its parent has not reaped yet is a zombie: gone as well
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False
