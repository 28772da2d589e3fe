"""Contextual indexes without Ray: reading inputs, the in-process job, the atomic writer, the reader, the CLI.

The Ray job is checked against the in-process engine in ``test_index_ray.py``; this module holds
the corpus with known occurrences both use.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from explorer import vectorsets
from explorer.contextual import ContextualEmbedder, layer_view
from explorer.errors import IndexBuildError, IndexNotFoundError, LinkError
from explorer.index import build as build_module
from explorer.index import contract, reader, views
from explorer.index.build import build_index, build_index_from_texts
from explorer.index.contract import Targets, vector_matrix
from explorer.index.inputs import expand_inputs, read_file
from explorer.index.writer import IndexWriter
from explorer.settings import Settings
from explorer.vectors_io import load_vectors

ROOT = Path(__file__).resolve().parent.parent
KNOWN = {"bank": 7, "charge": 4, "charged": 2}  # whole-word occurrences, any case, in write_corpus's files
LONG_FILLER = "the cat sat on the mat and " * 14  # ~100 tokens: longer than the tiny BERT's 64


def write_corpus(folder: Path, *, binary: bool = True) -> Path:
    """A corpus in every format the job reads, with KNOWN occurrences; ``binary`` adds an undecodable file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(
        "The bank approved the loan. We sat on the river bank!\n"
        "My card was charged twice. The phone will not charge.\n"
        "\n"
        "A charge on my account; the bank charged a fee.\n",
        encoding="utf-8",
    )
    (folder / "b.csv").write_text(
        "id,text\n1,The battery does not charge.\n2,We walked to the bank of the river.\n", encoding="utf-8"
    )
    records = [{"text": "Bank fees are a charge on the account."}, {"text": "The dog sat by the water."}]
    (folder / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    pq.write_table(pa.table({"id": [1], "text": ["The king and the queen went to the bank."]}), folder / "d.parquet")
    (folder / "long.txt").write_text(LONG_FILLER + "then we went to the bank.\n", encoding="utf-8")
    if binary:
        (folder / "e.txt").write_bytes(b"\x00\x01\x02\x03\x04 not text at all \x00\x00")
    return folder


def occurrence_table(index: Path) -> pa.Table:
    """Every stored occurrence of an index, in a fixed order."""
    keys = [("word", "ascending"), ("doc", "ascending"), ("sentence_id", "ascending"), ("start", "ascending")]
    return pq.read_table(index / "occurrences").sort_by(keys)


def leftovers(out: Path) -> list[str]:
    """Hidden temporary or old folders a job left beside ``out``."""
    return sorted(p.name for p in out.parent.glob(f".{out.name}.*"))


@pytest.fixture(scope="module")
def tiny_embedder(tiny_bert_dir: Path) -> ContextualEmbedder:
    return ContextualEmbedder.load(str(tiny_bert_dir), device="cpu")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("index_corpus") / "corpus")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, corpus: Path, tiny_embedder, tiny_bert_dir: Path) -> Path:
    """An in-process index of the known words at every layer, in an index folder of its own."""
    out = tmp_path_factory.mktemp("indexes") / "known"
    build_index(
        [str(corpus)], out, targets=Targets.of_words("bank,charge,charged"), engine="in-process",
        model=str(tiny_bert_dir), embedder=tiny_embedder, column="text", progress=None,
    )  # fmt: skip
    return out


# ----- inputs ---------------------------------------------------------------------------------
def test_every_format_is_read_and_an_undecodable_file_is_skipped_with_its_reason(corpus: Path) -> None:
    files = {Path(f.label).name: f for f in expand_inputs([str(corpus)])}
    assert sorted(files) == ["a.txt", "b.csv", "c.jsonl", "d.parquet", "e.txt", "long.txt"]
    got = {name: read_file(f.label, Path(f.location).read_bytes(), "text") for name, f in files.items()}
    assert got["e.txt"].status == "skipped" and "binary" in got["e.txt"].reason
    assert got["a.txt"].documents == 3 and got["a.txt"].sentence_count == 5  # the blank line is no document
    assert [s.text for s in got["d.parquet"].sentences] == ["The king and the queen went to the bank."]
    assert got["c.jsonl"].sentences[0].doc.endswith("c.jsonl:1")
    assert sum(g.counts["bank"] for g in got.values()) == KNOWN["bank"]


