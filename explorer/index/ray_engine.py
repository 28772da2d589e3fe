"""The index job on Ray Data: read and split in tasks, the transformer in an actor pool, results streamed back.

The only module of the project that imports ``ray`` (inside its functions, so importing it costs
nothing). The stages:

1. ``read_binary_files`` -> ``map(read_file)``: each file decoded, split into sentences and its
   tokens counted in a task (an undecodable file becomes a row saying why); materialised once.
2. The driver merges the counts and picks the target words.
3. ``flat_map`` keeps the sentences that hold a target; they are cut into blocks and
   ``map_batches(EmbedActor, compute=ActorPoolStrategy(size=n))`` runs the model: one GPU per
   actor when the cluster has GPUs, else CPU actors sharing the cores.
4. The driver streams the actors' tables into one ``IndexWriter`` (so the folder is renamed into
   place on the driver's disk, and no shared filesystem is needed for the output).

Example:
    >>> from explorer.index.ray_engine import ray_init_kwargs
    >>> sorted(ray_init_kwargs(None, num_cpus=2))
    ['include_dashboard', 'log_to_driver', 'logging_level', 'num_cpus']
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from explorer.errors import IndexBuildError
from explorer.index.embed import TargetMatcher, embed_sentences, weights_hash
from explorer.index.inputs import FileRead, InputFile, read_file

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds explorer/
EXPLORER_DIR = str(Path(__file__).resolve().parents[1])


def ray_init_kwargs(address: str | None, num_cpus: int | None = None) -> dict[str, Any]:
    """Arguments of ``ray.init``: a local Ray on this machine's cores, or a cluster at ``address``.

    A local Ray's workers import the project from this checkout (``use_checkout`` puts it on the
    ``PYTHONPATH`` they inherit); a cluster gets ``explorer/`` shipped as a ``py_modules`` package
    (its nodes need the same dependencies, and the model).
    """
    quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    if address:
        return {"address": address, "runtime_env": {"py_modules": [EXPLORER_DIR]}, **quiet}
    return {"num_cpus": num_cpus or os.cpu_count() or 1, **quiet}


def use_checkout() -> None:
    """Put this checkout on ``PYTHONPATH`` before a local Ray starts, so its workers (started with this
    environment, and reused between tasks) import the same ``explorer``."""
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if PACKAGE_ROOT not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([PACKAGE_ROOT, *paths])


def start_local_ray(num_cpus: int | None = None) -> None:
    """Start a local Ray for this process (the job does this itself; tests share one for a session)."""
    import ray

    use_checkout()
    ray.init(**ray_init_kwargs(None, num_cpus))


class RaySession:
    """Connect to (or start) Ray for one job; shut it down afterwards only if this job started it."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None) -> None:
        import ray

        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.started = False
        if not ray.is_initialized():
            try:
                if self.address is None:
                    use_checkout()
                ray.init(**ray_init_kwargs(self.address, num_cpus))
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = f"the Ray cluster at {self.address}" if self.address else "a local Ray"
                raise IndexBuildError(
                    f"Could not start or reach {where} ({exc}). Start a cluster with `ray start --head`, "
                    "or leave --address and RAY_ADDRESS unset to run on this machine."
                ) from exc
            self.started = True
        import ray.data

        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)

    def resources(self) -> dict[str, float]:
        """The cluster's CPUs and GPUs (all alive nodes together), and the most CPUs on one node."""
        import ray

        nodes = [n for n in ray.nodes() if n.get("Alive")]
        cpus = [float(n["Resources"].get("CPU", 0)) for n in nodes]
        return {
            "CPU": float(sum(cpus)),
            "GPU": float(sum(float(n["Resources"].get("GPU", 0)) for n in nodes)),
            "node_cpus": max(cpus) if cpus else 1.0,
        }

    def close(self) -> None:
        import ray

        if self.started:
            ray.shutdown()

    def __enter__(self) -> RaySession:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _read_row(row: dict[str, Any], labels: Mapping[str, str], column: str | None) -> dict[str, Any]:
    path = str(row["path"])
    got = read_file(labels.get(path, path), bytes(row["bytes"]), column)
    return {
        "label": got.label,
        "size": got.size,
        "status": got.status,
        "reason": got.reason or "",
        "documents": got.documents,
        "sentence_count": got.sentence_count,
        "notes": json.dumps(list(got.notes)),
        "doc": [s.doc for s in got.sentences],
        "sentence_id": [s.sentence_id for s in got.sentences],
        "sentence": [s.text for s in got.sentences],
        "count_words": list(got.counts),
        "count_n": list(got.counts.values()),
    }


def _expand_row(row: dict[str, Any], targets: Sequence[str]) -> list[dict[str, Any]]:
    matcher = TargetMatcher(targets)
    return [
        {"doc": d, "sentence_id": int(i), "sentence": s}
        for d, i, s in zip(row["doc"], row["sentence_id"], row["sentence"], strict=True)
        if matcher.has_target(s)
    ]


class EmbedActor:
    """One model replica of the actor pool: loads the transformer once, then embeds batches of sentences."""

    def __init__(
        self,
        model: str | None,
        device: str,
        weights: str,
        targets: Sequence[str],
        keep: Mapping[str, float],
        layers: Sequence[int],
        pooling: str,
        batch_size: int,
        threads: int,
    ) -> None:
        import torch

        from explorer.contextual import ContextualEmbedder

        if device == "cpu":
            torch.set_num_threads(max(1, int(threads)))
        self.embedder = ContextualEmbedder.load(model, device=device)
        got = weights_hash(self.embedder.model)
        if got != weights:
            raise IndexBuildError(
                f"A Ray worker loaded different weights for {self.embedder.name} (hash {got[:12]}, the driver has "
                f"{weights[:12]}); install the same model on every node."
            )
        self.matcher = TargetMatcher(targets, keep)
        self.layers, self.pooling, self.batch_size = list(layers), pooling, batch_size

    def __call__(self, batch: Any) -> Any:
        return embed_sentences(
            self.embedder,
            batch.column("doc").to_pylist(),
            batch.column("sentence_id").to_pylist(),
            batch.column("sentence").to_pylist(),
            self.matcher,
            self.layers,
            self.pooling,
            self.batch_size,
        )


