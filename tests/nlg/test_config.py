"""``nlg: {type: llm}`` settings are checked when endpoints.yml is read, naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlg.errors import NLGConfigError, NLGConfigWarning
from nlg.llm import LLMNLG
from nlg.registry import GENERATORS
from parley.project.endpoints import load_endpoints
from parley.yamlfile import ProjectFileError
from plugins import UnknownPluginError
from tests.nlg.test_llm import DOMAIN


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_misspelt_option_is_an_error_with_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "tracker_store:\n  type: memory\nnlg:\n  type: llm\n  temperatur: 0.5\n")

    with pytest.raises(ProjectFileError) as error:
        load_endpoints(path)

    assert f"{path}:3" in str(error.value)
    assert "temperatur: Extra inputs are not permitted" in str(error.value)


def test_an_out_of_range_value_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="deadline: Input should be greater than 0"):
        load_endpoints(write(tmp_path, "nlg:\n  type: llm\n  deadline: 0\n"))


def test_valid_options_load(tmp_path: Path) -> None:
    path = write(tmp_path, "nlg:\n  type: llm\n  rephrase: all\n  candidates: 3\n")
    config = load_endpoints(path).nlg
    assert config is not None and config.options == {"rephrase": "all", "candidates": 3}


async def test_an_answer_response_the_domain_lacks_is_a_warning_and_the_bot_still_runs() -> None:
    options = {
        "answer_responses": ["utter_nope", "utter_shipping"],
        "backend": "openai",
        "url": "http://127.0.0.1:9/v1",
        "model": "any",
    }
    with pytest.warns(NLGConfigWarning, match="utter_nope"):
        nlg = GENERATORS.get("llm")(DOMAIN, options)

    assert isinstance(nlg, LLMNLG)
    assert nlg.settings.answer_responses == ("utter_shipping",)
    await nlg.close()


def test_an_unknown_backend_lists_the_known_ones() -> None:
    with pytest.raises(UnknownPluginError, match="openai, transformers"):
        GENERATORS.get("llm")(DOMAIN, {"backend": "llamafile"})


def test_the_openai_backend_needs_a_url_and_a_model() -> None:
    with pytest.raises(NLGConfigError, match="needs 'url' and 'model'"):
        GENERATORS.get("llm")(DOMAIN, {"backend": "openai"})
