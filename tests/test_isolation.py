"""One visitor's uploads and trained vectors never reach another visitor, and shared caches cannot be
steered by what a visitor types or links."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
CACHE_DECORATORS = {"cache_resource", "cache_data"}
# Parameters of a cached function that could name something outside the app.
PATHLIKE = ("path", "file", "url", "dir", "folder", "uri")


def _visitor_script() -> None:
    import numpy as np
    import streamlit as st

    from explorer import ui
    from explorer.corpus import Corpus
    from explorer.vectors import WordVectors

    if st.session_state.get("iso.owner") and not st.session_state.get("iso.done"):
        st.session_state["iso.done"] = True
        private = Corpus.from_texts(["zanzibar quokka private words"], name="secret.txt", source="upload:secret.txt")
        st.session_state["sidebar.corpus"] = ui.UPLOAD_CHOICE
        st.session_state["sidebar.uploaded_corpus"] = ("fingerprint", private)
        ui.register_vectors("Trained: secret", WordVectors(["zanzibar", "quokka"], np.eye(2, dtype=np.float32)))
    state = ui.sidebar()
    st.write(f"corpus={state.corpus.name}|{state.corpus.source}")
    st.write("sets=" + ",".join(sorted(ui.session_vector_sets())))
    ui.vector_set_picker(state, key="iso.vectors", allow_upload=False)


@pytest.fixture()
def no_transformer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference set is not under test here: keep the bundled transformer out of it."""
    from explorer import cache

    monkeypatch.setattr(cache, "get_reference_vectors", lambda *a, **k: None)


def _texts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_second_session_sees_none_of_the_first_sessions_upload_or_vectors(no_transformer: None) -> None:
    first = AppTest.from_function(_visitor_script, default_timeout=60)
    first.session_state["iso.owner"] = True
    first.run()
    first.run()  # a rerun keeps the visitor's own data
    assert not first.exception
    assert "corpus=secret.txt|upload:secret.txt" in _texts(first)
    assert "sets=Trained: secret" in _texts(first)
    assert "Trained: secret" in first.selectbox(key="iso.vectors").options

    second = AppTest.from_function(_visitor_script, default_timeout=60)
    # The second visitor opens the first one's link: the address carries no uploaded data.
    for key in first.query_params:
        second.query_params[key] = first.query_params[key]
    second.run()
    assert not second.exception
    text = _texts(second)
    assert "secret" not in text and "zanzibar" not in text
    assert "corpus=Support tickets|builtin:support_tickets" in text
    assert "Trained: secret" not in second.selectbox(key="iso.vectors").options
    for key in ("sidebar.uploaded_corpus", "vectors.sets", "vectors.active", "iso.done"):
        assert key not in second.session_state


def test_an_uploaded_corpus_never_goes_into_the_link_and_a_download_is_offered(no_transformer: None) -> None:
    at = AppTest.from_function(_visitor_script, default_timeout=60)
    at.query_params["sidebar.corpus"] = "mixed"
    at.run()
    assert at.query_params["sidebar.corpus"] in ("mixed", ["mixed"])
    at.session_state["iso.owner"] = True  # the visitor now uploads a file
    at.run()
    assert not at.exception
    assert "sidebar.corpus" not in at.query_params, "an upload cannot travel in a link"
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "cannot travel in a shared link" in captions
    # The parsed corpus is offered as a .txt download instead.
    downloads = [el for el in at.sidebar if getattr(el, "type", "") == "download_button"]
    assert [d.key for d in downloads] == ["sidebar.corpus_download"], "a download of the uploaded corpus is offered"


def test_session_tokens_are_unguessable_and_per_session() -> None:
    def script() -> None:
        import streamlit as st

        from explorer import ui

        st.write(ui.session_token())

    a = AppTest.from_function(script, default_timeout=30)
    b = AppTest.from_function(script, default_timeout=30)
    a.run()
    b.run()
    token_a, token_b = a.markdown[0].value, b.markdown[0].value
    assert token_a != token_b and len(token_a) >= 20
    a.run()
    assert a.markdown[0].value == token_a


