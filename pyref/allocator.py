"""Memory for numpy's temporaries: keep freed blocks instead of giving them back.

Training allocates and frees the same large arrays at every step (a layer's
output, ``lr * grad``, a batch cast to float64: hundreds of kilobytes each). glibc's
malloc serves blocks that large with a fresh ``mmap`` and returns them with
``munmap``, or trims its heap once the top is free, so every step page-faults the
memory in again. Raising the two thresholds keeps such blocks for reuse. Nothing
computed changes, only where the memory comes from. (When the Affine layer still
copied its input to float64, the faults were a tenth of a search trial's time here;
since the layers keep fewer temporaries, a search trial's difference is within noise.
The settings stay for larger batches and nets, whose temporaries are larger.)

pyref's commands call :func:`keep_freed_memory` for their own process and pass
:data:`ALLOCATOR_ENV` to the processes they start (search workers, Julia).
"""

from __future__ import annotations

import ctypes
import platform
import sys

#: Blocks up to 32 MiB come from the heap, which is trimmed only past 64 MiB free.
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 64 << 20
#: The same settings for a child process (glibc reads them at start-up).
ALLOCATOR_ENV = {
    "MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD),
    "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD),
}
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)


def keep_freed_memory() -> bool:
    """Set glibc malloc's thresholds in this process; False where there is no glibc."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )


def child_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with ALLOCATOR_ENV added where the user has not set those variables."""
    return {**ALLOCATOR_ENV, **env}
