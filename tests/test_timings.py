"""The server's record of where a script run spends its time: each moment filed under the innermost code
that decides it, one JSON line per run, exact transformer seconds added by the cache layer."""

from __future__ import annotations

import json
import threading

from explorer import timings
from explorer.timings import ROOT, Recorder, classify_file

FAKE_PAGE = str(ROOT / "pages" / "9_Fake.py")
PAGE_SOURCE = """
from explorer.bytecache import size_of
while not seen("compute"):
    size_of([list(range(50))] * 50)  # explorer code: other compute
while not seen("page_lines"):
    sum(i * i for i in range(1000))  # the page's own lines
record(0.25, 0.5)
"""


def test_files_are_classified_by_what_they_do() -> None:
    assert classify_file(str(ROOT / "explorer" / "contextual" / "queue.py")) == "transformer"
    assert classify_file("/venv/lib/python3.11/site-packages/torch/nn/modules/linear.py") == "transformer"
    assert classify_file(str(ROOT / "explorer" / "charts" / "context.py")) == "charts"
    assert classify_file("/venv/lib/python3.11/site-packages/streamlit/runtime/caching/cache_utils.py") == "streamlit"
    assert classify_file(str(ROOT / "explorer" / "contextual" / "similarity.py")) == "compute"
    assert classify_file(FAKE_PAGE) == "page_lines"
    assert classify_file("/venv/lib/python3.11/site-packages/numpy/core/numeric.py") is None  # its caller decides


def test_a_script_run_becomes_one_line_with_its_time_split(tmp_path) -> None:
    log = tmp_path / "runs.jsonl"
    recorder = Recorder(log, interval=0.002)
    me: dict[str, int] = {}

    def seen(category: str) -> bool:
        run = recorder._runs.get(me["id"])
        return run is not None and run.seconds[category] > 0

    def record(queued: float, model: float) -> None:
        recorder.add_exact(threading.get_ident(), "queued", queued)
        recorder.add_exact(threading.get_ident(), "model", model)

    code = compile(PAGE_SOURCE, FAKE_PAGE, "exec")

    def script() -> None:
        me["id"] = threading.get_ident()
        exec(code, {"seen": seen, "record": record})

    recorder.start()
    thread = threading.Thread(target=script, name="ScriptRunner.scriptThread")
    thread.start()
    thread.join(timeout=120)
    for _ in range(1000):  # the sampler writes the line once it sees the run has ended
        if log.exists() and log.read_text().strip():
            break
        threading.Event().wait(0.01)
    (line,) = log.read_text().splitlines()
    run = json.loads(line)
    assert run["page"] == "9_Fake.py"
    assert run["compute"] > 0 and run["page_lines"] > 0 and run["wall"] > 0
    assert run["exact_queued"] == 0.25 and run["exact_model"] == 0.5
    assert set(timings.CATEGORIES) <= set(run)


def test_recording_is_off_without_the_setting() -> None:
    assert timings.start_from_env({}) is None
    timings.record_transformer(1.0, 2.0)  # nothing to record into: does nothing
