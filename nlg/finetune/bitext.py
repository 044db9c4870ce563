"""The Bitext customer-support training set as NLG examples, split 90/10 by instruction.

Each row is a customer's ``instruction`` and the assistant's ``response`` (with
``{{Placeholder}}`` fields for business values, kept as they are: the model
learns to leave a gap). The prompt is the persona and the customer's words in
``<customer>`` tags, as the runtime quotes them. A row is held out when a hash
of its lower-cased instruction falls in the last tenth, so the split is fixed
and no instruction is on both sides.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from nlg.finetune.examples import NLGExample
from nlg.hygiene import quote_user_text
from nlg.interfaces import ChatMessage

HELD_OUT_SHARE = 0.1
CSV_NAME = "customer_support_training.csv"


def bitext_examples(folder: Path, persona: str) -> tuple[list[NLGExample], list[NLGExample]]:
    """``(train, held_out)`` of the set in ``folder``, each in file order."""
    train: list[NLGExample] = []
    held: list[NLGExample] = []
    with (folder / CSV_NAME).open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), 2):
            prompt = (
                ChatMessage("system", persona),
                ChatMessage("user", quote_user_text(row["instruction"])),
            )
            source = f"{CSV_NAME}:{number}:{row['intent']}"
            example = NLGExample(
                "reply", prompt, row["response"].strip(), source, row["instruction"]
            )
            (held if held_out(row["instruction"]) else train).append(example)
    return train, held


def held_out(instruction: str) -> bool:
    digest = hashlib.sha256(instruction.strip().lower().encode("utf-8")).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF >= 1 - HELD_OUT_SHARE
