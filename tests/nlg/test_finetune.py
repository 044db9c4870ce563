"""Fine-tuning the NLG model: the training set, training, the adapter and its archive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from nlg.backends.model_files import load_causal_lm, merged_adapter
from nlg.config import FinetuneOptions, parse_options
from nlg.errors import NLGConfigError, NLGDataError
from nlg.finetune import (
    NLGSources,
    Trainer,
    Transcript,
    Turn,
    build_examples,
    load_transcripts,
    lora_model,
    save_adapter,
    split_examples,
)
from nlg.finetune.examples import unseen_facts_as_placeholders
from nlg.leadin import check_leadin
from nlg.prompts import DEFAULT_PERSONA
from tests.nlg.tiny_lm import write_tiny_llama

TEMPLATE = "Standard shipping takes 3-5 business days and costs $4.95."
TRANSCRIPTS = tuple(
    Transcript((Turn("user", said),), reply, f"toy.jsonl:{n}")
    for n, (said, reply) in enumerate(
        [
            ("my order is late", "I'm sorry to hear your order is late. Let me check."),
            ("can i send the boots back", "Sure, I can help with that. Returns are free."),
            ("thanks a lot", "You're very welcome!"),
            ("what cards do you take", "Good question! We take Visa."),
            ("is delivery slow", "Happy to help with that."),
            ("how much is shipping", "Happy to help with shipping questions."),
        ],
        1,
    )
)
SOURCES = NLGSources(
    templates={"utter_shipping": (TEMPLATE,)},
    contexts={"utter_shipping": ("how long does shipping take", "shipping costs?")},
    transcripts=TRANSCRIPTS,
)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


def test_lead_in_examples_are_what_the_runtime_asks_and_its_checks_accept() -> None:
    examples = build_examples(SOURCES, DEFAULT_PERSONA, {"lead_in"})
    from_template = [e for e in examples if e.template == TEMPLATE]
    assert {e.customer for e in from_template} == {"how long does shipping take", "shipping costs?"}
    for example in examples:
        assert check_leadin(example.target, example.customer, example.template).ok
        assert example.prompt[-1].content == f"<customer>{example.customer}</customer>"


def test_facts_a_transcript_context_does_not_give_become_placeholders() -> None:
    text = "Order PO-48213 ships on 2026-05-01 and costs $12.95; PO-11111 is yours."
    masked = unseen_facts_as_placeholders(text, "where is PO-11111?")
    assert masked == "Order {order_number} ships on {date} and costs {amount}; PO-11111 is yours."


def test_the_validation_split_never_shares_a_customer_message_with_training() -> None:
    examples = build_examples(SOURCES, DEFAULT_PERSONA)
    train, held = split_examples(examples, 0.3, seed=0)
    assert held and train
    assert not {e.prompt[-1].content for e in train} & {e.prompt[-1].content for e in held}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        ('["a list"]', "expected an object"),
        ('{"context": [], "response": ""}', "'response' must be a non-empty string"),
        ('{"context": [{"role": "agent", "text": "hi"}], "response": "x"}', "context[0]"),
        ('{"context": [], "response": "x", "reply": "y"}', "unknown keys ['reply']"),
    ],
    ids=["json", "not-object", "empty-response", "bad-role", "unknown-key"],
)
def test_a_bad_jsonl_line_is_an_error_naming_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    good = json.dumps({"context": [{"role": "user", "text": "hi"}], "response": "Hello!"})
    (tmp_path / "chats.jsonl").write_text(f"{good}\n\n{line}\n")
    with pytest.raises(NLGDataError) as error:
        load_transcripts(tmp_path)
    assert f"chats.jsonl:3: {message}" in str(error.value)


def test_an_unknown_finetune_option_is_an_error() -> None:
    with pytest.raises(NLGConfigError, match=r"nlg\.finetune\.max_minute"):
        parse_options({"finetune": {"max_minute": 5}})
    assert parse_options({"finetune": {"max_minutes": 5}}).finetune == FinetuneOptions(
        max_minutes=5
    )


def _toy_training(tiny_model: Path, epochs: int = 5) -> tuple[object, object, object]:
    model, tokenizer = load_causal_lm(str(tiny_model), "cpu")
    options = FinetuneOptions(
        epochs=epochs, batch_size=8, learning_rate=5e-2, lora_layers=None, eval_every=2
    )
    tuned = lora_model(model, options)
    examples = build_examples(SOURCES, DEFAULT_PERSONA)
    report = Trainer(tuned, tokenizer, options).train(examples, examples, show=False)
    return tuned, tokenizer, report


def test_training_lowers_the_loss_on_a_toy_set(tiny_model: Path) -> None:
    _, _, report = _toy_training(tiny_model)
    losses = report.validation_losses  # type: ignore[attr-defined]
    assert report.best_validation_loss < 0.8 * losses[0]  # type: ignore[attr-defined]


@pytest.mark.parametrize("native", [True, False], ids=["bf16-cpu", "other-cpu"])
def test_training_steps_run_in_bfloat16_where_the_cpu_computes_it_and_still_learn(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch, native: bool
) -> None:
    monkeypatch.setattr("nlg.finetune.training.native_bf16", lambda: native)
    model, tokenizer = load_causal_lm(str(tiny_model), "cpu")
    options = FinetuneOptions(epochs=5, batch_size=8, learning_rate=5e-2, lora_layers=None)
    tuned = lora_model(model, options)
    seen: dict[bool, set[torch.dtype]] = {True: set(), False: set()}
    first_linear = next(m for m in tuned.modules() if isinstance(m, torch.nn.Linear))
    first_linear.register_forward_hook(lambda module, _, out: seen[module.training].add(out.dtype))
    examples = build_examples(SOURCES, DEFAULT_PERSONA)
    report = Trainer(tuned, tokenizer, options).train(examples, examples, show=False)

    assert seen[True] == ({torch.bfloat16} if native else {torch.float32})
    assert seen[False] == {torch.float32}  # the validation loss reads the model as served
    assert report.precision == ("bfloat16 autocast" if native else "float32")
    assert report.best_validation_loss < 0.8 * report.validation_losses[0]
    assert all(p.dtype == torch.float32 for p in tuned.parameters())


def test_a_saved_adapter_merged_at_load_generates_the_tuned_models_tokens(
    tiny_model: Path, tmp_path: Path
) -> None:
    tuned, tokenizer, _ = _toy_training(tiny_model, epochs=1)
    save_adapter(tuned, tmp_path / "adapter")
    merged, _ = load_causal_lm(str(tiny_model), "cpu", adapter=tmp_path / "adapter")
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "<customer>my order is late</customer>"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )["input_ids"]
    tuned.eval()  # type: ignore[attr-defined]
    with torch.no_grad():
        expected = tuned.generate(input_ids=prompt, max_new_tokens=12, do_sample=False)  # type: ignore[attr-defined]
        got = merged.generate(input_ids=prompt, max_new_tokens=12, do_sample=False)
    assert got.tolist() == expected.tolist()


def test_a_folder_without_an_adapter_is_a_config_error(tiny_model: Path, tmp_path: Path) -> None:
    model, _ = load_causal_lm(str(tiny_model), "cpu")
    with pytest.raises(NLGConfigError, match=r"adapter_config\.json"):
        merged_adapter(model, tmp_path)


@pytest.mark.slow
def test_a_few_steps_on_the_bundled_model_lower_its_held_out_loss_on_the_reference_bot() -> None:
    from parley.nlg_training import llm_options, nlg_examples
    from parley.project import Project

    project = Project.load(Path(__file__).resolve().parents[2])
    options = llm_options(project)
    assert options is not None and options.finetune is not None
    train, held = split_examples(nlg_examples(project, options), 0.1)
    model, tokenizer = load_causal_lm(None, "cpu")
    finetune = FinetuneOptions(epochs=1, batch_size=8, eval_every=5, patience=5)
    report = Trainer(lora_model(model, finetune), tokenizer, finetune).train(
        train[:40], held[:16], show=False
    )
    assert report.best_validation_loss is not None
    assert report.best_validation_loss < 0.8 * report.validation_losses[0]
