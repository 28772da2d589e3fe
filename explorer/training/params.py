"""The parameters the Train page offers for each method: range, default, and a one-line meaning.

The defaults here suit the app's small corpora (a new visitor pressing "x100" should see
structure within seconds); the config dataclasses keep gensim's / the papers' defaults.

Example:
    >>> from explorer.training.params import PARAMS, page_config
    >>> [p.name for p in PARAMS["glove"]][:3]
    ['vector_size', 'window', 'min_count']
    >>> page_config("sgns", {"vector_size": 20}, token_count=60_000)["batch_words"]
    3000
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from explorer import links


@dataclass(frozen=True)
class ParamSpec:
    """One tunable parameter: widget range, default and help text."""

    name: str
    label: str
    kind: str  # "int" or "float"
    default: float
    lo: float
    hi: float
    help: str
    step: float | None = None
    fmt: str | None = None

    def typed(self, value: float) -> int | float:
        """``value`` as this parameter's type (a number input needs int bounds for an int parameter)."""
        return int(value) if self.kind == "int" else float(value)

    @property
    def typed_default(self) -> int | float:
        return self.typed(self.default)

    @property
    def widget_format(self) -> str | None:
        """printf-style format of the number input (floats show two decimals unless ``fmt`` says more)."""
        return self.fmt or (None if self.kind == "int" else "%.2f")

    @property
    def step_size(self) -> int | float:
        """The widget's step: ``step`` when given, else 1 for ints and 0.01 for floats."""
        return self.typed(self.step if self.step is not None else (1 if self.kind == "int" else 0.01))


def _common(window: int = 5) -> list[ParamSpec]:
    return [
        ParamSpec("vector_size", "Dimensions", "int", 50, 2, 300, "Length of each word vector; more dimensions hold more distinctions but need more text."),
        ParamSpec("window", "Window", "int", window, 1, 20, "How many words on each side count as a word's context."),
        ParamSpec("min_count", "Min count", "int", 3, 1, 100, "Words seen fewer times than this are left out of the vocabulary."),
    ]  # fmt: skip


def _neg_sampling(alpha: float) -> list[ParamSpec]:
    return [
        ParamSpec("negative", "Negative samples", "int", 5, 1, 30, "Random 'noise' words each true pair is contrasted with."),
        ParamSpec("sample", "Subsampling", "float", 1e-3, 0.0, 0.1, "Frequent words are randomly skipped above this share of the text (0 keeps all).", step=1e-4, fmt="%.4f"),
        ParamSpec("epochs", "Epochs", "int", 5, 1, 100, "Passes over the corpus."),
        ParamSpec("alpha", "Learning rate", "float", alpha, 0.0005, 1.0, "Starting step size; it falls linearly to almost zero by the end.", step=0.005, fmt="%.4f"),
    ]  # fmt: skip


PARAMS: dict[str, list[ParamSpec]] = {
    "sgns": _common() + _neg_sampling(0.025),
    "cbow": _common() + _neg_sampling(0.05),
    "ppmi_svd": _common()
    + [
        ParamSpec(
            "cds",
            "Context smoothing",
            "float",
            0.75,
            0.05,
            1.0,
            "Raise context counts to this power so rare contexts do not dominate PMI (1 = off).",
            step=0.05,
        ),
        ParamSpec(
            "eigenvalue_weight",
            "Eigenvalue weight",
            "float",
            0.5,
            0.0,
            1.0,
            "Vectors are U * S^p; p = 0.5 balances the SVD's directions.",
            step=0.1,
        ),
        ParamSpec(
            "power_iterations",
            "SVD power iterations",
            "int",
            4,
            0,
            10,
            "Refinement rounds of the randomized SVD; each is one step.",
        ),
    ],  # fmt: skip
    "glove": _common(window=10)
    + [
        ParamSpec(
            "x_max",
            "x_max",
            "float",
            100.0,
            1.0,
            1000.0,
            "Co-occurrence count at which a pair's weight stops growing.",
            step=10.0,
        ),
        ParamSpec(
            "alpha_weight",
            "Weight exponent",
            "float",
            0.75,
            0.05,
            1.0,
            "Exponent of the weighting (x / x_max)^a of rarer pairs.",
            step=0.05,
        ),
        ParamSpec("epochs", "Epochs", "int", 25, 1, 200, "Passes over the non-zero co-occurrence entries."),
        ParamSpec(
            "learning_rate",
            "Learning rate",
            "float",
            0.1,
            0.001,
            1.0,
            "AdaGrad's initial step size (glove.c uses 0.05; a small corpus learns faster at 0.1).",
            step=0.01,
            fmt="%.3f",
        ),
    ],  # fmt: skip
    "subword": _common()
    + _neg_sampling(0.05)
    + [
        ParamSpec(
            "min_n", "Shortest n-gram", "int", 3, 1, 6, "Shortest character n-gram (with < > marking the word's ends)."
        ),
        ParamSpec("max_n", "Longest n-gram", "int", 6, 1, 10, "Longest character n-gram."),
        ParamSpec(
            "bucket",
            "Hash buckets",
            "int",
            20_000,
            1_000,
            200_000,
            "Rows the n-grams are hashed into; fewer rows mean more collisions.",
            step=1000,
        ),
    ],  # fmt: skip
}


def param_parser(spec: ParamSpec) -> Callable[[str], int | float]:
    """The link parser of one parameter: a number within the widget's range.

    >>> param_parser(PARAMS["sgns"][0])("300"), param_parser(PARAMS["sgns"][0])("1")
    Traceback (most recent call last):
    ...
    explorer.errors.LinkError: '1' is out of range; use an integer from 2 to 300.
    """
    if spec.kind == "int":
        return links.int_in(int(spec.lo), int(spec.hi))
    return links.float_in(float(spec.lo), float(spec.hi))


def param_key(method: str, name: str) -> str:
    """The session-state / link key of one parameter of one method."""
    return f"train.{method}.{name}"


def page_config(method: str, values: Mapping[str, Any], token_count: int) -> dict[str, Any]:
    """Trainer keyword arguments from the page's values, with step sizes suited to the corpus.

    A step of a word-streaming method covers about 1/20 of the corpus, so "x20" is about an
    epoch; counting steps cover about 1/10.
    """
    cfg: dict[str, Any] = {p.name: values.get(p.name, p.default) for p in PARAMS[method]}
    for p in PARAMS[method]:
        cfg[p.name] = int(cfg[p.name]) if p.kind == "int" else float(cfg[p.name])
    if method in ("sgns", "cbow", "subword"):
        cfg["batch_words"] = int(min(10_000, max(500, token_count // 20)))
    else:
        cfg["batch_words"] = int(min(100_000, max(1_000, token_count // 10)))
    return cfg
