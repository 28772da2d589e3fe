"""The map job's exact neighbour search as Ray tasks (``--address``): one task per block of rows.

The unit vectors go into Ray's object store once (``ray.put``); each task runs
``explorer.map.neighbors.exact_block`` on its rows against all of them and returns (indices,
cosines), which the driver gathers in the order they finish, reporting progress. The layout,
clusters and files then run where the command runs. Ray is reached through the index job's
``RaySession`` (a cluster at ``--address``, ``explorer/`` shipped to its workers; or a local Ray
with ``--address local``) and imported only inside these functions.

Example:
    >>> from explorer.map.ray_engine import block_starts
    >>> block_starts(10, 4)
    [0, 3, 6, 9]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

LOCAL = "local"  # --address local: start a Ray on this machine for the job
TASKS_PER_CPU = 2  # blocks per CPU of the cluster, so a slow node does not hold up the end
MIN_TASKS = 4


def block_starts(n: int, blocks: int) -> list[int]:
    """First rows of about ``blocks`` equal blocks of ``n`` rows."""
    step = max(1, math.ceil(n / max(1, blocks)))
    return list(range(0, n, step))


def _block(unit: np.ndarray, start: int, stop: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    from explorer.map.neighbors import exact_block

    return exact_block(unit, start, stop, k)


def ray_exact_neighbors(
    unit: np.ndarray, k: int, address: str, progress: Any = None
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Exact neighbours of every row of ``unit`` computed by Ray tasks: (indices, cosines, what ran where).

    ``address``: a Ray cluster address, or ``"local"``. Raises ``IndexBuildError`` (an
    ``ExplorerError``) when Ray cannot be started or reached.
    """
    import ray

    from explorer.index.ray_engine import RaySession

    n = len(unit)
    session = RaySession(None if address == LOCAL else address)
    try:
        cpus = session.resources()["CPU"]
        starts = block_starts(n, max(MIN_TASKS, int(TASKS_PER_CPU * cpus)))
        stops = [*starts[1:], n]
        matrix = ray.put(np.ascontiguousarray(unit, dtype=np.float32))
        task = ray.remote(num_cpus=1)(_block)
        pending = {task.remote(matrix, a, b, k): (a, b) for a, b in zip(starts, stops, strict=True)}
        indices = np.empty((n, k), dtype=np.int64)
        cosines = np.empty((n, k), dtype=np.float32)
        done = 0
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                a, b = pending.pop(ref)
                indices[a:b], cosines[a:b] = ray.get(ref)
                done += b - a
                if progress is not None:
                    progress.update(done)
        return indices, cosines, {"address": address, "tasks": len(starts), "cpus": cpus}
    finally:
        session.close()
