"""The fact guard: a rewording is sent only if every fact of the template survives unchanged."""

from __future__ import annotations

import pytest

from nlg.guard import FactGuard, extract_facts

SHIPPING = (
    "Standard shipping takes 3-5 business days and costs $4.95 (free on orders over $50). "
    "Express shipping takes 1-2 business days and costs $12.95."
)
HOURS = "The support team is available Monday to Friday 8am-8pm and Saturday 9am-5pm."
ORDER = "Got it, order PO-48213. We'll email the tracking link to ana@example.com shortly."
guard = FactGuard()


class TestFactsFound:
    @pytest.mark.parametrize(
        ("text", "facts"),
        [
            (SHIPPING, ["3-5", "$4.95", "$50", "1-2", "$12.95"]),
            (HOURS, ["8am-8pm", "9am-5pm"]),
            (ORDER, ["PO-48213", "ana@example.com"]),
            ("See https://shop.example.com/returns.", ["https://shop.example.com/returns"]),
            ("Delivered on 2024-05-01, or by March 3rd.", ["2024-05-01", "March 3rd"]),
            ("Open 24/7 within 30 days.", ["24/7", "30"]),
        ],
        ids=["ranges-and-money", "time-ranges", "order-id-and-email", "url", "dates", "misc"],
    )
    def test_every_kind_of_fact_is_extracted_whole(self, text: str, facts: list[str]) -> None:
        assert extract_facts(text) == facts


class TestRephrasingsThatPass:
    def test_a_rewording_keeping_every_fact_passes(self) -> None:
        reworded = (
            "Sure! Our standard shipping costs $4.95 and arrives in 3-5 business days, and it's "
            "free on orders over $50. Express is $12.95 and takes 1-2 business days."
        )
        assert guard.check(SHIPPING, reworded).ok

    def test_filled_slot_values_must_survive(self) -> None:
        template = "Thanks, Ana! Order PO-48213 is on its way."
        assert guard.check(template, "Order PO-48213 is on its way, Ana!", ["Ana"]).ok
        verdict = guard.check(template, "Order PO-48213 is on its way!", ["Ana"])
        assert not verdict.ok
        assert "changed or dropped 'Ana'" in verdict.reasons


class TestRephrasingsThatFail:
    @pytest.mark.parametrize(
        ("template", "candidate", "reason"),
        [
            (SHIPPING, SHIPPING.replace("$4.95", "$5"), "changed or dropped '$4.95'"),
            (SHIPPING, SHIPPING.replace("3-5", "3 to 5"), "changed or dropped '3-5'"),
            (SHIPPING, SHIPPING + " Orders ship within 24 hours.", "new number '24'"),
            (SHIPPING, SHIPPING + " It takes about three days.", "new number word 'three'"),
            (SHIPPING, SHIPPING + " See www.example.org today.", "new link 'www.example.org'"),
            (ORDER, ORDER.replace("PO-48213", "PO-48231"), "changed or dropped 'PO-48213'"),
            (ORDER, ORDER.replace("ana@example.com", "you"), "changed or dropped 'ana@"),
            (HOURS, HOURS.replace("8am-8pm", "8am to 8pm"), "changed or dropped '8am-8pm'"),
        ],
        ids=["money", "range", "new-number", "number-word", "new-url", "order-id", "email", "time"],
    )
    def test_a_changed_dropped_or_new_fact_is_rejected(
        self, template: str, candidate: str, reason: str
    ) -> None:
        verdict = guard.check(template, candidate)
        assert not verdict.ok
        assert any(r.startswith(reason) for r in verdict.reasons), verdict.reasons

    @pytest.mark.parametrize(
        ("template", "candidate"),
        [
            ("It ships from warehouse 7.", "It ships from a warehouse and weighs 7 pounds."),
            ("Standard shipping takes 3-5 business days.", "Standard shipping takes 3-5 days."),
        ],
        ids=["new-unit", "lost-unit"],
    )
    def test_a_number_may_not_change_what_it_counts(self, template: str, candidate: str) -> None:
        verdict = guard.check(template, candidate)
        assert any("now counts something else" in r for r in verdict.reasons), verdict

    def test_a_number_may_move_within_the_sentence(self) -> None:
        template = "The tent weighs 2.1 kg and sleeps 3 people."
        assert guard.check(template, "Sleeping 3 people, the tent weighs just 2.1 kg.").ok

    @pytest.mark.parametrize(
        "candidate",
        ["", "Shipping.", " ".join(["Standard shipping is great."] * 20)],
        ids=["empty", "too-short", "too-long"],
    )
    def test_length_must_stay_within_bounds(self, candidate: str) -> None:
        assert not guard.check("You're welcome! Happy to help with anything else.", candidate).ok


class TestGroundedAnswers:
    SOURCES = ("Warranty: Every product has a 2-year warranty against manufacturing defects.",)

    def test_an_answer_made_of_the_passages_facts_passes(self) -> None:
        answer = "Every product has a 2-year warranty against manufacturing defects."
        assert guard.check_grounded(answer, self.SOURCES).ok

    def test_an_answer_with_a_number_not_in_the_passages_fails(self) -> None:
        verdict = guard.check_grounded("Products have a 5-year warranty.", self.SOURCES)
        assert "new number '5'" in verdict.reasons

    def test_an_answer_negating_the_passages_is_unsupported(self) -> None:
        sources = [
            "Payment: We accept Visa and PayPal.",
            "Payment: We do not offer cash on delivery.",
        ]
        assert guard.check_grounded("Yes, we accept PayPal.", sources).ok
        assert guard.check_grounded("We do not offer cash on delivery.", sources).ok
        verdict = guard.check_grounded("No, we do not accept PayPal.", sources)
        assert any(r.startswith("negation not in the sources") for r in verdict.reasons)

    def test_an_answer_repeating_the_question_is_no_answer(self) -> None:
        sources = ["Your card is charged in US dollars when your order ships."]
        question = "when is my card charged?"
        verdict = guard.check_grounded("When is my card charged?", sources, question)
        assert "repeats the question" in verdict.reasons

    def test_an_answer_about_something_else_is_unsupported(self) -> None:
        answer = "Our bikes are assembled by trained mechanics."
        verdict = guard.check_grounded(answer, self.SOURCES)
        assert not verdict.ok
        assert "content words are in the sources" in verdict.reasons[0]