# ----- the shared cache layer -----------------------------------------------------------------
def _cache_functions() -> list[ast.FunctionDef]:
    tree = ast.parse((ROOT / "explorer" / "cache.py").read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            if isinstance(target, ast.Attribute) and target.attr in CACHE_DECORATORS:
                found.append(node)
    return found


def test_cache_layer_has_cached_functions_to_check() -> None:
    names = {f.name for f in _cache_functions()}
    assert {"get_embedder", "get_builtin_corpus", "get_training_slots"} <= names


def test_shared_resources_are_keyed_by_plain_settings_never_by_visitor_data() -> None:
    """st.cache_resource is shared by every visitor: its keys must be short scalars (names, devices,
    numbers), never uploaded bytes, corpora or vector sets a visitor could probe."""
    for fn in _cache_functions():
        is_resource = any(
            isinstance(d.func if isinstance(d, ast.Call) else d, ast.Attribute)
            and (d.func if isinstance(d, ast.Call) else d).attr == "cache_resource"
            for d in fn.decorator_list
        )
        if not is_resource:
            continue
        for arg in fn.args.args + fn.args.kwonlyargs:
            annotation = ast.unparse(arg.annotation) if arg.annotation else ""
            assert annotation, f"{fn.name}({arg.arg}) needs a type annotation"
            allowed = {"str", "int", "float", "bool", "None"}
            parts = {p.strip() for p in annotation.replace("|", " ").split()}
            if parts <= allowed:
                continue
            # Anything else must be hashed by a whole-content fingerprint (checked below), never by identity.
            hash_funcs = [
                k.value
                for d in fn.decorator_list
                if isinstance(d, ast.Call)
                for k in d.keywords
                if k.arg == "hash_funcs"
            ]
            assert hash_funcs, f"{fn.name}({arg.arg}: {annotation}) keys a shared cache by visitor data"
            assert "_corpus_fingerprint" in ast.unparse(hash_funcs[0]), f"{fn.name}: unknown fingerprint"


def test_corpus_fingerprint_covers_the_whole_text_of_an_upload() -> None:
    from explorer import cache
    from explorer.corpus import Corpus

    lines = [f"line {i} holds words number {i}" for i in range(200)]
    changed = list(lines)
    changed[100] = "a different middle line entirely"
    a = Corpus.from_texts(lines, name="notes.txt", source="upload:notes.txt")
    b = Corpus.from_texts(changed, name="notes.txt", source="upload:notes.txt")
    a_again = Corpus.from_texts(lines, name="notes.txt", source="upload:notes.txt")
    assert cache._corpus_fingerprint(a) != cache._corpus_fingerprint(b)
    assert cache._corpus_fingerprint(a) == cache._corpus_fingerprint(a_again)


def _calls_to(names: set[str]) -> list[tuple[Path, ast.Call, str]]:
    calls = []
    files = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"] + sorted((ROOT / "explorer").rglob("*.py"))
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in names:
                    calls.append((path, node, name))
    return calls


def _operator_controlled(arg: ast.expr) -> bool:
    """None, a literal, or the model the operator configured (``state.model`` / ``settings.model``)."""
    if isinstance(arg, ast.Constant):
        return True
    if isinstance(arg, ast.Attribute) and arg.attr in ("model", "index_dir", "data_dir", "map_dir", "share_store"):
        return True  # the operator's configured model, or the server's index, library, map folder or shared store
    if isinstance(arg, ast.BoolOp):  # `settings.index_dir or ""`
        return all(_operator_controlled(v) for v in arg.values)
    # The parameter of a wrapper in cache.py whose own callers are checked here (its name is path-like).
    return isinstance(arg, ast.Name) and arg.id in {"name_or_path", "model", "folder"}


def test_path_like_cache_parameters_only_receive_operator_settings() -> None:
    """A cached loader whose parameter can name a path or model is only ever called with the
    operator's configured model (or through ``get_allowed_embedder``, which checks the name)."""
    pathlike = {
        fn.name
        for fn in _cache_functions()
        if any(any(word in arg.arg.lower() for word in PATHLIKE) for arg in fn.args.args)
    }
    assert "get_embedder" in pathlike
    for path, call, _name in _calls_to(pathlike):
        first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "name_or_path"), None)
        if first is None:
            continue
        where = f"{path.relative_to(ROOT)}:{call.lineno} {ast.unparse(call)}"
        if path.name == "cache.py" and isinstance(first, ast.Call):
            assert ast.unparse(first.func).endswith("check_model_allowed"), where
            continue
        assert _operator_controlled(first), f"{where} passes a value a visitor could choose"


