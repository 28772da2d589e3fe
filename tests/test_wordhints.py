"""Missing words and default words: near spellings and frequent content words, never "the, unk, of"."""

from __future__ import annotations

from explorer.wordhints import default_word, missing_word_hint, near_spellings

RANKED = ["the", "unk", "of", "and", "to", "government", "police", "said", "minister", "2024", "s", "bank"]


def test_a_missing_word_gets_near_spellings_and_frequent_content_words() -> None:
    hint = missing_word_hint("goverment", RANKED, "the news index")
    assert "Did you mean: government?" in hint
    frequent = hint.split("Frequent words it holds: ")[1].rstrip(".").split(", ")
    assert frequent[:3] == ["government", "police", "said"]
    assert not {"the", "unk", "of", "and", "to", "2024", "s"} & set(frequent)


def test_near_spellings_find_other_letter_cases_first() -> None:
    assert near_spellings("Police", ["the", "police", "policy"])[0] == "police"
    assert near_spellings("zzzz", RANKED) == []
    assert "Did you mean" not in missing_word_hint("zzzz", RANKED, "x")


def test_the_default_word_is_the_most_frequent_content_word() -> None:
    assert default_word(RANKED) == "government"
    assert default_word(["the", "of"]) == "the"  # nothing else to open on
    assert default_word([]) is None
