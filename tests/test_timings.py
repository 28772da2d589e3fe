"""The server's record of where a script run spends its time: sections nest, each run is one JSON line,
threads never mix, and recording is off without the setting."""

from __future__ import annotations

import json
import threading

from explorer import timings
from explorer.timings import Recorder


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nested_sections_count_only_their_own_time_and_the_run_becomes_one_line(tmp_path) -> None:
    clock = FakeClock()
    log = tmp_path / "runs.jsonl"
    recorder = Recorder(log, clock=clock)
    build = recorder.timed(lambda: clock.__setattr__("now", clock.now + 0.5), "charts")
    with recorder.run(lambda: "4_Context.py"):
        clock.now += 1.0  # other work
        with recorder.section("streamlit"):
            clock.now += 0.25
            build()  # a figure built inside an element call counts as charts only
        with recorder.section("transformer"):
            clock.now += 2.0
            recorder.add_exact("queued", 0.5)
            recorder.add_exact("model", 1.5)
    (line,) = log.read_text().splitlines()
    run = json.loads(line)
    assert run["page"] == "4_Context.py" and run["wall"] == 3.75
    assert (run["transformer"], run["charts"], run["streamlit"], run["other"]) == (2.0, 0.5, 0.25, 1.0)
    assert (run["exact_queued"], run["exact_model"]) == (0.5, 1.5)


def test_each_thread_records_its_own_run() -> None:
    recorder = Recorder(None)
    records: dict[str, dict] = {}
    start = threading.Barrier(2)

    def visit(name: str, category: str) -> None:
        with recorder.run(name) as record:
            start.wait()
            with recorder.section(category):
                pass
        records[name] = record

    threads = [threading.Thread(target=visit, args=args) for args in (("a", "charts"), ("b", "transformer"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert records["a"]["page"] == "a" and records["b"]["page"] == "b"
    with recorder.section("charts"):  # outside any run: nothing to count, nothing breaks
        pass


def test_recording_is_off_without_the_setting() -> None:
    assert timings.start_from_env({}) is None
    timings.record_transformer(1.0, 2.0)  # nothing to record into: does nothing
    with timings.section("charts"):
        pass


def test_the_first_sign_of_work_is_noted_once_per_run() -> None:
    clock = FakeClock()
    recorder = Recorder(None, clock=clock)
    spinner = recorder.signed(lambda: "spinner")
    with recorder.run("2_Project.py") as record:
        clock.now += 0.75
        assert spinner() == "spinner"
        clock.now += 5.0
        recorder.mark_sign()  # a later sign does not move the first
    assert record["first_sign"] == 0.75
    with recorder.run("5_Sentences.py") as quiet:
        pass
    assert quiet["first_sign"] is None
