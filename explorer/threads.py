"""CPU threads: how many this process may use, and torch's thread count for one thread only.

``torch.set_num_threads`` is process-wide: it changes a global that every thread started later
reads, so a training that set it to 1 would leave another visitor's transformer pass on one
thread. ``torch_threads(n)`` instead sets the OpenMP and MKL thread counts of the calling thread
alone (both runtimes keep them per thread), and puts them back on exit.

Example:
    >>> from explorer.threads import available_cores, torch_threads
    >>> available_cores() >= 1
    True
    >>> import torch
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import torch


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask), at least 1.

    A container limited to two cores of a large host reports two here, where ``os.cpu_count``
    would report the host's count.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def _symbol(library: Path | None, name: str) -> Callable[..., int] | None:
    if library is None or not library.exists():
        return None
    try:
        # RTLD_NOLOAD: only a library torch already loaded, never a second copy
        return getattr(ctypes.CDLL(str(library), mode=os.RTLD_NOLOAD | os.RTLD_LAZY), name)
    except (OSError, AttributeError):
        return None


@functools.cache
def _per_thread_setters() -> tuple[Callable[..., int] | None, Callable[..., int] | None, Callable[..., int] | None]:
    """(omp_set_num_threads, omp_get_max_threads, mkl_set_num_threads_local) of torch's own runtimes.

    They are looked up in the libraries torch loaded (its bundled libgomp and libtorch_cpu, which
    carries MKL); opening a loaded library again returns the same handle.
    """
    lib_dir = Path(torch.__file__).resolve().parent / "lib"
    gomp = next(iter(sorted(lib_dir.glob("libgomp*.so*"))), None)
    cpu = lib_dir / "libtorch_cpu.so"
    omp_set = _symbol(gomp, "omp_set_num_threads")
    omp_get = _symbol(gomp, "omp_get_max_threads")
    # MKL's C entry point (mkl.h maps mkl_set_num_threads_local to it; the lower-case symbol
    # exported beside it is the Fortran one, which takes a pointer)
    mkl_local = _symbol(cpu, "MKL_Set_Num_Threads_Local")
    if omp_get is not None:
        omp_get.restype = ctypes.c_int
    if mkl_local is not None:
        mkl_local.restype = ctypes.c_int
    return omp_set, omp_get, mkl_local


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run torch's CPU kernels on ``n`` threads inside the block, in the calling thread only.

    ``None`` leaves the count as it is. Where torch's runtimes cannot be reached (a build
    without a bundled libgomp), the count is left alone rather than changed process-wide.
    """
    if n is None:
        yield
        return
    # torch sets each thread's count from the global on the thread's first parallel call; make
    # that happen now, or it would overwrite the count set below
    current = torch.get_num_threads()
    omp_set, omp_get, mkl_local = _per_thread_setters()
    if omp_set is None or omp_get is None or current == n:
        yield
        return
    omp_set(int(n))
    previous_mkl = mkl_local(int(n)) if mkl_local is not None else None
    try:
        yield
    finally:
        omp_set(int(current))
        if mkl_local is not None:
            mkl_local(int(previous_mkl or 0))
