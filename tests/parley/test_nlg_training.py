"""The NLG part of a model archive: fine-tuned when configured, retrained only when its data
changes, skipped on request, and served merged by the lean decoder."""

from __future__ import annotations

import asyncio
import json
import tarfile
from pathlib import Path

import pytest
import torch

from nlg.backends.local import LocalModelOptions, TransformersGenerator
from nlg.backends.model_files import load_causal_lm
from nlg.interfaces import ChatMessage, GenerationRequest
from parley.model import load_model, train_project
from parley.nlg_training import SKIP_ENV
from parley.project import Project
from parley.runtime import with_finetuned_adapter
from tests.nlg.tiny_lm import write_tiny_llama
from tests.parley.bots import write_bot

CHATS = [
    ("where is my order", "Let me check on that order for you."),
    ("my parcel is late", "I'm sorry to hear that. Let me look."),
    ("thanks!", "You're welcome!"),
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture
def bot(tmp_path: Path, tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(SKIP_ENV, raising=False)
    root = write_bot(tmp_path / "bot")
    (root / "endpoints.yml").write_text(
        "nlg:\n  type: llm\n  rephrase: all\n"
        f"  model: {tiny_model}\n"
        "  finetune: {max_minutes: 1, epochs: 1, lora_layers: null, max_examples: 40}\n"
    )
    write_chats(root, CHATS)
    return root


def write_chats(root: Path, chats: list[tuple[str, str]]) -> None:
    folder = root / "data" / "nlg"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"context": [{"role": "user", "text": said}], "response": reply})
        for said, reply in chats
    ]
    (folder / "chats.jsonl").write_text("\n".join(lines) + "\n")


def train(root: Path, **options: bool) -> tuple[Path, tuple[str, ...]]:
    result = train_project(Project.load(root), root / "models", **options)  # type: ignore[arg-type]
    return result.path, result.trained


def test_training_puts_a_fingerprinted_adapter_into_the_archive(bot: Path) -> None:
    path, trained = train(bot)
    assert trained == ("nlu", "core", "nlg")
    with tarfile.open(path) as archive:
        assert "nlg/adapter/adapter_config.json" in archive.getnames()
    model = load_model(path)
    assert model.nlg_adapter is not None and (model.nlg_adapter / "adapter_config.json").exists()
    assert "nlg" in model.metadata["fingerprints"]


def test_a_changed_data_nlg_file_retrains_only_the_nlg_part(bot: Path) -> None:
    train(bot)
    assert train(bot)[1] == ()
    write_chats(bot, [*CHATS, ("can i pay by card", "Good question!")])
    assert train(bot)[1] == ("nlg",)


def test_skipping_leaves_the_nlg_part_untrained(bot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert train(bot, skip_nlg=True)[1] == ("nlu", "core")
    monkeypatch.setenv(SKIP_ENV, "1")
    write_chats(bot, CHATS[:2])
    assert train(bot)[1] == ()
    monkeypatch.delenv(SKIP_ENV)
    assert train(bot)[1] == ("nlg",)


def test_the_archives_adapter_is_served_unless_serving_is_turned_off(tmp_path: Path) -> None:
    options = {"finetune": {"max_minutes": 1}}
    assert with_finetuned_adapter("llm", options, tmp_path)["adapter"] == str(tmp_path)
    off = {"finetune": {"serve": False}}
    assert "adapter" not in with_finetuned_adapter("llm", off, tmp_path)
    assert "adapter" not in with_finetuned_adapter("llm", {}, tmp_path)


def test_the_lean_decoder_serves_the_archives_adapter_like_transformers(bot: Path) -> None:
    path, _ = train(bot)
    adapter = load_model(path).nlg_adapter
    model_dir = str(Project.load(bot).endpoints.nlg.model_extra["model"])  # type: ignore[union-attr]
    prompt = (ChatMessage("user", "<customer>where is my order</customer>"),)
    merged, tokenizer = load_causal_lm(model_dir, "cpu", adapter=adapter)
    ids = tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt[0].content}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )["input_ids"]
    with torch.no_grad():
        out = merged.generate(input_ids=ids, max_new_tokens=8, do_sample=False)
    expected = tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    options = LocalModelOptions(model=model_dir, dtype="float32", decoder="lean", adapter=adapter)
    generator = TransformersGenerator.load(options)
    request = GenerationRequest(prompt, max_new_tokens=8, repetition_penalty=1.0)

    async def decode() -> str:
        try:
            return "".join([piece async for piece in generator.stream(request)])
        finally:
            await generator.close()

    assert asyncio.run(decode()).strip() == expected.strip()


def test_parley_test_nlg_writes_a_report_and_a_page(bot: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from parley.cli import cli

    train(bot)
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["test", "nlg", "-p", str(bot), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "nlg_report.json").read_text())
    for model in ("base", "tuned"):
        assert {"perplexity", "bleu", "rouge_l", "acceptance_rate", "facts_altered"} <= set(
            report[model]
        )
    assert report["side_by_side"] and "| kind | customer |" in (out / "nlg_report.md").read_text()


def test_a_bad_data_nlg_line_stops_training_with_its_file_and_line(bot: Path) -> None:
    from click.testing import CliRunner

    from parley.cli import cli

    (bot / "data" / "nlg" / "chats.jsonl").write_text('{"context": []}\n')
    result = CliRunner().invoke(cli, ["train", "-p", str(bot)])
    assert result.exit_code == 1
    assert "chats.jsonl:1: 'response' must be a non-empty string" in result.output
