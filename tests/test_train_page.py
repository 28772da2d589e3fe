"""AppTest of pages/1_Train.py: step buttons train and redraw; switching method resets cleanly."""

from __future__ import annotations

from explorer import vectorsets
from tests.apptest import app_test

PAGE = "pages/1_Train.py"


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_step_buttons_train_and_update_the_views() -> None:
    at = app_test(PAGE)
    at.run()
    assert not at.exception
    assert at.session_state["train.method"] == "sgns"
    trainer = at.session_state["train.run"].trainer
    assert trainer is not None and not trainer.records
    n_charts_before = len(at.get("plotly_chart"))

    _button(at, "Step ×1").click().run()
    assert not at.exception
    assert len(at.session_state["train.run"].trainer.records) == 1

    _button(at, "Step ×20").click().run()
    assert not at.exception
    trainer = at.session_state["train.run"].trainer
    assert len(trainer.records) == 21
    assert len(at.get("plotly_chart")) > n_charts_before  # the loss chart joined the map
    assert not at.error
    # the trained vectors are the session's active set, named after method and corpus
    active = at.session_state["vectors.sets"][at.session_state["vectors.active"]]
    assert active.id.startswith("trained:sgns:") and active.label.startswith("Trained: Skip-gram")
    assert len(active.vectors) == len(trainer.vocab)
    # the watched-word table lists neighbours
    table = at.table[0].value  # a static table: long neighbour lists wrap instead of being cut
    assert len(table) >= 1 and "nearest words (cosine)" in table.columns


def test_switching_method_resets_cleanly() -> None:
    at = app_test(PAGE)
    at.run()
    _button(at, "Step ×1").click().run()
    assert at.session_state["train.run"].trainer.records
    at.selectbox(key="train.method").set_value("ppmi_svd").run()
    assert not at.exception
    trainer = at.session_state["train.run"].trainer
    assert trainer.method == "ppmi_svd" and not trainer.records
    assert any("starts over" in i.value for i in at.info)
    _button(at, "Step ×100").click().run()
    assert not at.exception and not at.error
    assert at.session_state["train.run"].trainer.done


def test_live_mode_starts_and_stops() -> None:
    at = app_test(PAGE)
    at.run()
    _button(at, "Start").click().run()
    assert not at.exception
    assert at.session_state["train.run"].running is True
    assert at.session_state["train.run"].trainer.records  # the first tick trained a little
    _button(at, "Stop").click().run()
    assert at.session_state["train.run"].running is False


def test_subword_teaching_view_gives_an_unseen_word_a_vector() -> None:
    at = app_test(PAGE)
    at.session_state["train.method"] = "subword"
    at.run()
    _button(at, "Step ×20").click().run()
    assert not at.exception
    word = at.text_input(key="train.ngram_word").value
    assert word and word not in at.session_state["train.run"].trainer.vocab
    assert any(m.value.startswith("Nearest known words:") for m in at.markdown)


def test_bad_parameters_show_an_error_with_a_fix() -> None:
    at = app_test(PAGE)
    at.session_state["train.method"] = "ppmi_svd"
    at.session_state["train.ppmi_svd.min_count"] = 100
    at.session_state["train.ppmi_svd.vector_size"] = 300
    at.run()
    assert not at.exception
    assert at.error and "Lower vector_size" in at.error[0].value
    assert _button(at, "Step ×1").disabled


def test_link_restores_method_and_parameters_and_refuses_bad_values() -> None:
    at = app_test(PAGE)
    at.query_params["train.method"] = "glove"
    at.query_params["train.glove.window"] = "7"
    at.query_params["train.seed"] = "not-a-number"
    at.run()
    assert not at.exception
    assert at.session_state["train.method"] == "glove"
    assert at.session_state["train.glove.window"] == 7
    assert at.session_state["train.seed"] == 1
    assert any("train.seed" in w.value for w in at.warning)
    assert at.session_state["train.run"].trainer.config.window == 7