def test_builtin_corpus_loader_refuses_anything_but_a_catalog_id() -> None:
    from explorer.corpus import Corpus, CorpusError

    for bad in ("../../etc/passwd", "/etc/passwd", "support_tickets.txt", "http://example.com/x"):
        with pytest.raises(CorpusError):
            Corpus.builtin(bad)


def _upload_script() -> None:
    import streamlit as st

    from explorer import ui

    state = ui.sidebar()
    st.write(f"corpus={state.corpus.source}|words={','.join(sorted(state.corpus.counts)[:50])}")


def test_a_real_upload_stays_in_its_own_session() -> None:
    first = AppTest.from_function(_upload_script, default_timeout=60)
    first.run()
    first.sidebar.selectbox(key="sidebar.corpus").select("__upload__").run()
    first.get("file_uploader")[0].set_value(("secret.txt", b"zanzibar quokka xylophone.\n" * 5, "text/plain")).run()
    assert not first.exception
    assert any("corpus=upload:secret.txt" in m.value and "quokka" in m.value for m in first.markdown)
    assert [d.key for d in first.get("download_button")] == ["sidebar.corpus_download"]

    second = AppTest.from_function(_upload_script, default_timeout=60)
    second.run()
    second.sidebar.selectbox(key="sidebar.corpus").select("__upload__").run()
    assert not second.exception
    text = " ".join(m.value for m in second.markdown)
    assert "quokka" not in text and "secret" not in text
    assert "corpus=builtin:support_tickets" in text, "until it uploads, the second visitor sees the built-in corpus"
    assert not second.get("download_button")


def test_an_upload_in_use_is_named_after_a_page_switch_and_can_be_removed() -> None:
    at = AppTest.from_function(_upload_script, default_timeout=60)
    at.run()
    at.sidebar.selectbox(key="sidebar.corpus").select("__upload__").run()
    at.get("file_uploader")[0].set_value(("notes.txt", b"zanzibar quokka xylophone.\n" * 5, "text/plain")).run()
    # Another page ran: the uploader has forgotten its file, the parsed corpus is still in use.
    back = AppTest.from_function(_upload_script, default_timeout=60)
    for key in ("sidebar.uploaded_corpus", "sidebar.kept"):
        back.session_state[key] = at.session_state[key]
    back.run()
    assert any("corpus=upload:notes.txt" in m.value for m in back.markdown)
    assert any("In use: **notes.txt**" in c.value for c in back.sidebar.caption)
    next(b for b in back.sidebar.button if b.label == "Remove this upload").click().run()
    assert not back.exception
    assert any("corpus=builtin:support_tickets" in m.value for m in back.markdown)
    assert "sidebar.uploaded_corpus" not in back.session_state


# ----- visitors at the same moment ------------------------------------------------------------
@pytest.fixture()
def tiny_model(monkeypatch: pytest.MonkeyPatch, tiny_bert_dir):
    from explorer import cache

    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    monkeypatch.setenv("EXPLORER_DEVICE", "cpu")
    cache.get_result_cache.clear()
    yield cache.get_embedder(str(tiny_bert_dir), "cpu")
    cache.get_result_cache.clear()


