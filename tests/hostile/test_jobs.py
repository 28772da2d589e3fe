"""Jobs given a careless user's paths: every case leaves the user's files exactly as they were.

The index job (``explorer.index build``, in-process with the tiny BERT; one case runs the command
line with its default Ray engine to show the refusal comes before Ray is imported) and the
command-line trainer (``explorer.train``), both writing through ``explorer.jobfiles``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from explorer import train as train_cli
from explorer.contextual import ContextualEmbedder
from explorer.errors import ExplorerError, IndexBuildError
from explorer.index.build import build_index
from explorer.index.contract import Targets
from explorer.index.inputs import expand_inputs
from explorer.jobfiles import MARKER, OutputLock, lock_path, remove_stale
from explorer.tokens import TokenIds

ROOT = Path(__file__).resolve().parents[2]
DEAD_PID = 2**22 + 12_345  # above Linux's largest pid (2**22), so never a running process
TEXT = "The bank approved the loan. We sat on the river bank.\nMy card was charged twice. The phone will not charge.\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder``: a file's bytes, None for a folder (so presence and contents both count)."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        found[rel] = None if path.is_dir() else path.read_bytes()
    return found


def mark_as_dead_job(folder: Path, out: Path) -> None:
    """Make ``folder`` look like the work folder a killed job on ``out`` left (its marker names a dead pid)."""
    folder.mkdir(parents=True)
    marker = {"pid": DEAD_PID, "host": socket.gethostname(), "purpose": "explorer.index build", "output": str(out)}
    (folder / MARKER).write_text(json.dumps(marker))


@pytest.fixture(scope="module")
def tiny_embedder(tiny_bert_dir: Path) -> ContextualEmbedder:
    return ContextualEmbedder.load(str(tiny_bert_dir), device="cpu")


@pytest.fixture()
def build(tiny_embedder):
    """build_index in-process with the tiny BERT, the word "bank" as target, silent."""

    def run(inputs: list[Path], out: Path, **options):
        options = {"targets": Targets.of_words("bank"), "engine": "in-process", "embedder": tiny_embedder,
                   "progress": None, **options}  # fmt: skip
        return build_index([str(p) for p in inputs], out, **options)

    return run


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus" / "news.txt"
    path.parent.mkdir()
    path.write_text(TEXT * 5, encoding="utf-8")
    return path


# ----- the index job ------------------------------------------------------------------------------
def test_stale_cleanup_removes_only_folders_a_job_marked(tmp_path: Path, corpus: Path, build) -> None:
    d = tmp_path / "d"
    out = d / "myidx"
    build([corpus], out)
    # The user's own hidden folders, named like what the job once treated as its leftovers.
    backup = d / ".myidx.old-backup2023"
    mine = d / f".myidx.tmp-{socket.gethostname()}-{DEAD_PID + 1}-mine"
    for folder in (backup, mine):
        folder.mkdir()
        (folder / "notes.txt").write_text(f"the user's notes in {folder.name}")
    user_files = {name: snapshot(d / name) for name in (backup.name, mine.name)}
    dead = d / f".myidx.tmp-{socket.gethostname()}-{DEAD_PID}-killed"
    mark_as_dead_job(dead, out)
    (dead / "myidx" / "occurrences").mkdir(parents=True)

    build([corpus], out)

    assert {name: snapshot(d / name) for name in user_files} == user_files
    assert not dead.exists()  # the marked folder of a dead job is gone
    assert sorted(p.name for p in d.iterdir()) == sorted([backup.name, mine.name, "myidx"])


def test_a_job_killed_between_the_renames_gets_its_previous_index_back(tmp_path: Path, corpus: Path) -> None:
    out = tmp_path / "idx"
    out.mkdir()
    (out / "manifest.json").write_text('{"format": "explorer-contextual-index"}')
    before = snapshot(out)
    dead = tmp_path / f".idx.tmp-{socket.gethostname()}-{DEAD_PID}-swap"
    mark_as_dead_job(dead, out)
    out.rename(dead / ".previous")  # killed between the two renames of a swap: nothing at --out
    assert remove_stale(out) == [dead]
    assert snapshot(out) == before and not dead.exists()


def test_rebuilding_an_index_refuses_files_that_are_not_its_own(tmp_path: Path, corpus: Path, build) -> None:
    out = tmp_path / "idx"
    build([corpus], out)
    (out / "notes.txt").write_text("my notes about this index")
    (out / "static" / "mine.vec").write_text("cat 1 0\n")
    (out / "plots").mkdir()
    before = snapshot(tmp_path)
    with pytest.raises(IndexBuildError) as refused:
        build([corpus], out, targets=Targets.of_words("charge"))
    message = str(refused.value)
    assert "notes.txt" in message and "static/mine.vec" in message and "plots/" in message and "--force" in message
    assert snapshot(tmp_path) == before  # the index and the user's files, untouched; nothing left beside
    build([corpus], out, targets=Targets.of_words("charge"), force=True)  # the user said so
    assert not (out / "notes.txt").exists() and (out / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "idx"]


def test_an_index_that_stores_no_occurrence_is_still_its_own(tmp_path: Path, corpus: Path, build) -> None:
    out = tmp_path / "idx"
    build([corpus], out, keep_per_word=0)  # distilled vectors only: an empty occurrences/ folder
    assert not any((out / "occurrences").iterdir())
    build([corpus], out, targets=Targets.of_words("charge"))  # no --force needed: nothing there is foreign
    assert (out / "static" / "counts.tsv").read_text().startswith("word\tcount\ncharge\t")


def test_an_output_inside_an_input_folder_or_equal_to_an_input_is_refused(tmp_path: Path, corpus: Path, build) -> None:
    before = snapshot(tmp_path)
    with pytest.raises(IndexBuildError, match="inside the input folder"):
        build([corpus.parent], corpus.parent / "idx")
    with pytest.raises(IndexBuildError, match="is one of the inputs"):
        build([corpus], corpus)
    with pytest.raises(IndexBuildError, match="is inside --out"):
        build([corpus], tmp_path)
    assert snapshot(tmp_path) == before


def test_walking_inputs_leaves_out_index_folders_and_job_folders(tmp_path: Path, corpus: Path, build) -> None:
    build([corpus], tmp_path / "built")
    (tmp_path / "built").rename(corpus.parent / "idx")  # an index a user moved into the corpus folder
    work = corpus.parent / "work"
    work.mkdir()
    (work / MARKER).write_text(json.dumps({"pid": 1, "host": "elsewhere"}))
    (work / "half.txt").write_text("a job's half-written file")
    notes: list[str] = []
    files = expand_inputs([str(corpus.parent)], notes)
    assert [Path(f.label).name for f in files] == ["news.txt"]
    assert any("idx" in n for n in notes) and any("work" in n for n in notes)
    globbed = expand_inputs([str(corpus.parent / "**" / "*.t*")])  # .txt and .tsv, at any depth
    assert [Path(f.label).name for f in globbed] == ["news.txt"]
    with pytest.raises(IndexBuildError, match="is an index folder"):
        expand_inputs([str(corpus.parent / "idx")])
    with pytest.raises(IndexBuildError, match="matches only files inside index folders"):
        expand_inputs([str(corpus.parent / "idx" / "static" / "*.txt")])


def test_plain_text_is_read_whatever_its_extension(tmp_path: Path, corpus: Path, build) -> None:
    cor = tmp_path / "news.cor"
    cor.write_bytes(corpus.read_bytes())
    manifest = build([cor], tmp_path / "idx")
    assert manifest["inputs"][0]["status"] == "read" and manifest["counts"]["occurrences"] == 10


def test_every_skipped_input_is_named_with_its_reason(tmp_path: Path, build) -> None:
    (tmp_path / "photo.cor").write_bytes(PNG)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "nul.dat").write_bytes("bank".encode("utf-16-le"))
    before = snapshot(tmp_path)
    with pytest.raises(IndexBuildError) as refused:
        build([tmp_path / "photo.cor", tmp_path / "empty.txt", tmp_path / "nul.dat"], tmp_path / "idx")
    message = str(refused.value)
    assert message.startswith("Every input was skipped (3 file(s))")
    assert "photo.cor looks like a PNG image, not text" in message
    assert "empty.txt is empty" in message and "UTF-16" in message
    assert snapshot(tmp_path) == before


def test_inputs_are_checked_before_ray_is_imported(tmp_path: Path, corpus: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)))
    before = snapshot(tmp_path)
    script = (
        "import sys\n"
        "from explorer.index.__main__ import main\n"
        "code = main(sys.argv[1:])\n"
        "print('ray imported:', 'ray' in sys.modules)\n"
        "sys.exit(code)\n"
    )
    for inputs in ([str(tmp_path / "scan.pdf")], [str(corpus), str(tmp_path / "scan.pdf"), "--strict"]):
        done = subprocess.run(
            [sys.executable, "-c", script, "build", *inputs, "--out", str(tmp_path / "idx"), "--words", "bank"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "scan.pdf looks like a PDF document, not text" in done.stderr
        assert "ray imported: False" in done.stdout  # the default engine is Ray; it was never started
    assert snapshot(tmp_path) == before


# ----- the lock ---------------------------------------------------------------------------------
def test_a_second_build_to_the_same_output_is_refused_with_the_owners_pid(tmp_path: Path, corpus: Path, build) -> None:
    out = tmp_path / "idx"
    build([corpus], out)
    before = snapshot(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from explorer.jobfiles import OutputLock; lock = OutputLock(sys.argv[1]); "
         "lock.acquire(); print('held', flush=True); sys.stdin.read(); lock.release()", str(out)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexBuildError) as refused:
            build([corpus], out, targets=Targets.of_words("charge"))
        assert str(refused.value).startswith(f"Another build is writing to {out} (pid {holder.pid}); wait for it")
        assert "choose another --out" in str(refused.value)
        during = snapshot(tmp_path)
    finally:
        holder.communicate("", timeout=60)
    assert {k: v for k, v in during.items() if k != lock_path(out).name} == before
    assert holder.returncode == 0 and not lock_path(out).exists()  # the holder removed its own lock file


def test_a_waiting_job_gets_the_lock_when_the_holder_lets_go(tmp_path: Path) -> None:
    out = tmp_path / "vectors.txt"
    first, second, third = OutputLock(out), OutputLock(out), OutputLock(out)
    first.acquire()
    got: list[str] = []
    waiter = threading.Thread(target=lambda: (second.acquire(wait_s=60), got.append("second")))
    waiter.start()
    first.release()  # removes the lock file while holding it; the waiter must not keep a lock on that old file
    waiter.join(timeout=60)
    assert got == ["second"]
    with pytest.raises(ExplorerError, match=f"pid {os.getpid()}"):
        third.acquire()
    second.release()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", ["my hidden notes", ""])
def test_a_users_file_named_like_the_lock_is_left_alone(tmp_path: Path, corpus: Path, content: str) -> None:
    """A job's lock file is created with its text in it, so even an empty file of that name is the user's."""
    out = tmp_path / "v.txt"
    lock_path(out).write_text(content)
    before = snapshot(tmp_path)
    code = train_cli.main([str(corpus), "--out", str(out), "--min-count", "1", "--quiet"])
    assert code == 2 and snapshot(tmp_path) == before


# ----- the trainer ------------------------------------------------------------------------------
def train(corpus: list[Path], out: Path, *extra: str) -> int:
    return train_cli.main([*map(str, corpus), "--out", str(out), "--min-count", "1", "--vector-size", "8",
                           "--epochs", "1", "--workers", "1", "--quiet", *extra])  # fmt: skip


def test_the_trainer_refuses_an_output_that_is_an_input(tmp_path: Path, corpus: Path, capsys) -> None:
    before = snapshot(tmp_path)
    assert train([corpus], corpus) == 2
    assert train([corpus], corpus.parent / ".." / "corpus" / "news.txt", "--force") == 2  # another spelling
    err = capsys.readouterr().err
    assert "is one of the inputs" in err and "Traceback" not in err
    assert snapshot(tmp_path) == before


def test_the_trainer_replaces_an_existing_output_only_with_force(tmp_path: Path, corpus: Path, capsys) -> None:
    out = tmp_path / "v.txt"
    out.write_text("my earlier vectors")
    before = snapshot(tmp_path)
    assert train([corpus], out) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert snapshot(tmp_path) == before
    assert train([corpus], out, "--force") == 0
    assert out.read_text().split("\n")[0].endswith(" 8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "v.txt"]  # no work folder, no lock left


def test_the_trainer_writes_in_a_marked_folder_and_renames_into_place(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "v.txt"
    out.write_text("my earlier vectors")
    seen: dict[str, object] = {}
    real_save = train_cli.save_vectors

    def save_and_look(wv, target, fmt):
        real_save(wv, target, fmt=fmt)
        seen["marker"] = json.loads((Path(target).parent / MARKER).read_text())
        seen["out while writing"] = out.read_text()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(train_cli, "save_vectors", save_and_look)
    assert train([corpus], out, "--force") == 2
    assert seen["marker"]["pid"] == os.getpid() and seen["marker"]["output"] == str(out)
    assert seen["out while writing"] == "my earlier vectors" == out.read_text()  # a failed run keeps the old file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "v.txt"]


def test_the_trainer_skips_and_lists_bad_files(tmp_path: Path, corpus: Path, capsys) -> None:
    (tmp_path / "photo.cor").write_bytes(PNG)
    (tmp_path / "notes.cor").write_text(TEXT, encoding="utf-8")  # plain text, any extension
    before = snapshot(tmp_path)
    inputs = [corpus, tmp_path / "photo.cor", tmp_path / "missing.txt", tmp_path / "notes.cor"]
    assert train(inputs, tmp_path / "v.txt") == 0
    captured = capsys.readouterr()
    assert "skipped 2 file(s)" in captured.err
    assert "photo.cor looks like a PNG image, not text" in captured.err and "No file at" in captured.err
    per_copy = TokenIds.from_texts(TEXT.splitlines()).token_count
    assert f"tokens: {6 * per_copy} " in captured.out  # news.txt (5 copies of TEXT) and notes.cor (1) were read
    assert {k: v for k, v in snapshot(tmp_path).items() if k != "v.txt"} == before


def test_the_trainer_names_every_reason_when_no_file_can_be_read(tmp_path: Path, capsys) -> None:
    (tmp_path / "photo.cor").write_bytes(PNG)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "texts").mkdir()
    before = snapshot(tmp_path)
    assert train([tmp_path / "photo.cor", tmp_path / "empty.txt", tmp_path / "texts"], tmp_path / "v.txt") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No input can be read") and "Traceback" not in err
    assert "photo.cor looks like a PNG image" in err and "empty.txt is empty" in err and "is a folder" in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "flag, value, message",
    [
        ("--max-tokens", "-1", "must be a positive whole number"),
        ("--epochs", "0", "must be a positive whole number"),
        ("--vector-size", "many", "must be a positive whole number"),
        ("--workers", "-2", "must be a positive whole number"),
        ("--wait", "-1", "must be a number of seconds"),
    ],
)
def test_the_trainer_checks_its_arguments(tmp_path: Path, corpus: Path, capsys, flag, value, message) -> None:
    with pytest.raises(SystemExit) as stopped:
        train_cli.main([str(corpus), "--out", str(tmp_path / "v.txt"), flag, value])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: {message}" in err and "Traceback" not in err
    assert not (tmp_path / "v.txt").exists()