def test_inputs_that_match_nothing_fail_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(IndexBuildError, match="No file or folder"):
        expand_inputs([str(tmp_path / "missing.txt")])
    with pytest.raises(IndexBuildError, match="matches no file"):
        expand_inputs([str(tmp_path / "*.txt")])


def test_targets_and_layers_are_checked() -> None:
    assert Targets.at_least(2, max_words=1).select({"a": 3, "b": 2, "c": 1}) == ("a",)
    with pytest.raises(IndexBuildError, match="not one word"):
        Targets.of_words("ice cream")
    with pytest.raises(IndexBuildError, match="layers 0"):
        contract.parse_layers("7", num_layers=6)


# ----- the in-process job ---------------------------------------------------------------------
def test_the_index_holds_every_known_occurrence_and_the_contract_files(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["format"] == contract.FORMAT and manifest["engine"] == "in-process"
    assert manifest["layers"] == [0, 1, 2] and manifest["pooling"] == "mean" and len(manifest["weights_sha256"]) == 64
    counts = manifest["counts"]
    assert counts["occurrences"] == sum(KNOWN.values()) and counts["skipped_files"] == 1
    assert counts["windowed_sentences"] == 1 and counts["dropped_occurrences"] == 0
    skipped = [i for i in manifest["inputs"] if i["status"] == "skipped"]
    assert [Path(i["path"]).name for i in skipped] == ["e.txt"] and skipped[0]["reason"]
    lines = (built / "static" / "counts.tsv").read_text().splitlines()
    assert lines[0] == "word\tcount" and dict(line.split("\t") for line in lines[1:]) == {
        w: str(n) for w, n in KNOWN.items()
    }
    table = occurrence_table(built)
    assert table.num_rows == sum(KNOWN.values())
    assert table.schema.field("layer_1").type == pa.list_(pa.float16(), 32)
    assert set(table.column("word").to_pylist()) == set(KNOWN)


def test_vectors_are_the_context_pages_vectors(built: Path, tiny_embedder: ContextualEmbedder) -> None:
    """Same runner as the Context page: each stored vector is ``all_layers`` of its sentence, to float16."""
    table = occurrence_table(built)
    for word in KNOWN:
        rows = table.filter(pa.compute.equal(table.column("word"), word))
        sentences = list(dict.fromkeys(rows.column("sentence").to_pylist()))
        stack = tiny_embedder.all_layers(sentences, word)
        # all_layers orders occurrences by sentence then position; sort the index rows the same way
        order = sorted(range(rows.num_rows), key=lambda i: (sentences.index(rows.column("sentence")[i].as_py()), rows.column("start")[i].as_py()))  # fmt: skip
        for layer in (0, 1, 2):
            stored = vector_matrix(rows.column(f"layer_{layer}"), 32, np.float32)[order]
            np.testing.assert_allclose(stored, stack.vectors[layer], rtol=2e-3, atol=2e-3)
            distilled = load_vectors(built / "static" / f"layer_{layer}.txt")[word]
            np.testing.assert_allclose(distilled, stack.vectors[layer].mean(axis=0), rtol=1e-5, atol=1e-5)


def test_keep_per_word_stores_a_sample_but_averages_every_occurrence(
    tmp_path: Path, corpus: Path, tiny_embedder
) -> None:
    out = tmp_path / "kept"
    manifest = build_index(
        [str(corpus)], out, targets=Targets.at_least(1), keep_per_word=1, engine="in-process",
        embedder=tiny_embedder, column="text", layers="0,2", progress=None,
    )  # fmt: skip
    counts = manifest["counts"]
    assert counts["occurrences_stored"] < counts["occurrences"]
    stored = occurrence_table(out).column("word").to_pylist()
    assert stored.count("the") < 10 <= dict(reader.word_counts(reader.open_index(tmp_path, "kept")))["the"]
    assert sorted(p.name for p in (out / "static").iterdir()) == ["counts.tsv", "layer_0.txt", "layer_2.txt"]


def test_uploaded_texts_build_in_process(tmp_path: Path, tiny_embedder) -> None:
    texts = ["The bank approved the loan.", "We sat on the river bank."]
    manifest = build_index_from_texts(texts, tmp_path / "up", embedder=tiny_embedder, targets=Targets.of_words("bank"))
    assert manifest["engine"] == "in-process" and manifest["counts"]["occurrences"] == 2


def test_words_that_never_occur_are_listed_and_an_empty_index_is_refused(
    tmp_path: Path, corpus: Path, tiny_embedder
) -> None:
    options = dict(engine="in-process", embedder=tiny_embedder, column="text", progress=None)
    manifest = build_index([str(corpus)], tmp_path / "some", targets=Targets.of_words("bank,zebra"), **options)
    assert manifest["targets"]["missing"] == ["zebra"] and manifest["counts"]["words"] == 1
    with pytest.raises(IndexBuildError, match="None of the 1 target word"):
        build_index([str(corpus)], tmp_path / "none", targets=Targets.of_words("zebra"), **options)
    assert not (tmp_path / "none").exists() and leftovers(tmp_path / "none") == []


def test_strict_fails_on_an_undecodable_file_and_writes_nothing(tmp_path: Path, corpus: Path, tiny_embedder) -> None:
    out = tmp_path / "strict"
    with pytest.raises(IndexBuildError, match="--strict"):
        build_index(
            [str(corpus)], out, targets=Targets.of_words("bank"), strict=True, engine="in-process",
            embedder=tiny_embedder, column="text", progress=None,
        )  # fmt: skip
    assert not out.exists() and leftovers(out) == []


def test_a_job_that_fails_mid_write_leaves_no_complete_looking_index(
    tmp_path: Path, corpus: Path, tiny_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "idx"
    options = dict(engine="in-process", embedder=tiny_embedder, column="text", progress=None)
    build_index([str(corpus)], out, targets=Targets.of_words("bank"), **options)
    before = (out / "manifest.json").read_text()

    def boom(self: IndexWriter) -> None:
        assert any(self.temp.glob("occurrences/*.parquet"))  # shards were written when it failed
        raise OSError("disk full")

    monkeypatch.setattr(IndexWriter, "_write_static", boom)
    with pytest.raises(OSError, match="disk full"):
        build_index([str(corpus)], out, targets=Targets.of_words("charge"), **options)
    assert (out / "manifest.json").read_text() == before  # the old index is untouched, not half replaced
    assert leftovers(out) == []
    fresh = tmp_path / "fresh"
    with pytest.raises(OSError):
        build_index([str(corpus)], fresh, targets=Targets.of_words("charge"), **options)
    assert not fresh.exists() and leftovers(fresh) == [] and reader.index_names(tmp_path) == ["idx"]


def test_a_rerun_replaces_the_index_and_clears_what_a_killed_job_left(
    tmp_path: Path, corpus: Path, tiny_embedder
) -> None:
    out = tmp_path / "idx"
    options = dict(engine="in-process", embedder=tiny_embedder, column="text", progress=None)
    build_index([str(corpus)], out, targets=Targets.of_words("bank"), **options)
    # What a job killed mid-write leaves: a hidden work folder, marked by a process that is gone.
    pid = 2**22 + 12345
    dead = tmp_path / f".idx.tmp-{socket.gethostname()}-{pid}-dead"
    (dead / "idx" / "occurrences").mkdir(parents=True)
    marker = {"pid": pid, "host": socket.gethostname(), "purpose": "explorer.index build", "output": str(out)}
    (dead / ".explorer-job").write_text(json.dumps(marker))
    assert reader.index_names(tmp_path) == ["idx"]  # never listed as an index
    build_index([str(corpus)], out, targets=Targets.of_words("charge"), **options)
    assert set(occurrence_table(out).column("word").to_pylist()) == {"charge"}
    assert leftovers(out) == []


def test_the_job_never_replaces_a_folder_that_is_not_an_index(tmp_path: Path, corpus: Path, tiny_embedder) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(IndexBuildError, match="not a readable contextual index"):
        build_index([str(corpus)], out, targets=Targets.of_words("bank"), engine="in-process", embedder=tiny_embedder)
    assert (out / "notes.txt").read_text() == "keep me"


def test_build_module_uses_the_one_writer() -> None:
    assert build_module.IndexWriter is IndexWriter


# ----- the reader -----------------------------------------------------------------------------
def test_the_reader_refuses_paths_outside_the_folder(built: Path, tmp_path: Path) -> None:
    folder = built.parent
    assert reader.index_names(folder) == ["known"]
    assert reader.index_path(folder, "known") == built.resolve()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "manifest.json").write_text("{}")
    os.symlink(outside, folder / "linked")
    try:
        for name in ["../known", str(built), "/etc", "linked", "known/..", ".hidden", "missing", ""]:
            with pytest.raises(IndexNotFoundError):
                reader.index_path(folder, name)
        parse = reader.link_parser(str(folder))
        assert parse("known") == "known"
        for raw in ["../known", str(built), "linked", "missing"]:
            with pytest.raises(LinkError):
                parse(raw)
        with pytest.raises(LinkError):
            reader.link_parser(None)("known")
    finally:
        (folder / "linked").unlink()


def test_a_seeded_sample_of_occurrences_feeds_the_context_view(built: Path) -> None:
    info = reader.open_index(built.parent, "known")
    sample = reader.sample_occurrences(info, "BANK", sample=4, seed=3)
    again = reader.sample_occurrences(info, "bank", sample=4, seed=3)
    assert len(sample) == 4 and sample.total == sample.stored == KNOWN["bank"]
    assert sample.docs == again.docs and np.array_equal(sample.vectors, again.vectors)
    assert list(zip(sample.docs, sample.sentence_ids, strict=True)) == sorted(
        zip(sample.docs, sample.sentence_ids, strict=True)
    )
    assert all(s[a:b].lower() == "bank" for s, (a, b) in zip(sample.sentences, sample.spans, strict=True))
    everything = reader.sample_occurrences(info, "bank", sample=100)
    assert len(everything) == KNOWN["bank"] and reader.sample_occurrences(info, "nowhere").stored == 0
    stacked = views.sample_stack(everything, num_layers=info.num_layers)
    view = layer_view(stacked.stack, 2, center=True)
    assert view.matrix.shape == (7, 7) and stacked.note(2) is None
    clusters = views.sense_clusters(view.occurrences.vectors, list(everything.sentences), k=2, seed=0)
    assert sum(clusters.sizes) == 7 and clusters.sizes[0] >= clusters.sizes[1]
    assert all(r[3] in everything.sentences for r in clusters.rows)


def test_distilled_vectors_are_a_vector_set_with_counts_and_a_link_id(built: Path) -> None:
    info = reader.open_index(built.parent, "known")
    wv = reader.distilled_vectors(info, 1)
    assert wv.name == f"{info.model} layer 1, averaged over {info.title}"
    assert wv.counts is not None and int(wv.counts[wv.key_to_index["bank"]]) == KNOWN["bank"]
    with pytest.raises(IndexBuildError, match="stores layers"):
        reader.distilled_vectors(info, 5)
    ids = views.index_vector_ids([info])
    assert list(ids) == ["index:known:layer_0", "index:known:layer_1", "index:known:layer_2"]
    parsed = vectorsets.parse_id("index:known:layer_1")
    assert (parsed.kind, parsed.index_name, parsed.layer, parsed.travels) == ("index", "known", 1, True)
    for bad in ["index:../known:layer_1", "index:/etc:layer_1", "index:known:layer_x"]:
        with pytest.raises(LinkError):
            vectorsets.parse_id(bad)
    assert "EXPLORER_INDEX_DIR" in vectorsets.missing_message(parsed)


def test_settings_read_the_index_folder() -> None:
    assert Settings.from_env({}).index_dir is None
    assert Settings.from_env({"EXPLORER_INDEX_DIR": " /srv/indexes "}).index_dir == "/srv/indexes"


# ----- the command line -----------------------------------------------------------------------
def test_the_command_line_builds_an_index_whose_static_vectors_load(
    tmp_path: Path, corpus: Path, tiny_bert_dir: Path
) -> None:
    out = tmp_path / "cli"
    command = [
        sys.executable, "-m", "explorer.index", "build", str(corpus / "a.txt"), str(corpus / "e.txt"),
        "--out", str(out), "--words", "bank,charge", "--layers", "0,2", "--engine", "in-process",
        "--model", str(tiny_bert_dir),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "[index]" in done.stderr and "sentences/s" in done.stderr and "skipped" in done.stderr
    wv = load_vectors(out / "static" / "layer_2.txt")
    assert set(wv.keys) == {"bank", "charge"} and wv.vector_size == 32
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["layers"] == [0, 2] and manifest["counts"]["skipped_files"] == 1
    strict = subprocess.run([*command, "--strict"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert strict.returncode == 1 and "Traceback" not in strict.stderr
    assert strict.stderr.splitlines()[-1].startswith("error: 1 input file(s) could not be read (--strict)")
    assert json.loads((out / "manifest.json").read_text()) == manifest  # a failed rerun keeps the old index
