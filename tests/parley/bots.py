"""Small real bots for tests: written to a folder, trained with the real pipeline."""

from __future__ import annotations

import textwrap
from pathlib import Path

from parley.model import TrainedModel, load_model, train_project
from parley.project import Project

SHOP_BOT = {
    "config.yml": """
        recipe: default.v1
        language: en
        pipeline:
          - name: WhitespaceTokenizer
          - name: CountVectorsFeaturizer
          - name: CountVectorsFeaturizer
            analyzer: char_wb
            min_ngram: 1
            max_ngram: 4
          - name: LogisticRegressionClassifier
          - name: RegexEntityExtractor
          - name: FallbackClassifier
            threshold: 0.3
        policies:
          - name: MemoizationPolicy
          - name: RulePolicy
    """,
    "domain.yml": """
        version: "3.1"
        intents: [greet, goodbye, order_status, ask_refund]
        entities: [order_number]
        slots:
          order_number:
            type: text
            mappings:
              - type: from_entity
                entity: order_number
        responses:
          utter_greet:
            - text: "Hello! How can I help?"
          utter_goodbye:
            - text: "Goodbye!"
          utter_order_status:
            - text: "Order {order_number} is on its way."
          utter_ask_order_number:
            - text: "What is your order number?"
        actions:
          - action_issue_refund
        session_config:
          session_expiration_time: 60
          carry_over_slots_to_new_session: true
    """,
    "data/nlu.yml": """
        version: "3.1"
        nlu:
          - intent: greet
            examples: |
              - hi
              - hello
              - hey there
              - good morning
              - hello bot
          - intent: goodbye
            examples: |
              - bye
              - goodbye
              - see you later
              - bye bye
              - have a nice day
          - intent: order_status
            examples: |
              - where is my order
              - where is [PO-12345](order_number)
              - status of order [PO-55555](order_number)
              - track my package
              - has my order shipped
          - intent: ask_refund
            examples: |
              - i want a refund
              - refund my money please
              - give me my money back
              - can I get a refund
              - refund please
          - regex: order_number
            examples: |
              - \\bPO-\\d{5}\\b
    """,
    "data/rules.yml": """
        version: "3.1"
        rules:
          - rule: greet
            steps:
              - intent: greet
              - action: utter_greet
          - rule: goodbye
            steps:
              - intent: goodbye
              - action: utter_goodbye
          - rule: order with number
            condition:
              - slot_was_set:
                  - order_number: PO-12345
            steps:
              - intent: order_status
              - action: utter_order_status
          - rule: order without number
            condition:
              - slot_was_set:
                  - order_number: null
            steps:
              - intent: order_status
              - action: utter_ask_order_number
          - rule: refund
            steps:
              - intent: ask_refund
              - action: action_issue_refund
    """,
}


def write_bot(root: Path, files: dict[str, str] | None = None) -> Path:
    for name, text in (files or SHOP_BOT).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def train_bot(root: Path) -> tuple[Path, TrainedModel]:
    archive = train_project(Project.load(root), root / "models").path
    return archive, load_model(archive)