def test_a_full_server_makes_the_visitor_wait_and_a_finished_step_frees_the_slot(monkeypatch) -> None:
    from explorer import cache
    from explorer.limits import TrainingSlots

    slots = TrainingSlots(capacity=1)
    monkeypatch.setattr(cache, "get_training_slots", lambda capacity: slots)
    assert slots.acquire("another-visitor")
    at = app_test(PAGE)
    at.run()
    _button(at, "Step ×1").click().run()
    assert not at.exception
    assert not at.session_state["train.run"].trainer.records  # nothing trained while the slot is taken
    assert any("1 training is running" in i.value and "yours starts when one finishes" in i.value for i in at.info)
    _button(at, "Start").click().run()
    assert not at.exception and not at.session_state["train.run"].trainer.records  # the live tick waits too
    assert any("yours starts when one finishes" in i.value for i in at.info)
    _button(at, "Stop").click().run()

    slots.release("another-visitor")
    _button(at, "Step ×1").click().run()
    assert len(at.session_state["train.run"].trainer.records) == 1
    assert slots.running() == 0  # a finished step gives its slot back
    _button(at, "Start").click().run()
    assert slots.running() == 1  # a live training holds its slot between ticks
    _button(at, "Stop").click().run()
    assert slots.running() == 0


def test_an_uploaded_one_word_corpus_gives_a_clear_message() -> None:
    from explorer import ui
    from explorer.corpus import Corpus

    at = app_test(PAGE)
    at.session_state["sidebar.corpus"] = ui.UPLOAD_CHOICE
    at.session_state["sidebar.uploaded_corpus"] = ("one-word", Corpus.from_texts(["hello"], name="one.txt"))
    at.run()
    assert not at.exception
    assert at.session_state["train.run"] is None
    assert at.error and "min_count" in at.error[0].value and "one.txt" in at.error[0].value
    assert _button(at, "Step ×1").disabled and _button(at, "Start").disabled
    at.number_input(key="train.sgns.min_count").set_value(1).run()
    assert not at.exception
    assert "at least two distinct words" in at.error[0].value


def test_pinned_words_join_the_map_and_unknown_ones_are_named() -> None:
    at = app_test(PAGE)
    at.session_state["train.pins"] = "charging, zzzunknown"
    at.run()
    _button(at, "Step ×1").click().run()
    assert not at.exception
    assert "charging" in at.session_state["train.map_prev"]
    assert any("zzzunknown" in c.value and "not in the vocabulary" in c.value for c in at.caption)


def test_training_and_corpus_survive_a_visit_to_another_page() -> None:
    at = app_test(PAGE)
    at.session_state["sidebar.corpus"] = "analogy_world"
    at.session_state["train.method"] = "glove"
    at.run()
    at.number_input(key="train.glove.window").set_value(7).run()
    _button(at, "Step ×1").click().run()
    trainer = at.session_state["train.run"].trainer
    assert trainer.records and trainer.config.window == 7
    at.switch_page("3_Analogies.py").run()
    assert not at.exception
    assert at.session_state["vectors.active"] == "trained:glove:builtin:analogy_world"

    # In a browser, Streamlit drops every widget value of a page while another page runs; what is
    # left is the non-widget state. A session holding only that must come back to the same view.
    back = app_test(PAGE)
    for key in ("sidebar.kept", "train.kept", "train.run", "train.signature"):
        back.session_state[key] = at.session_state[key]
    back.run()
    assert not back.exception
    assert back.session_state["sidebar.corpus"] == "analogy_world"
    assert back.session_state["train.method"] == "glove" and back.session_state["train.glove.window"] == 7
    assert back.session_state["train.run"].trainer is trainer  # the training so far is kept
    assert not any("starts over" in i.value for i in back.info)


def test_the_matrix_example_words_follow_the_corpus_unless_typed() -> None:
    at = app_test(PAGE)
    at.run()
    assert at.text_input(key="train.matrix_words").value.startswith("charge, refund")
    at.selectbox(key="sidebar.corpus").set_value("analogy_world").run()
    assert not at.exception
    assert at.text_input(key="train.matrix_words").value == "king, queen, paris, france"
    assert not any("Not in this corpus" in w.value for w in at.warning)
    at.text_input(key="train.matrix_words").input("king, man").run()
    at.selectbox(key="sidebar.corpus").set_value("mixed").run()
    assert at.text_input(key="train.matrix_words").value == "king, man"  # typed words are kept


