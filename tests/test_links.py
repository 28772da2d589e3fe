"""Link parameters: every parser accepts what the app offers and refuses the rest with a message."""

from __future__ import annotations

import pytest

from explorer import links
from explorer.links import LinkError
from explorer.settings import Settings


def test_choice_accepts_listed_values_case_insensitively() -> None:
    parse = links.choice(["pca", "tsne", "umap"])
    assert parse("umap") == "umap"
    assert parse(" UMAP ") == "umap"
    with pytest.raises(LinkError, match="not one of the choices"):
        parse("lda")


def test_choice_returns_the_option_object_not_the_text() -> None:
    assert links.choice([2, 3])("3") == 3
    with pytest.raises(LinkError):
        links.choice(["Aa"], case_sensitive=True)("aa")


@pytest.mark.parametrize("raw", ["", "abc", "1.5", "1e3", "0x10", "--1", "9" * 40, "∞"])
def test_int_in_refuses_text_that_is_not_a_whole_number(raw: str) -> None:
    with pytest.raises(LinkError) as info:
        links.int_in(0, 100)(raw)
    assert "0" in str(info.value) and "100" in str(info.value)


def test_int_in_bounds_are_inclusive_and_enforced() -> None:
    parse = links.int_in(1, 10)
    assert parse("1") == 1 and parse("10") == 10 and parse("+5") == 5
    for raw in ("0", "11", "-3", str(2**70)):
        with pytest.raises(LinkError, match="out of range"):
            parse(raw)


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "1e999", "2", "-0.5", "x", "1,5"])
def test_float_in_refuses_non_finite_and_out_of_range(raw: str) -> None:
    with pytest.raises(LinkError):
        links.float_in(0.0, 1.0)(raw)


def test_float_in_accepts_plain_and_scientific_notation() -> None:
    parse = links.float_in(0.0, 1.0)
    assert parse("0.25") == 0.25 and parse("1e-3") == pytest.approx(0.001) and parse(".5") == 0.5


def test_words_splits_trims_dedupes_and_limits() -> None:
    parse = links.words(3, 10)
    assert parse(" king ,queen,, king,man ") == ["king", "queen", "man"]
    assert parse("") == []
    with pytest.raises(LinkError, match="at most 3"):
        parse("a,b,c,d")
    with pytest.raises(LinkError, match="longer than 10"):
        parse("supercalifragilistic")


def test_words_drop_control_characters() -> None:
    with pytest.raises(LinkError, match="NUL"):
        links.words(5, 20)("ba\x00nk")
    assert links.words(5, 20)("ri\u200bver,\x1bbank") == ["river", "bank"]


def test_text_keeps_line_breaks_and_limits_length() -> None:
    parse = links.text(50)
    assert parse("The bank.\nThe river bank.") == "The bank.\nThe river bank."
    with pytest.raises(LinkError, match="at most 50"):
        parse("x" * 51)


def test_flag_values() -> None:
    parse = links.flag()
    assert [parse(v) for v in ("1", "true", "ON", "yes")] == [True] * 4
    assert [parse(v) for v in ("0", "false", "Off", "no")] == [False] * 4
    with pytest.raises(LinkError, match="on/off"):
        parse("maybe")


def test_every_parser_refuses_oversized_and_non_text_input() -> None:
    parsers = [
        links.choice(["a"]),
        links.int_in(0, 1),
        links.float_in(0, 1),
        links.words(5, 5),
        links.text(10**6),
        links.flag(),
        links.builtin_name(["a"]),
        links.model_name(Settings()),
    ]
    for parse in parsers:
        with pytest.raises(LinkError):
            parse("1" * (links.MAX_PARAM_CHARS + 1))
        with pytest.raises(LinkError):
            parse(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd",
        "../x",
        "..\\x",
        "~/.ssh/id_rsa",
        "http://example.com/model",
        "https://huggingface.co/bert-base-uncased",
        "file:///etc/passwd",
        "C:\\Windows",
        "s3://bucket/key",
        "sentence-transformers/all-MiniLM-L6-v2",
        ".hidden",
        "$HOME",
        "a\tb",
        "",
    ],
)
def test_path_like_names_are_refused(name: str) -> None:
    assert links.looks_like_path_or_url(name)
    with pytest.raises(LinkError):
        links.refuse_path(name)


@pytest.mark.parametrize("name", ["support_tickets", "news", "wiki-sample", "bank"])
def test_plain_ids_are_not_path_like(name: str) -> None:
    assert not links.looks_like_path_or_url(name)
    assert links.refuse_path(f" {name} ") == name


def test_builtin_name_refuses_paths_before_comparing() -> None:
    parse = links.builtin_name(["support_tickets", "news"])
    assert parse("news") == "news"
    with pytest.raises(LinkError, match="file path"):
        parse("../assets/corpora/news.txt")
    with pytest.raises(LinkError, match="not one of"):
        parse("wikipedia")


def test_model_check_allows_only_offered_models() -> None:
    local = Settings()
    assert links.check_model_allowed(None, local) is None
    assert links.check_model_allowed("bundled", local) is None
    with pytest.raises(LinkError, match="not offered"):
        links.check_model_allowed("bert-base-uncased", local)
    with pytest.raises(LinkError, match="file path"):
        links.check_model_allowed("/etc/passwd", local)
    with pytest.raises(LinkError, match="file path"):
        links.check_model_allowed("http://evil.example/model.bin", local)


def test_model_check_honours_operator_settings() -> None:
    configured = Settings(model="/models/my-bert", allowed_models=("distilbert-base-uncased",))
    assert links.check_model_allowed("/models/my-bert", configured) == "/models/my-bert"
    assert links.check_model_allowed("distilbert-base-uncased", configured) == "distilbert-base-uncased"
    with pytest.raises(LinkError):
        links.check_model_allowed("/models/other", configured)


