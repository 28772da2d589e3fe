"""Threads: the trainers' defaults follow the cores this process may use, and a training never
changes the torch thread count of other threads (other visitors' work)."""

from __future__ import annotations

import os
import threading

import pytest
import torch

from explorer.corpus import Corpus
from explorer.threads import available_cores, torch_threads
from explorer.training import METHODS, make_config, make_trainer


@pytest.mark.parametrize("method", list(METHODS))
def test_default_workers_follow_the_cpu_affinity(monkeypatch, method: str) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5})
    assert available_cores() == 3
    assert make_config(method).workers == 3
    assert make_config(method, workers=1).workers == 1


def test_torch_threads_is_set_for_the_calling_thread_only() -> None:
    start = torch.get_num_threads()
    seen: dict[str, int] = {}
    with torch_threads(1):
        seen["inside"] = torch.get_num_threads()
        fresh = threading.Thread(target=lambda: seen.update(fresh=torch.get_num_threads()))
        fresh.start()
        fresh.join()
    assert seen == {"inside": 1, "fresh": start}
    assert torch.get_num_threads() == start


def test_two_trainings_in_two_threads_leave_each_others_threads_alone() -> None:
    corpus = Corpus.from_texts(["my card was charged twice and my phone will not charge"] * 400)
    start = torch.get_num_threads()
    barrier = threading.Barrier(3)
    observed: dict[str, list[int]] = {"one": [], "two": [], "watcher": []}
    errors: list[BaseException] = []

    def train(name: str, threads: int) -> None:
        try:
            t = make_trainer("glove", corpus, vector_size=8, min_count=1, epochs=3, workers=threads, device="cpu")
            barrier.wait()
            while not t.done:
                t.step(1)
                observed[name].append(torch.get_num_threads())  # this thread's count between steps
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def watch() -> None:
        barrier.wait()
        for _ in range(200):
            observed["watcher"].append(torch.get_num_threads())

    threads = [threading.Thread(target=train, args=("one", 1)), threading.Thread(target=train, args=("two", 2)),
               threading.Thread(target=watch)]  # fmt: skip
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert set(observed["one"]) == {start} and set(observed["two"]) == {start}
    assert set(observed["watcher"]) == {start}
    assert torch.get_num_threads() == start
