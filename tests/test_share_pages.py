"""AppTests of sharing: a set shared on one page opens from the link in a new session, the same words,
vectors and neighbours, with its provenance; an upload and a snapshot too; a deleted or unknown id falls
back to the reference set with a message."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import vectorsets
from explorer.share import ShareStore
from explorer.ui.vectorsets import SessionVectorSet
from explorer.vectors import WordVectors
from tests.apptest import app_test

PROJECT = "pages/2_Project.py"
REFERENCE = WordVectors([f"ref{i}" for i in range(40)], np.random.default_rng(9).normal(size=(40, 8)), name="Ref")


@pytest.fixture()
def store_dir(monkeypatch, tmp_path):
    folder = tmp_path / "shared"
    monkeypatch.setenv("EXPLORER_SHARE_STORE", str(folder))
    monkeypatch.setattr("explorer.cache.get_reference_vectors", lambda *a, **k: REFERENCE)
    return folder


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def _link(at) -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def _project(sets: dict | None = None, chosen: str | None = None, link: dict | None = None, word: str | None = None):
    at = app_test(PROJECT)
    if sets is not None:
        at.session_state["vectors.sets"] = sets
        at.session_state["vectors.active"] = chosen
    if link is not None:
        at.query_params.update(link)
    if word is not None:
        at.session_state["project.neighbour_of"] = word
        at.session_state["project.only_shown"] = False
    at.run()
    assert not at.exception, at.exception
    return at


def _neighbours(at) -> list:
    return at.dataframe[-1].value.to_dict("records")


def _share_and_open(sets: dict, set_id: str, word: str):
    """Share ``set_id`` on the Project page of one session; open the link in a new session."""
    first = _project(sets, set_id, word=word)
    assert first.session_state["project.vectors"] == set_id
    _button(first, "Share").click().run()
    assert not first.exception and not first.error, _texts(first.error)
    link = _link(first)
    shared = link["project.vectors"]
    assert vectorsets.parse_id(shared).kind == "shared"
    assert "now names the shared copy" in _texts(first.success)
    second = _project(link=link)  # a new session: none of the first one's sets
    assert "vectors.sets" not in second.session_state or not second.session_state["vectors.sets"]
    assert second.session_state["project.vectors"] == shared
    assert not second.warning, _texts(second.warning)
    return first, second


def _trained_sets():
    train = app_test("pages/1_Train.py")
    train.run()
    _button(train, "Step ×20").click().run()
    _button(train, "Keep a snapshot").click().run()
    _button(train, "Step ×1").click().run()
    assert not train.exception
    return train.session_state["vectors.sets"]


def test_a_shared_trained_set_and_snapshot_open_the_same_in_a_new_session(store_dir) -> None:
    sets = _trained_sets()
    live = vectorsets.trained_id("sgns", "builtin:support_tickets")
    snapshot = next(i for i in sets if "@" in i)
    for set_id in (live, snapshot):
        own = sets[set_id].vectors
        word = own.keys[5]
        first, second = _share_and_open(sets, set_id, word)
        assert _neighbours(second) == _neighbours(first)
        assert second.metric[0].value == first.metric[0].value
        caption = _texts(second.caption)
        assert "A shared set" in caption and "Skip-gram" in caption and "seed 1" in caption
        assert "Support tickets" in caption and "its text is not shared" in caption
        assert "Dimensions 50" in caption and "Window 5" in caption  # the parameters by the Train page's labels
        said = next(str(c.value) for c in second.caption if "A shared set" in str(c.value))
        assert "batch_words" not in said and "=" not in said  # not the trainer's internal settings
        steps = vectorsets.parse_id(set_id).step
        if steps is not None:
            assert f"for {steps} steps" in caption
        item = vectorsets.parse_id(_link(second)["project.vectors"]).shared_id
        stored = ShareStore(store_dir).get(item).vectors
        assert stored.keys == own.keys and np.array_equal(np.asarray(stored.vectors), own.vectors)
        assert not any(b.label == "Delete the shared copy" for b in second.button), "only its maker may delete it"


def test_a_shared_upload_opens_in_a_new_session(store_dir) -> None:
    rng = np.random.default_rng(1)
    words = [f"word{i}" for i in range(60)]
    text = "\n".join(f"{w} " + " ".join(f"{x:.5f}" for x in rng.normal(size=12)) for w in words).encode()
    upload = app_test(PROJECT)
    upload.session_state["project.vectors"] = "__upload_vectors__"
    upload.run()
    upload.get("file_uploader")[0].set_value(("class.txt", text, "text/plain")).run()
    assert not upload.exception and not upload.error, _texts(upload.error)
    sets = upload.session_state["vectors.sets"]
    assert sets["upload:class.txt"].provenance["file_name"] == "class.txt"
    _button(upload, "Share").click().run()  # shared straight from the upload view
    assert not upload.exception and not upload.error, _texts(upload.error)
    assert upload.session_state["project.vectors"] == _link(upload)["project.vectors"]
    assert vectorsets.parse_id(_link(upload)["project.vectors"]).kind == "shared"
    first = _project(sets, "upload:class.txt", word="word3")  # the kept upload, picked on the page
    assert first.session_state["project.vectors"] == "upload:class.txt"
    _button(first, "Share").click().run()
    link = _link(first)
    second = _project(link=link)
    second.session_state["project.neighbour_of"] = "word3"
    second.run()
    assert second.metric[0].value == "60"
    assert _neighbours(second) == _neighbours(first)
    assert "An uploaded vector file, class.txt" in _texts(second.caption)


def test_a_deleted_shared_set_falls_back_to_the_reference_with_a_message(store_dir) -> None:
    sets = _trained_sets()
    live = vectorsets.trained_id("sgns", "builtin:support_tickets")
    first, _ = _share_and_open(sets, live, sets[live].vectors.keys[3])
    link = _link(first)
    _button(first, "Delete the shared copy").click().run()
    assert not first.exception
    assert first.session_state["project.vectors"] == live, "the maker goes back to its own set"
    assert "deleted" in _texts(first.info)
    third = _project(link=link)
    assert third.session_state["project.vectors"] == "reference"
    warning = _texts(third.warning)
    assert "shared store does not hold" in warning and "share the set again" in warning
    assert not third.error and not third.exception


def test_an_unknown_or_malformed_shared_id_is_a_message(store_dir) -> None:
    at = _project(link={"project.vectors": "shared:" + "A" * 24})
    assert at.session_state["project.vectors"] == "reference"
    assert "shared store does not hold" in _texts(at.warning)
    bad = _project(link={"project.vectors": "shared:../../etc/passwd"})
    assert bad.session_state["project.vectors"] == "reference"
    assert "not the id of a shared set" in _texts(bad.warning)
    assert not list(store_dir.glob("*/manifest.json")), "nothing is stored without a Share"


def test_without_a_store_share_is_offered_disabled_with_the_reason(monkeypatch) -> None:
    monkeypatch.delenv("EXPLORER_SHARE_STORE", raising=False)
    monkeypatch.delenv("EXPLORER_DATA_DIR", raising=False)
    sets = {"upload:a.txt": SessionVectorSet("upload:a.txt", "Uploaded: a.txt", REFERENCE)}
    at = _project(sets, "upload:a.txt")
    share = _button(at, "Share")
    assert share.disabled and "no shared store" in share.help


def test_the_train_page_shares_its_vectors_for_the_project_page(store_dir) -> None:
    train = app_test("pages/1_Train.py")
    train.run()
    _button(train, "Step ×20").click().run()
    _button(train, "Share these vectors").click().run()
    assert not train.exception and not train.error, _texts(train.error)
    shared = train.session_state["train.shared"]
    assert f"Shared as {shared}" in _texts(train.caption)
    assert not any(b.label == "Share these vectors" for b in train.button), "shared as it is: no second copy"
    trained = train.session_state["vectors.sets"][vectorsets.trained_id("sgns", "builtin:support_tickets")].vectors
    opened = _project(link={"project.vectors": shared})
    assert opened.session_state["project.vectors"] == shared
    assert opened.metric[0].value == f"{len(trained):,}"
    _button(train, "Step ×1").click().run()  # trained on: the vectors differ from the shared copy
    assert any(b.label == "Share these vectors" for b in train.button)


def _store_one(store_dir, wv: WordVectors) -> str:
    return vectorsets.shared_id(ShareStore(store_dir).put(wv, label="Shared: class set", provenance={"kind": "upload"}))


@pytest.mark.parametrize(
    ("page", "key"), [("pages/3_Analogies.py", "analogy.vectors"), ("pages/6_Compare.py", "compare.a")]
)
def test_every_picker_opens_a_shared_link(store_dir, page, key) -> None:
    rng = np.random.default_rng(3)
    words = ["man", "woman", "king", "queen", "boy", "girl"] + [f"w{i}" for i in range(60)]
    shared = _store_one(store_dir, WordVectors(words, rng.normal(size=(len(words), 10)), name="class"))
    at = app_test(page)
    at.query_params[key] = shared
    at.run()
    assert not at.exception, at.exception
    assert at.session_state[key] == shared
    assert "A shared set" in _texts(at.caption)
    assert not any("shared store does not hold" in w for w in (x.value for x in at.warning))


def test_a_comparison_of_a_shared_set_travels() -> None:
    from explorer.compare.page_views import link_note

    shared = vectorsets.shared_id("B" * 24)
    assert vectorsets.parse_id(shared).travels
    assert link_note(shared, "reference") is None
    note = link_note("trained:sgns:builtin:mixed@step20", shared)
    assert "Set B (a shared set) travels" in note and "press Share" in note


def test_a_refused_share_says_which_limit_and_stores_nothing(store_dir, monkeypatch) -> None:
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_SHARE_MAX_ITEM_MB", "1")
    big = WordVectors([f"w{i}" for i in range(3000)], np.random.default_rng(0).normal(size=(3000, 100)), name="big")
    sets = {"upload:big.txt": SessionVectorSet("upload:big.txt", "Uploaded: big.txt", big)}
    at = _project(sets, "upload:big.txt")
    _button(at, "Share").click().run()
    assert not at.exception
    error = _texts(at.error)
    assert "The set was not shared" in error and "a shared set may take at most 1.0 MB" in error
    assert "smaller vocabulary" in error and "EXPLORER_SHARE" not in error, "a hosted visitor is not told a setting"
    assert at.session_state["project.vectors"] == "upload:big.txt"
    assert not list(store_dir.glob("*/manifest.json"))


def test_an_expired_shared_link_says_it_expired(store_dir, monkeypatch) -> None:
    monkeypatch.setenv("EXPLORER_SHARE_EXPIRE_DAYS", "1")
    shared = _store_one(store_dir, REFERENCE)
    item = vectorsets.parse_id(shared).shared_id
    (store_dir / item / "used").write_text("0")  # last opened at the epoch: long past a day
    manifest = store_dir / item / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"created": ', '"created": 0, "_was": '))
    at = _project(link={"project.vectors": shared})
    assert at.session_state["project.vectors"] == "reference"
    warning = _texts(at.warning)
    assert "expired" in warning and "not opened for 1 days" in warning
    assert not (store_dir / item).exists()


def test_a_store_that_fails_is_a_message_without_a_server_path(store_dir, monkeypatch) -> None:
    sets = {"upload:a.txt": SessionVectorSet("upload:a.txt", "Uploaded: a.txt", REFERENCE)}
    at = _project(sets, "upload:a.txt")

    def full_disk(self, *args, **kwargs):
        raise OSError(28, "No space left on device", str(store_dir / "x"))

    monkeypatch.setattr(ShareStore, "put", full_disk)
    _button(at, "Share").click().run()
    assert not at.exception
    error = _texts(at.error)
    assert "The set was not shared: the shared store did not answer (No space left on device)" in error
    assert str(store_dir) not in error
    assert at.session_state["project.vectors"] == "upload:a.txt"


def test_the_layer_vectors_of_an_index_built_in_the_browser_can_be_shared(
    store_dir, monkeypatch, tiny_bert_dir
) -> None:
    from explorer.corpus import Corpus

    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    monkeypatch.delenv("EXPLORER_INDEX_DIR", raising=False)
    upload = Corpus.from_texts(
        ["The bank approved the loan.", "We sat on the river bank.", "My bank charged a fee."],
        name="notes.txt",
        source="upload:notes.txt",
    )
    at = app_test("pages/4_Context.py")
    at.session_state["sidebar.corpus"] = "__upload__"
    at.session_state["sidebar.uploaded_corpus"] = ("fingerprint", upload)
    at.session_state["context.source"] = "index"
    at.run()
    at.button(key="context.build_index").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    _button(at, "Share these vectors").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    shared = at.session_state["context.shared"]
    opened = _project(link={"project.vectors": shared})
    assert opened.session_state["project.vectors"] == shared
    caption = _texts(opened.caption)
    assert "an index built in the browser" in caption and "notes.txt" in caption