def _wait_until_stopped(at, timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while at.session_state["train.run"].running:
        assert time.monotonic() < deadline, "live training did not stop"
        time.sleep(0.05)


def test_live_training_at_the_time_limit_says_so_on_every_rerun_and_gives_the_buttons_back(monkeypatch) -> None:
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_MAX_TRAIN_SECONDS", "1")  # a 100-epoch run needs far more
    at = app_test(PAGE)
    at.session_state["train.sgns.epochs"] = 100
    at.run()
    _button(at, "Start").click().run()
    assert not at.exception
    _wait_until_stopped(at)
    for _ in range(3):  # the rerun that follows the end of live training, then any other
        at.run()
        assert not at.exception
        stopped = [w.value for w in at.warning if "time limit" in w.value]
        assert len(stopped) == 1, [w.value for w in at.warning]
        assert "1 s of training per run" in stopped[0] and "% (epoch " in stopped[0] and "of 100" in stopped[0]
        assert "fewer epochs" in stopped[0] and "python -m explorer.train" in stopped[0]
        assert "EXPLORER_" not in stopped[0], "a hosted visitor cannot change the server's settings"
        assert not _button(at, "Reset").disabled and not _button(at, "Keep a snapshot").disabled
        assert _button(at, "Start").disabled and "Reset starts a new one" in _button(at, "Step ×1").help
    _button(at, "Reset").click().run()
    assert not at.exception and not any("time limit" in w.value for w in at.warning)
    assert not _button(at, "Start").disabled and not _button(at, "Step ×1").disabled


def test_epoch_snapshots_are_labelled_by_epoch_and_at_most_five_per_run() -> None:
    at = app_test(PAGE)
    at.session_state["train.sgns.epochs"] = 12
    at.run()
    for _ in range(3):
        _button(at, "Step ×100").click().run()  # pieces of 100 steps that do not line up with epochs
    assert not at.exception and at.session_state["train.run"].trainer.done
    sets = at.session_state["vectors.sets"]
    epoch_sets = [s for i, s in sets.items() if "@run1.step" in i]
    assert [s.label.split(":")[0] for s in epoch_sets] == [
        f"Trained, run 1, after epoch {e}" for e in (3, 5, 8, 10, 12)
    ]
    trainer = at.session_state["train.run"].trainer
    per_epoch = len(trainer.data.ids)
    for s in epoch_sets:  # each taken at the exact end of its epoch
        step = vectorsets.parse_id(s.id).step
        assert trainer.records[step - 1].words_done == int(s.label.split("after epoch ")[1].split(":")[0]) * per_epoch
    assert any("after epoch 3, after epoch 5, after epoch 8" in c.value for c in at.caption)


def test_barely_trained_neighbours_get_a_note_that_goes_once_trained() -> None:
    at = app_test(PAGE)
    at.session_state["train.method"] = "cbow"
    at.run()
    for _ in range(3):  # 3 steps of 3,000 words: every word has moved along the same few directions
        _button(at, "Step ×1").click().run()
    assert not at.exception
    assert any("barely moved apart" in i.value and "Train longer or on more text" in i.value for i in at.info)
    _button(at, "Step ×100").click().run()
    assert at.session_state["train.run"].trainer.done
    assert not any("barely moved apart" in i.value for i in at.info)


def test_past_the_cap_earlier_runs_epoch_snapshots_go_before_the_visitors_own_sets(monkeypatch) -> None:
    from explorer.ui import training as ui_training

    monkeypatch.setattr(ui_training, "MAX_KEPT_SETS", 4)
    at = app_test(PAGE)
    at.session_state["train.sgns.epochs"] = 2
    at.run()
    _button(at, "Step ×1").click().run()
    _button(at, "Keep a snapshot").click().run()  # the visitor's own snapshot, kept first
    _button(at, "Step ×100").click().run()  # run 1 to its end: epoch snapshots after epochs 1 and 2
    at.number_input(key="train.seed").set_value(2).run()  # run 1 is kept whole; run 2 starts
    _button(at, "Step ×100").click().run()  # two more epoch snapshots: two sets must go
    assert not at.exception
    labels = [s.label.split(":")[0] for i, s in at.session_state["vectors.sets"].items() if "@" in i]
    assert labels == [
        "Trained, run 1 at step 1 (in epoch 1)",
        "Trained, run 1 (40 steps)",
        "Trained, run 2, after epoch 1",
        "Trained, run 2, after epoch 2",
    ]


def test_the_watch_box_suggests_words_of_the_corpus_in_use() -> None:
    """On an uploaded news text the example words come from that text, not from the support tickets."""
    news = b"The government said the police would meet the minister on Monday.\n" * 3
    news += b"Police and government officials met the minister in the capital.\n" * 2
    at = app_test(PAGE)
    at.run()
    assert "charge" in at.text_input(key="train.watch").placeholder
    at.sidebar.selectbox(key="sidebar.corpus").select("__upload__").run()
    at.get("file_uploader")[0].set_value(("news.txt", news, "text/plain")).run()
    assert not at.exception
    for key in ("train.watch", "train.pins"):
        words = at.text_input(key=key).placeholder.split(", ")
        assert words[:2] == ["government", "police"] and not {"charge", "refund", "battery", "the"} & set(words)
