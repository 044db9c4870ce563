"""Constrained decoding: a lead-in can only be spelt from the words its check accepts."""

from __future__ import annotations

from nlg.backends.vocabulary import VocabularyMask
from nlg.leadin import allowed_words, check_leadin


class PieceTokenizer:
    """A byte-level-style vocabulary: ``Ġ`` marks a token that starts a word."""

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = pieces

    def __len__(self) -> int:
        return len(self.pieces)

    def convert_ids_to_tokens(self, ids: list[int]) -> list[str]:
        return [self.pieces[i] for i in ids]

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        return "".join(tokens).replace("\u0120", " ")


PIECES = [
    "Ġsorry",
    "ĠHappy",
    "Ġhelp",
    "Ġapolog",
    "ies",
    "Ġfree",
    ".",
    "!",
    "5",
    "Ġ5",
    "</s>",
    "Ġcan",
]


def allowed(words: set[str], always: set[int] | None = None) -> set[str]:
    mask = VocabularyMask(PieceTokenizer(PIECES), always=always).mask(frozenset(words))
    return {PIECES[i] for i, ok in enumerate(mask.tolist()) if ok}


def test_tokens_that_spell_allowed_words_and_sentence_punctuation_are_allowed() -> None:
    assert allowed({"sorry", "happy", "help", "apologies"}) == {
        "Ġsorry",
        "ĠHappy",
        "Ġhelp",
        "Ġapolog",
        "ies",
        ".",
        "!",
    }


def test_numbers_other_words_and_unlisted_specials_are_not() -> None:
    assert allowed({"sorry"}) == {"Ġsorry", ".", "!"}
    assert "</s>" in allowed({"sorry"}, always={PIECES.index("</s>")})


def test_the_allowed_words_follow_the_lead_in_check() -> None:
    plain = allowed_words("what does shipping cost", "Shipping costs $4.95.")
    assert {"happy", "help", "shipping"} <= plain
    assert not {"sorry", "welcome", "not", "can't", "we", "our", "yes", "two"} & plain
    assert "sorry" in allowed_words("my parcel is late", "Order PO-1 shipped.")
    assert "welcome" in allowed_words("thanks!", "Anything else?")
    assert not {"sure", "course"} & allowed_words("can i return worn shoes?", "Returns: 30 days.")
    assert {"sure", "course"} <= allowed_words("can you help me with a return?", "30 days.")


def test_every_word_the_decoder_may_use_passes_the_word_rule_of_the_check() -> None:
    words = allowed_words("my boots don't fit", "You can return items within 30 days.")
    sentence = "I'm sorry about your boots, happy to help with the return."
    assert set(sentence.lower().replace(",", "").replace(".", "").split()) <= words
    assert check_leadin(sentence, "my boots don't fit", "You can return items within 30 days.").ok