class RayJob:
    """The Ray side of one build: ``read`` the files, then ``embed`` the sentences that hold a target."""

    def __init__(self, session: RaySession) -> None:
        self.session = session
        self._files: Any = None
        self.plan: dict[str, int] = {}

    def read(self, files: Sequence[InputFile], column: str | None) -> tuple[list[FileRead], Counter[str]]:
        """Every file's status and counts (its sentences stay in Ray); local files that cannot be opened are skipped."""
        import ray.data

        skipped: list[FileRead] = []
        readable: list[InputFile] = []
        for f in files:
            if f.is_remote:
                readable.append(f)
                continue
            try:
                with open(f.location, "rb"):
                    readable.append(f)
            except OSError as exc:
                skipped.append(FileRead(f.label, f.size or 0, "skipped", f"cannot be read: {exc.strerror or exc}"))
        if not readable:
            return skipped, Counter()
        labels = {f.location: f.label for f in readable}
        ds = ray.data.read_binary_files([f.location for f in readable], include_paths=True)
        self._files = ds.map(_read_row, fn_kwargs={"labels": labels, "column": column}).materialize()
        counts: Counter[str] = Counter()
        reads = list(skipped)
        meta = self._files.select_columns(
            ["label", "size", "status", "reason", "documents", "sentence_count", "notes", "count_words", "count_n"]
        )
        for row in meta.iter_rows():
            counts.update(dict(zip(row["count_words"], (int(n) for n in row["count_n"]), strict=True)))
            reads.append(
                FileRead(
                    row["label"],
                    int(row["size"]),
                    row["status"],
                    row["reason"] or None,
                    int(row["documents"]),
                    int(row["sentence_count"]),
                    notes=tuple(json.loads(row["notes"])),
                )
            )
        return reads, counts

    def embed(
        self,
        *,
        model: str | None,
        weights: str,
        targets: Sequence[str],
        keep: Mapping[str, float],
        layers: Sequence[int],
        pooling: str,
        batch_size: int,
        rows_per_batch: int,
        actors: int | None,
    ) -> tuple[int, Iterator[Any]]:
        """(sentences that hold a target, the model stage's tables as the actors finish them)."""
        import ray.data

        self.plan = actor_plan(self.session.resources(), actors)
        if self._files is None:
            return 0, iter(())
        found = self._files.flat_map(_expand_row, fn_kwargs={"targets": list(targets)}).materialize()
        total = found.count()
        if not total:
            return 0, iter(())
        blocks = max(self.plan["actors"], math.ceil(total / rows_per_batch))
        # Cut into blocks before the actors start: they may hold every CPU, and a repartition
        # running beside them would wait for one forever.
        blocked = found.repartition(blocks).materialize()
        tables = blocked.map_batches(
            EmbedActor,
            fn_constructor_kwargs={
                "model": model,
                "device": "cuda" if self.plan["gpus_per_actor"] else "cpu",
                "weights": weights,
                "targets": list(targets),
                "keep": dict(keep),
                "layers": list(layers),
                "pooling": pooling,
                "batch_size": batch_size,
                "threads": self.plan["cpus_per_actor"],
            },
            compute=ray.data.ActorPoolStrategy(size=self.plan["actors"]),
            batch_size=rows_per_batch,
            batch_format="pyarrow",
            num_cpus=self.plan["cpus_per_actor"],
            num_gpus=self.plan["gpus_per_actor"],
        )
        return total, tables.iter_batches(batch_format="pyarrow", batch_size=None)


def actor_plan(resources: Mapping[str, float], actors: int | None) -> dict[str, int]:
    """How many model actors, and the CPUs and GPUs each holds.

    With GPUs: one actor per GPU (or ``actors``), one GPU and one CPU each. Without: ``actors``
    (default: one per core: single-threaded replicas outrun one replica on several threads, see
    docs/benchmarks.md) sharing the cores evenly, as many as fit on one node each.

    >>> actor_plan({"CPU": 2, "GPU": 0, "node_cpus": 2}, None), actor_plan({"CPU": 2, "GPU": 0, "node_cpus": 2}, 1)
    ({'actors': 2, 'cpus_per_actor': 1, 'gpus_per_actor': 0}, {'actors': 1, 'cpus_per_actor': 2, 'gpus_per_actor': 0})
    >>> actor_plan({"CPU": 32, "GPU": 4, "node_cpus": 16}, None)
    {'actors': 4, 'cpus_per_actor': 1, 'gpus_per_actor': 1}
    """
    if actors is not None and actors < 1:
        raise IndexBuildError(f"--actors must be at least 1; got {actors}.")
    gpus = int(resources.get("GPU", 0))
    if gpus:
        return {"actors": actors or gpus, "cpus_per_actor": 1, "gpus_per_actor": 1}
    cpus = max(1, int(resources.get("CPU", 1)))
    n = actors or cpus
    per = max(1, min(cpus // n, int(resources.get("node_cpus", cpus))))
    return {"actors": n, "cpus_per_actor": per, "gpus_per_actor": 0}