def test_model_typed_locally_may_be_anything_but_never_from_a_link_or_when_hosted() -> None:
    assert links.check_model_allowed("/my/local/bert", Settings(), from_link=False) == "/my/local/bert"
    with pytest.raises(LinkError):
        links.check_model_allowed("/my/local/bert", Settings(), from_link=True)
    hosted = Settings.from_env({"EXPLORER_HOSTED": "1"})
    with pytest.raises(LinkError):
        links.check_model_allowed("bert-base-uncased", hosted, from_link=False)


def test_model_name_parser_returns_bundled_for_the_default() -> None:
    parse = links.model_name(Settings())
    assert parse("bundled") == "bundled"
    with pytest.raises(LinkError):
        parse("gpt2")


def test_parser_factories_refuse_bad_bounds() -> None:
    with pytest.raises(ValueError):
        links.int_in(5, 1)
    with pytest.raises(ValueError):
        links.float_in(1.0, 0.0)
    with pytest.raises(ValueError):
        links.choice([])


# ----- link round trip on every page ------------------------------------------------------------
# Each page opened with these address parameters must hold them in its widgets (by key), write a
# link back, and a second visitor opening that link must see the very same values.
PAGE_LINKS: dict[str, dict[str, str]] = {
    "pages/1_Train.py": {
        "sidebar.corpus": "analogy_world",
        "train.method": "glove",
        "train.seed": "4321",
        "train.glove.window": "7",
        "train.glove.vector_size": "24",
        "train.watch": "king, queen",
    },
    "pages/2_Project.py": {
        "sidebar.corpus": "mixed",
        "project.method": "pca",
        "project.dims": "3",
        "project.n_words": "30",
        "project.seed": "99",
        "project.colour": "none",
    },
    "pages/3_Analogies.py": {
        "sidebar.corpus": "analogy_world",
        "analogy.a": "man",
        "analogy.b": "woman",
        "analogy.c": "king",
        "analogy.method": "3cosmul",
        "analogy.exclude": "0",
        "analogy.topn": "7",
    },
    "pages/4_Context.py": {
        "sidebar.corpus": "mixed",
        "context.source": "preset",
        "context.preset": "charge",
        "context.layer": "1",
        "context.center": "1",
        "context.pooling": "first",
    },
    "pages/5_Sentences.py": {
        "sidebar.corpus": "support_tickets",
        "sentences.preset": "classic",
        "sentences.metric": "euclidean",
        "sentences.topn": "5",
        "sentences.query": "The bank approved my loan.",
    },
}


FREE_TEXT = {"train.watch", "sentences.query", "analogy.a", "analogy.b", "analogy.c"}


def _link_value(value: object) -> str:
    from explorer.pagestate import link_text

    return link_text(value)


def _params(at) -> dict[str, str]:
    out = {}
    for key in at.query_params:
        value = at.query_params[key]
        out[key] = value if isinstance(value, str) else value[-1]
    return out


@pytest.fixture()
def small_model(monkeypatch: pytest.MonkeyPatch, tiny_bert_dir) -> None:
    """Pages that need a transformer get the tiny offline BERT (the bundled one is covered elsewhere)."""
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))


@pytest.mark.parametrize("page", sorted(PAGE_LINKS))
def test_a_link_restores_the_page_and_reopens_identically(page: str, small_model: None) -> None:
    from tests.apptest import app_test

    link = PAGE_LINKS[page]
    first = app_test(page, timeout=180)
    for key, value in link.items():
        first.query_params[key] = value
    first.run()
    assert not first.exception, first.exception
    assert not [w.value for w in first.warning if "link's value" in w.value]
    for key, value in link.items():
        assert _link_value(first.session_state[key]) == value, key
    assert first.sidebar.selectbox(key="sidebar.corpus").value == link["sidebar.corpus"]
    written = _params(first)
    for key, value in link.items():
        assert written.get(key) == value, f"{key} is not written back into the link"

    second = app_test(page, timeout=180)
    for key, value in written.items():
        second.query_params[key] = value
    second.run()
    assert not second.exception
    for key in written:
        assert _link_value(second.session_state[key]) == _link_value(first.session_state[key]), key
    assert _params(second) == written, "the reopened page writes the same link"


@pytest.mark.parametrize("page", sorted(PAGE_LINKS))
def test_a_hand_edited_link_falls_back_to_defaults_with_a_warning(page: str, small_model: None) -> None:
    from tests.apptest import app_test

    bad = {key: "/etc/passwd" for key in PAGE_LINKS[page]}
    at = app_test(page, timeout=180)
    for key, value in bad.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning) + " ".join(w.value for w in at.sidebar.warning)
    assert "sidebar.corpus" in warnings and "ignored" in warnings
    assert at.sidebar.selectbox(key="sidebar.corpus").value != "/etc/passwd"
    for key in PAGE_LINKS[page]:
        if key in FREE_TEXT:
            continue  # a word or sentence may be any short text; it names nothing on the server
        assert f"'{key}'" in warnings, f"{key}: a path in a choice or number parameter must be refused"
        assert key not in at.session_state or _link_value(at.session_state[key]) != "/etc/passwd", key


def test_link_text_of_widget_values_parses_back() -> None:
    import numpy as np

    from explorer.pagestate import link_text as _link_text

    assert links.float_in(0, 1)(_link_text(np.float64(0.025))) == 0.025
    assert links.float_in(0, 1)(_link_text(1e-05)) == 1e-05
    assert links.int_in(0, 10)(_link_text(np.int64(7))) == 7
    assert links.flag()(_link_text(True)) is True
    assert links.words(5, 10)(_link_text(["king", "queen"])) == ["king", "queen"]