def _error_texts(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _chart_text(at: AppTest) -> str:
    return " ".join(chart.proto.spec for chart in at.get("plotly_chart"))


def _context_session(word: str, lines: list[str]) -> AppTest:
    """A Context visitor with their own sentences typed in, the last run not yet asked for."""
    at = AppTest.from_file(str(ROOT / "pages" / "4_Context.py"), default_timeout=120)
    at.run()
    at.radio(key="context.source").set_value("custom").run()
    at.text_input(key="context.word").set_value(word).run()
    at.text_area(key="context.text").set_value("\n".join(lines))
    return at


def test_visitors_whose_requests_share_one_forward_pass_see_only_their_own_sentences(
    tiny_model, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two Context visitors send their own sentences at the same moment; the queue runs both in one
    forward pass, and each page shows its visitor's sentences and none of the other's."""
    visitors = {
        "a": ("bank", ["the bank lent money | money", "paris has a bank | money", "the river bank | river"]),
        "b": ("bank", ["my card bank fee | money", "the dog sat at the bank | river", "queen and king bank | money"]),
    }
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    from explorer import cache
    from explorer.contextual.queue import TransformerQueue

    # Both requests must be waiting before the round starts: one forward pass carries both visitors.
    queue = TransformerQueue(tiny_model, gather_seconds=600.0, max_round_inputs=6)
    monkeypatch.setattr(cache, "get_transformer_queue", lambda model, device: queue)
    # Each AppTest compiles the page in a script cache of its own; CPython 3.11's parser fails when
    # two threads parse at once ("AST constructor recursion depth mismatch"). The server shares one
    # locked cache, so compile one at a time here as it does.
    compile_lock = threading.Lock()
    get_bytecode = ScriptCache.get_bytecode

    def get_bytecode_serially(self, script_path):
        with compile_lock:
            return get_bytecode(self, script_path)

    monkeypatch.setattr(ScriptCache, "get_bytecode", get_bytecode_serially)
    sessions = {name: _context_session(word, lines) for name, (word, lines) in visitors.items()}
    before, rounds = tiny_model.forward_passes, queue.rounds
    start = threading.Barrier(len(sessions))

    def visit(at) -> None:
        start.wait()
        at.run()

    threads = [threading.Thread(target=visit, args=(at,)) for at in sessions.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert tiny_model.forward_passes - before == 1 and queue.rounds - rounds == 1
    for name, at in sessions.items():
        assert not at.exception and not _error_texts(at), _error_texts(at)
        text = _chart_text(at)
        own = [line.split(" | ")[0] for line in visitors[name][1]]
        other = [line.split(" | ")[0] for other_name, v in visitors.items() if other_name != name for line in v[1]]
        assert all(s in text for s in own), f"visitor {name} misses one of its sentences"
        assert not any(s in text for s in other), f"visitor {name} sees another visitor's sentence"
    queue.close()


def _context_visit(word: str, lines: list[str]) -> AppTest:
    at = _context_session(word, lines).run()
    assert not at.exception and not _error_texts(at), _error_texts(at)
    return at


def test_charts_are_built_once_for_every_visitor_who_asks_for_the_same_ones(tiny_model) -> None:
    """The second visitor with the same sentences gets the same four charts from the shared figure
    cache without building any; a visitor with other sentences gets charts of their own."""
    from explorer import cache

    figures = cache.figure_cache()
    lines = ["the bank lent money | money", "the river bank flooded | river", "a bank fee | money"]
    first = _context_visit("bank", lines)
    hits, misses = figures.hits, figures.misses
    second = _context_visit("bank", lines)
    assert figures.misses == misses, "a chart was built again for the second visitor"
    assert figures.hits - hits >= 4  # heatmap, separation, occurrence map, visibility
    assert _chart_text(second) == _chart_text(first)
    other = _context_visit("bank", ["my card bank fee | money", "the dog sat at the bank | river"])
    assert figures.misses > misses
    assert "my card bank fee" in _chart_text(other) and "the bank lent money" not in _chart_text(other)
