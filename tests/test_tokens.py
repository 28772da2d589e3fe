"""The token-id corpus the trainers read: same vocabulary, counts and training data as the Corpus,
in memory or memory-mapped, and the command-line trainer built on it."""

from __future__ import annotations

import numpy as np
import pytest

import explorer.tokens as tokens_module
from explorer import train as train_cli
from explorer.corpus import BUILTIN_DIR, Corpus, builtin_info, builtin_names
from explorer.errors import CorpusError
from explorer.tokens import TokenIds
from explorer.training import make_trainer
from explorer.training.base import encode
from explorer.vectors_io import load_vectors


def old_encoding(corpus: Corpus, min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """The encoding the trainers used before the token-id array: Vocab.encode per sentence."""
    vocab = corpus.vocab(min_count=min_count)
    parts = [vocab.encode(s) for s in corpus.sentences]
    parts = [p for p in parts if len(p)]
    lengths = np.array([len(p) for p in parts])
    return np.concatenate(parts), np.concatenate([[0], np.cumsum(lengths)])


@pytest.mark.parametrize("name", builtin_names())
@pytest.mark.parametrize("min_count", [1, 3])
def test_builtin_corpora_encode_as_before(name: str, min_count: int) -> None:
    corpus = Corpus.builtin(name)
    ids = TokenIds.from_corpus(corpus)
    vocab = ids.vocab(min_count=min_count)
    expected = corpus.vocab(min_count=min_count)
    assert vocab.words == expected.words
    assert vocab.counts.tolist() == expected.counts.tolist()
    stream = encode(corpus, expected)
    old_ids, old_starts = old_encoding(corpus, min_count)
    assert stream.ids.tolist() == old_ids.tolist()
    assert stream.starts.tolist() == old_starts.tolist()
    # the file streamed through the readers gives the very same ids
    from_file = TokenIds.from_file(BUILTIN_DIR / builtin_info(name)["file"])
    assert from_file.words == ids.words and from_file.ids.tolist() == ids.ids.tolist()
    assert from_file.starts.tolist() == ids.starts.tolist()


def test_training_from_token_ids_equals_training_from_the_corpus() -> None:
    corpus = Corpus.builtin("support_tickets")
    config = dict(vector_size=16, epochs=1, min_count=2, seed=3, workers=1, device="cpu")
    a = make_trainer("sgns", corpus, **config)
    b = make_trainer("sgns", TokenIds.from_corpus(corpus), **config)
    a.run()
    b.run()
    assert a.vocab.words == b.vocab.words
    assert [r.loss for r in a.records] == [r.loss for r in b.records]
    assert np.array_equal(a.snapshot().vectors, b.snapshot().vectors)


def test_memory_mapped_ids_equal_in_memory_ids(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(tokens_module, "BLOCK_TOKENS", 7)  # many blocks, cut inside sentences
    texts = ["The bank approved the loan. We sat on the river bank!", "rare words here. the bank the bank"] * 5
    in_memory = TokenIds.from_texts(texts)
    mapped = TokenIds.from_texts(texts, out_dir=tmp_path)
    assert isinstance(mapped.ids, np.memmap) and (tmp_path / "ids.int32").stat().st_size == 4 * mapped.token_count
    assert mapped.words == in_memory.words and mapped.ids.tolist() == in_memory.ids.tolist()
    for size in (1, 2, 3, len(in_memory.words)):
        a, b = in_memory.encode(size), mapped.encode(size)
        assert a.ids.tolist() == np.asarray(b.ids).tolist() and a.starts.tolist() == b.starts.tolist()


def test_chunks_end_at_sentence_ends_and_number_sentences() -> None:
    stream = TokenIds.from_texts(["a b c. d e. f g h i."]).encode(100)
    assert stream.chunk_end(0, 4) == 5 and stream.chunk_end(5, 1) == 9
    ids, sentence = stream.chunk(2, 9)
    assert len(ids) == 7 and sentence.tolist() == [0, 1, 1, 2, 2, 2, 2]


def test_token_limit_and_empty_text() -> None:
    limited = TokenIds.from_texts(["one two three. four five six."], max_tokens=4)
    assert limited.token_count == 3 and "limit" in limited.notices[0]
    with pytest.raises(CorpusError, match="no usable words"):
        TokenIds.from_texts(["... !!! ---"])


def test_command_line_trainer_writes_vectors_that_load_back(tmp_path, capsys) -> None:
    corpus = tmp_path / "tickets.txt"
    corpus.write_text("my card was charged twice.\nmy phone will not charge.\n" * 40, encoding="utf-8")
    out = tmp_path / "out" / "vectors.txt"
    work = tmp_path / "not" / "yet" / "there"
    code = train_cli.main([str(corpus), "--method", "cbow", "--out", str(out), "--min-count", "1", "--vector-size",
                           "12", "--epochs", "2", "--set", "negative=3", "--work-dir", str(work), "--quiet"])  # fmt: skip
    assert code == 0
    wv = load_vectors(out)
    assert wv.vector_size == 12 and set(wv.keys) == {
        "my",
        "card",
        "was",
        "charged",
        "twice",
        "phone",
        "will",
        "not",
        "charge",
    }
    assert work.is_dir() and not any(work.iterdir())  # the token-id files are gone
    printed = capsys.readouterr().out
    assert "tokens: 400" in printed and "wrote 9 x 12 vectors" in printed


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.txt"], "No file at"),
        (["{corpus}", "--set", "negative"], "NAME=VALUE"),
        (["{corpus}", "--set", "negative=0"], "negative must be"),
        (["{corpus}", "--set", "colour=3"], "Unknown parameter"),
    ],
)
def test_command_line_trainer_explains_bad_input(tmp_path, capsys, args, message) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d. a b c d.\n" * 10, encoding="utf-8")
    argv = [a.format(corpus=corpus) if "{" in a else str(tmp_path / a) if a.endswith(".txt") else a for a in args]
    code = train_cli.main([*argv, "--out", str(tmp_path / "v.txt"), "--min-count", "1", "--quiet"])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "v.txt").exists()
