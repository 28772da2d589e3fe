"""The transformer and its one runner: loading, tokenising, batched forward passes, pooling.

``ContextualEmbedder`` is the only code in the library that calls the tokenizer or the model.
One embedder serves every visitor of the app (it sits in ``st.cache_resource``), and a fast
tokenizer must not be called from two threads at once: it raises "Already borrowed", or worse,
applies one caller's truncation setting to another caller's text. So every tokenizer call holds
the embedder's tokenizer lock, and every forward pass its model lock (one pass at a time, so the
activations of two passes are never in memory together); a visitor who only tokenises (the
lookup row, the word's pieces) never waits behind another's forward pass. Inputs are sorted by
token count and padded per batch, so short sentences do not pay for long ones; the vectors do not
depend on the batching.

Two kinds of vectors come out of the same runner:

- contextual vectors of a word (``occurrences``, ``all_layers``): the hidden states of the
  word's subword tokens, pooled, at any layer. A sentence longer than the model's limit is
  read through a window of tokens around each occurrence, so no occurrence is lost.
- sentence vectors (``sentence_vectors``): the mean of the last layer's token states, weighted
  by the attention mask, [CLS] and [SEP] included, scaled to unit length (the intended use of
  the bundled all-MiniLM-L6-v2). A sentence longer than the limit is cut, or refused.

Example:
    >>> from explorer.contextual import ContextualEmbedder
    >>> emb = ContextualEmbedder.load(device="cpu")
    >>> emb.occurrences(["I paid at the bank.", "We sat on the river bank."], "bank").vectors.shape
    (2, 384)
    >>> emb.sentence_vectors(["A cat sat.", "Stocks fell."]).vectors.shape
    (2, 384)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from explorer.contextual.jobs import Job, SentenceJob, WordJob, run_jobs
from explorer.contextual.loading import load_pretrained
from explorer.contextual.occurrences import (
    AllLayers,
    Encoded,
    ModelInput,
    Occurrences,
    Visibility,
    find_spans,
    fit_window,
    plan_occurrences,
    resolve_layer,
    token_positions,
    visibility_masks,
    word_pattern,
)
from explorer.contextual.sentencewords import SentenceWords, plan_sentence_words
from explorer.device import select_device
from explorer.errors import ContextError, ModelLoadError
from explorer.linalg import readonly
from explorer.vectors import WordVectors

Pooling = Literal["mean", "first", "last"]
POOLINGS: tuple[str, ...] = ("mean", "first", "last")
SentencePooling = Literal["mean", "cls"]
SENTENCE_POOLINGS: tuple[str, ...] = ("mean", "cls")

_CAUSAL_TYPES = {
    "gpt2", "gpt_neo", "gpt_neox", "gptj", "llama", "mistral", "mixtral", "qwen2", "qwen3", "opt", "phi", "phi3",
    "gemma", "gemma2", "gemma3", "falcon", "bloom", "codegen", "olmo", "olmo2", "smollm3", "stablelm",
}  # fmt: skip


@dataclass(frozen=True)
class PooledSentences:
    """One vector per sentence from the last layer, with what went into each.

    Attributes:
        vectors: (n, hidden) float32, unit rows, read-only.
        tokens: per sentence, the tokens the model read (special tokens included, after any cut).
        token_shares: per sentence, (len(tokens),) float32: each token's share of the pooled
            vector's length, (h_t . unit) / (T |mean|) for mean pooling; they sum to 1.
        truncated: per sentence, whether it was cut to ``max_length`` tokens.
        max_length: the token limit the sentences were read with.
        pooling: "mean" or "cls".

    Example:
        >>> shares = np.array([0.2, 0.5, 0.3], np.float32)
        >>> pooled = PooledSentences(np.eye(1, 4, dtype=np.float32), (("[CLS]", "cat", "[SEP]"),), (shares,), (False,), 64)
        >>> len(pooled), pooled.tokens[0][1]
        (1, 'cat')
    """

    vectors: np.ndarray
    tokens: tuple[tuple[str, ...], ...]
    token_shares: tuple[np.ndarray, ...]
    truncated: tuple[bool, ...]
    max_length: int
    pooling: str = "mean"

    def __len__(self) -> int:
        return len(self.tokens)


def word_result(job: WordJob) -> AllLayers:
    """The ``AllLayers`` of a word job that ran with every layer."""
    return AllLayers(vectors=readonly(job.vectors), **job.meta)


def sentence_words_result(job: WordJob) -> SentenceWords:
    """The ``SentenceWords`` of a job from ``prepare_sentence_words`` that ran."""
    return SentenceWords(vectors=readonly(job.vectors), **job.meta)


def sentence_result(job: SentenceJob) -> PooledSentences:
    """The ``PooledSentences`` of a sentence job that ran."""
    return PooledSentences(vectors=readonly(job.vectors), token_shares=tuple(job.shares), **job.meta)


class ContextualEmbedder:
    """A transformer with its fast tokenizer, on one device, in eval mode, safe to share between threads.

    Use :meth:`load`; the constructor takes an already loaded model and tokenizer.

    Attributes:
        name: the model's name (the folder name for a local path).
        num_layers, hidden_size: the transformer's depth and width.
        max_length: the most tokens (special tokens included) one forward pass may read.
        is_causal: whether the model is a decoder (each state sees only the tokens to its left).
    """

    def __init__(self, model: Any, tokenizer: Any, device: torch.device, name: str) -> None:
        if not getattr(tokenizer, "is_fast", False):
            raise ModelLoadError(
                f"{name} has only a slow (Python) tokenizer; the Context page needs a fast tokenizer "
                "(a tokenizer.json file) for character offsets. Pick a model folder that has tokenizer.json."
            )
        self.model = model.to(device).eval()
        self.tokenizer = tokenizer
        self.device = device
        self.name = name
        config = model.config
        self.num_layers = int(getattr(config, "num_hidden_layers", None) or getattr(config, "n_layer", 0))
        self.hidden_size = int(getattr(config, "hidden_size", None) or getattr(config, "n_embd", 0))
        archs = list(getattr(config, "architectures", None) or [])
        self.is_causal = bool(
            getattr(config, "is_decoder", False)
            or getattr(config, "model_type", "") in _CAUSAL_TYPES
            or any("CausalLM" in a or "LMHead" in a for a in archs)
        )
        limits = [
            getattr(config, "max_position_embeddings", None),
            getattr(config, "n_positions", None),
            tokenizer.model_max_length if tokenizer.model_max_length < 1_000_000 else None,
        ]
        limits = [int(x) for x in limits if isinstance(x, int) and x > 0]
        self.max_length = min(limits) if limits else 512
        if getattr(config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"}:
            self.max_length = min(self.max_length, 512)  # two positions are reserved for the padding offset
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
        self.tokenizer.padding_side = "right"
        self._n_special = int(tokenizer.num_special_tokens_to_add(pair=False))
        self._pad_id = int(tokenizer.pad_token_id or 0)
        # The lock around every tokenizer call, and the one around every forward pass (see the module
        # docstring). Re-entrant, so a locked helper may call another.
        self._lock = threading.RLock()
        self._model_lock = threading.RLock()
        self.forward_passes = 0  # every forward pass this embedder ran (tests count them)
        vocab = tokenizer.get_vocab()
        if any(t.startswith("##") for t in vocab):
            self.vocab_style = "wordpiece"
        elif any(t.startswith("Ġ") for t in vocab):
            self.vocab_style = "bytelevel"
        elif any(t.startswith("▁") for t in vocab):
            self.vocab_style = "sentencepiece"
        else:
            self.vocab_style = "other"

    def __repr__(self) -> str:
        return (
            f"ContextualEmbedder(name={self.name!r}, layers={self.num_layers}, hidden={self.hidden_size}, "
            f"device={self.device}, causal={self.is_causal})"
        )

    @classmethod
    def load(cls, name_or_path: str | None = None, device: str | torch.device | None = None) -> ContextualEmbedder:
        """Load a transformer: None for the bundled offline MiniLM, else a local folder or a model id.

        See :func:`explorer.contextual.loading.load_pretrained` for where the files come from.

        Example:
            >>> emb = ContextualEmbedder.load(device="cpu")
            >>> emb.num_layers, emb.hidden_size
            (6, 384)
        """
        if isinstance(device, torch.device):
            dev = device
        else:
            try:
                dev = select_device(device or "auto")
            except ValueError as exc:
                raise ModelLoadError(str(exc)) from exc
        tokenizer, model, name = load_pretrained(name_or_path)
        return cls(model, tokenizer, dev, name)

    # ----- the runner: tokenising and forward passes, under the lock -------------------------
    def _tokenize(self, texts: Sequence[str], *, max_length: int | None = None, offsets: bool = False) -> Encoded:
        """Token ids (and character offsets) of ``texts``; ``max_length`` cuts longer texts, else none is cut."""
        cut = {"truncation": True, "max_length": max_length} if max_length is not None else {"truncation": False}
        with self._lock:
            enc = self.tokenizer(
                list(texts), add_special_tokens=True, return_offsets_mapping=offsets, verbose=False, **cut
            )
        types = enc.get("token_type_ids")
        return Encoded(
            input_ids=[list(x) for x in enc["input_ids"]],
            offsets=[list(x) for x in enc["offset_mapping"]] if offsets else None,
            token_type_ids=[list(x) for x in types] if types is not None else [None] * len(texts),
        )

    def _tokens(self, ids: Sequence[int]) -> tuple[str, ...]:
        with self._lock:
            return tuple(self.tokenizer.convert_ids_to_tokens(list(ids)))

    def _forward(self, batch: Sequence[ModelInput], all_layers: bool) -> tuple[Any, torch.Tensor]:
        """One padded forward pass: (hidden states per layer, or the last layer's (B, T, H); mask (B, T)).

        Call it inside ``torch.inference_mode()``.
        """
        width = max(len(x.input_ids) for x in batch)
        ids = torch.full((len(batch), width), self._pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for r, x in enumerate(batch):
            ids[r, : len(x.input_ids)] = torch.tensor(x.input_ids)
            mask[r, : len(x.input_ids)] = 1
        inputs = {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)}
        if batch[0].token_type_ids is not None:
            types = torch.zeros_like(ids)
            for r, x in enumerate(batch):
                types[r, : len(x.token_type_ids or ())] = torch.tensor(x.token_type_ids or (), dtype=torch.long)
            inputs["token_type_ids"] = types.to(self.device)
        with self._model_lock:
            self.forward_passes += 1
            out = self.model(**inputs, output_hidden_states=all_layers)
        return (out.hidden_states if all_layers else out.last_hidden_state), mask

    def _tokenize_with_offsets(self, texts: Sequence[str]) -> Encoded:
        return self._tokenize(texts, offsets=True)

    # ----- contextual vectors of a word -------------------------------------------------------
    def _plan(self, sentences: Sequence[str], word: str) -> tuple[list[ModelInput], dict[str, Any]]:
        return plan_occurrences(sentences, word, self._tokenize_with_offsets, self.max_length, self._n_special)

    def prepare_word(
        self,
        sentences: Sequence[str],
        word: str,
        layers: Sequence[int] | None = None,
        pooling: str = "mean",
        batch_size: int = 32,
    ) -> WordJob:
        """Tokenise ``sentences`` and plan the pooled states of every occurrence of ``word`` at ``layers``
        (resolved numbers; None: every layer). Bad input raises here, before any forward pass."""
        if pooling not in POOLINGS:
            raise ContextError(f"Unknown pooling {pooling!r}; use one of {', '.join(POOLINGS)}.")
        if batch_size < 1:
            raise ContextError(f"batch_size must be at least 1; got {batch_size}.")
        inputs, meta = self._plan(sentences, word)
        chosen = list(range(self.num_layers + 1)) if layers is None else [int(k) for k in layers]
        return WordJob(inputs, chosen, pooling, batch_size, meta, len(meta["spans"]), self.hidden_size)

    def prepare_sentence_words(self, sentences: Sequence[str], pooling: str = "mean", batch_size: int = 32) -> WordJob:
        """Plan the pooled states of every word of ``sentences`` at every layer (``SentenceWords``).

        A sentence longer than the model's limit is left out and named in the result's ``skipped``.
        """
        if pooling not in POOLINGS:
            raise ContextError(f"Unknown pooling {pooling!r}; use one of {', '.join(POOLINGS)}.")
        inputs, meta = plan_sentence_words(sentences, self._tokenize_with_offsets, self.max_length)
        layers = list(range(self.num_layers + 1))
        return WordJob(inputs, layers, pooling, batch_size, meta, len(meta["words"]), self.hidden_size)

    def sentence_words(self, sentences: Sequence[str], pooling: Pooling = "mean") -> SentenceWords:
        """Every word of ``sentences`` at every layer, (num_layers + 1, words, hidden), in one forward pass.

        Example:
            >>> sw = emb.sentence_words(["The bank lent money.", "We sat by the river."])
            >>> sw.words[:3], sw.vectors.shape
            (('the', 'bank', 'lent'), (7, 9, 384))
        """
        job = self.prepare_sentence_words(sentences, pooling)
        self.run_jobs([job])
        return sentence_words_result(job)

    def run_jobs(self, jobs: Sequence[Job]) -> int:
        """Run prepared jobs (of any callers) in shared forward passes; returns how many passes ran."""
        return run_jobs(jobs, self._forward)

    def _pooled_states(
        self, inputs: list[ModelInput], n_occ: int, layers: list[int], pooling: str, batch_size: int
    ) -> np.ndarray:
        """(len(layers), n_occ, hidden) float32: the pooled hidden states of every occurrence."""
        if pooling not in POOLINGS:
            raise ContextError(f"Unknown pooling {pooling!r}; use one of {', '.join(POOLINGS)}.")
        job = WordJob(list(inputs), list(layers), pooling, batch_size, {}, n_occ, self.hidden_size)
        self.run_jobs([job])
        return job.vectors

    def occurrences(
        self, sentences: Sequence[str], word: str, layer: int = -1, pooling: Pooling = "mean", batch_size: int = 32
    ) -> Occurrences:
        """Vectors of every whole-word occurrence of ``word`` at ``layer`` (0: embedding output, -1: last).

        Example:
            >>> occ = emb.occurrences(["The bank by the bank.", "No river here."], "bank")
            >>> len(occ), occ.missing
            (2, (1,))
        """
        resolved = resolve_layer(layer, self.num_layers)
        job = self.prepare_word(sentences, word, [resolved], pooling, batch_size)
        self.run_jobs([job])
        return Occurrences(vectors=readonly(job.vectors[0]), layer=resolved, **job.meta)

    def all_layers(
        self, sentences: Sequence[str], word: str, pooling: Pooling = "mean", batch_size: int = 32
    ) -> AllLayers:
        """Vectors of every occurrence at every layer, (num_layers + 1, n, hidden), in one forward pass.

        Example:
            >>> emb.all_layers(["I went to the bank."], "bank").vectors.shape
            (7, 1, 384)
        """
        job = self.prepare_word(sentences, word, None, pooling, batch_size)
        self.run_jobs([job])
        return word_result(job)

    def visibility(self, sentence: str, word: str, occurrence: int = 0) -> Visibility:
        """Tokens the target token's state can see: all of them in an encoder, the left part in a decoder.

        Example:
            >>> vis = emb.visibility("The bank raised its rates.", "bank")
            >>> bool(vis.encoder.all()), bool(vis.causal[-1])
            (True, False)
        """
        spans = find_spans(sentence, word)
        if not spans:
            raise ContextError(f"{word!r} does not occur in the sentence {sentence[:60]!r}.")
        if not 0 <= occurrence < len(spans):
            raise ContextError(f"The sentence has {len(spans)} occurrence(s) of {word!r}; pick 1 to {len(spans)}.")
        enc = self._tokenize([sentence], offsets=True)
        ids, offsets, span = enc.input_ids[0], enc.offsets[0], spans[occurrence]  # type: ignore[index]
        if len(ids) > self.max_length:
            window = fit_window(sentence, offsets, span, self._tokenize_with_offsets, self.max_length, self._n_special)
            ids, target = list(window.input_ids), list(window.targets[0][1])
        else:
            target = token_positions(offsets, *span)
        return visibility_masks(self._tokens(ids), target)

    # ----- sentence vectors -------------------------------------------------------------------
    def sentence_vectors(
        self,
        sentences: Sequence[str],
        pooling: SentencePooling = "mean",
        truncation: bool = True,
        batch_size: int = 32,
        max_length: int | None = None,
    ) -> PooledSentences:
        """One unit vector per sentence from the last layer: the mask-weighted mean of its token states.

        ``pooling="cls"`` takes the first token's state instead. A sentence longer than
        ``max_length`` tokens (default and upper bound: the model's limit) is cut to it when
        ``truncation`` is true, and raises ``ContextError`` otherwise.

        Example:
            >>> pooled = emb.sentence_vectors(["A cat sat.", "Stocks fell sharply."])
            >>> pooled.vectors.shape, pooled.tokens[0][0], pooled.truncated
            ((2, 384), '[CLS]', (False, False))
        """
        job = self.prepare_sentences(sentences, pooling, truncation, batch_size, max_length)
        self.run_jobs([job])
        return sentence_result(job)

    def prepare_sentences(
        self,
        sentences: Sequence[str],
        pooling: str = "mean",
        truncation: bool = True,
        batch_size: int = 32,
        max_length: int | None = None,
    ) -> SentenceJob:
        """Tokenise ``sentences`` (cut as ``sentence_vectors`` says) into a job; bad input raises here."""
        texts = [str(s) for s in sentences]
        if not texts:
            raise ContextError("Give at least one sentence to encode.")
        if pooling not in SENTENCE_POOLINGS:
            raise ContextError(f"Unknown sentence pooling {pooling!r}; use one of {', '.join(SENTENCE_POOLINGS)}.")
        if batch_size < 1:
            raise ContextError(f"batch_size must be at least 1; got {batch_size}.")
        limit = self.max_length
        if max_length is not None:  # room for the special tokens and at least one word piece
            limit = max(self._n_special + 1, min(int(max_length), self.max_length))
        enc = self._tokenize(texts)
        ids, types = enc.input_ids, enc.token_type_ids
        long = [i for i, x in enumerate(ids) if len(x) > limit]
        if long and not truncation:
            i = long[0]
            raise ContextError(
                f"Sentence {i + 1} has {len(ids[i])} tokens, more than the limit of {limit}; shorten it "
                "or let the model read only its beginning (truncation)."
            )
        if long:
            cut = self._tokenize([texts[i] for i in long], max_length=limit)
            for k, i in enumerate(long):
                ids[i], types[i] = cut.input_ids[k], cut.token_type_ids[k]
        inputs = [ModelInput(tuple(x), None if t is None else tuple(t)) for x, t in zip(ids, types, strict=True)]
        cut_set = set(long)
        meta = {
            "tokens": tuple(self._tokens(x) for x in ids),
            "truncated": tuple(i in cut_set for i in range(len(texts))),
            "max_length": limit,
            "pooling": pooling,
        }
        return SentenceJob(inputs, pooling, batch_size, meta, self.hidden_size)

    # ----- static vectors ---------------------------------------------------------------------
    def _input_embeddings(self) -> torch.Tensor:
        return self.model.get_input_embeddings().weight.detach()

    def static_vectors(self, max_words: int | None = None) -> WordVectors:
        """Whole-word rows of the input-embedding table, in token-id order, as a static vector set.

        Example:
            >>> emb.static_vectors(max_words=5).vector_size
            384
        """
        with self._lock:
            special = set(self.tokenizer.all_special_tokens)
            vocab = sorted(self.tokenizer.get_vocab().items(), key=lambda kv: kv[1])
        prefix = {"bytelevel": "Ġ", "sentencepiece": "▁"}.get(self.vocab_style, "")
        keys: list[str] = []
        ids: list[int] = []
        seen: set[str] = set()
        for token, tid in vocab:
            if token in special:
                continue
            if prefix:
                if not token.startswith(prefix):
                    continue
                word = token[len(prefix) :]
            else:
                if token.startswith("##") or (token.startswith("[") and token.endswith("]")):
                    continue
                word = token
            if not word.isalpha() or (len(word) == 1 and word.lower() not in {"a", "i"}) or word in seen:
                continue
            seen.add(word)
            keys.append(word)
            ids.append(tid)
            if max_words is not None and len(keys) >= max_words:
                break
        table = self._input_embeddings()
        rows = table[torch.tensor(ids, dtype=torch.long, device=table.device)].float().cpu().numpy()
        return WordVectors(keys, rows, name=f"{self.name} input embeddings")

    def _word_piece_ids(self, word: str) -> list[int]:
        text = word.strip()
        if self.vocab_style == "bytelevel":
            text = " " + text  # a word inside a sentence carries its leading space
        with self._lock:
            return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def static_vector(self, word: str) -> np.ndarray:
        """The input-embedding row of ``word`` (mean of its pieces): the same vector for every sentence.

        Example:
            >>> emb.static_vector("bank").shape
            (384,)
        """
        word_pattern(word)
        ids = self._word_piece_ids(word)
        if not ids:
            raise ContextError(f"The tokenizer of {self.name} gives no tokens for {word!r}.")
        table = self._input_embeddings()
        rows = table[torch.tensor(ids, dtype=torch.long, device=table.device)].float()
        return readonly(rows.mean(0).cpu().numpy(), np.float32)

    def word_pieces(self, word: str) -> list[str]:
        """The subword tokens of ``word`` on its own (e.g. ``['house', '##plant']``)."""
        return list(self._tokens(self._word_piece_ids(word)))
