"""Model archives: training writes them, retrains only what changed, and damage is reported."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from parley.errors import ModelLoadError, ModelNotFound
from parley.model import load_model, resolve_model, train_project
from parley.project import Project
from plugins.cache import CACHE_ENV
from tests.parley.bots import write_bot


@pytest.fixture
def bot(tmp_path: Path) -> Path:
    return write_bot(tmp_path / "bot")


def train(root: Path) -> tuple[Path, tuple[str, ...]]:
    result = train_project(Project.load(root), root / "models")
    return result.path, result.trained


def test_a_first_training_trains_everything_into_a_timestamped_archive(bot: Path) -> None:
    path, trained = train(bot)
    assert trained == ("nlu", "core")
    assert path.parent == bot / "models" and path.name.endswith(".tar.gz")
    with tarfile.open(path) as archive:
        names = set(archive.getnames())
    assert {"metadata.json", "domain.json", "nlu", "core"} <= names


def test_training_again_without_changes_keeps_the_model(bot: Path) -> None:
    first, _ = train(bot)
    again, trained = train(bot)
    assert (again, trained) == (first, ())


def test_a_changed_story_or_response_retrains_only_the_policies(bot: Path) -> None:
    train(bot)
    domain = bot / "domain.yml"
    domain.write_text(domain.read_text().replace("Goodbye!", "See you soon!"))
    path, trained = train(bot)
    assert trained == ("core",)
    model = load_model(path)
    assert model.domain.responses["utter_goodbye"][0].text == "See you soon!"
    assert model.interpreter.parse("hello").intent_name == "greet"


def test_changed_nlu_examples_retrain_only_the_nlu(bot: Path) -> None:
    train(bot)
    nlu = bot / "data" / "nlu.yml"
    nlu.write_text(nlu.read_text().replace("- hey there", "- hey there\n      - howdy"))
    _, trained = train(bot)
    assert trained == ("nlu",)


def test_the_newest_archive_is_the_one_that_runs(bot: Path) -> None:
    first, _ = train(bot)
    second = train_project(Project.load(bot), bot / "models", force=True).path
    assert second != first
    assert resolve_model(None, bot / "models") == second
    assert resolve_model(first, bot / "models") == first


def test_no_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="parley train"):
        resolve_model(None, tmp_path / "models")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(b"not a tarball"), id="garbage"),
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[:200]), id="truncated"),
    ],
)
def test_a_damaged_archive_is_reported_with_its_path(bot: Path, damage: object) -> None:
    path, _ = train(bot)
    damage(path)  # type: ignore[operator]
    with pytest.raises(ModelLoadError) as error:
        load_model(path)
    assert str(path) in str(error.value)


def test_an_archive_missing_its_nlu_model_is_reported(bot: Path, tmp_path: Path) -> None:
    path, _ = train(bot)
    broken = tmp_path / "broken.tar.gz"
    with tarfile.open(path) as source, tarfile.open(broken, "w:gz") as target:
        for member in source.getmembers():
            if not member.name.startswith("nlu"):
                target.addfile(member, source.extractfile(member) if member.isfile() else None)
    with pytest.raises(ModelLoadError, match="cannot load model"):
        load_model(broken)


def test_forced_training_does_not_need_the_damaged_newest_archive(bot: Path) -> None:
    path, _ = train(bot)
    path.write_bytes(b"junk")
    result = train_project(Project.load(bot), bot / "models", force=True)
    assert result.trained == ("nlu", "core")
    assert load_model(result.path).interpreter.parse("hello").intent_name == "greet"


@pytest.mark.parametrize("part", ["nlu", "core"])
def test_forcing_one_part_retrains_it_and_keeps_the_others_from_the_newest_archive(
    bot: Path, part: str
) -> None:
    first, _ = train(bot)
    result = train_project(Project.load(bot), bot / "models", force=True, parts=(part,))
    assert result.trained == (part,) and result.path != first
    with tarfile.open(result.path) as archive:
        names = set(archive.getnames())
    assert {"nlu/pipeline.json", "core/ensemble.json"} <= names
    model = load_model(result.path)
    assert model.interpreter.parse("hello").intent_name == "greet"
    again, trained = train(bot)  # every part's fingerprints were kept: nothing is stale
    assert (again, trained) == (result.path, ())


def _with_adapter(archive: Path, target: Path, weights: bytes) -> Path:
    """A copy of ``archive`` holding an NLG adapter whose weights are ``weights``."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            copy.addfile(member, source.extractfile(member) if member.isfile() else None)
        for name, data in (("adapter_config.json", b"{}"), ("adapter_model.safetensors", weights)):
            info = tarfile.TarInfo(f"nlg/adapter/{name}")
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    return target


def test_two_archives_trained_on_the_same_inputs_each_serve_their_own_adapter(
    bot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``parley train nlg --force`` gives a new adapter for unchanged inputs; the cache must
    not hand back the one an earlier archive unpacked."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    path, _ = train(bot)
    first = load_model(_with_adapter(path, tmp_path / "first.tar.gz", b"weights one"))
    second = load_model(_with_adapter(path, tmp_path / "second.tar.gz", b"weights two"))
    again = load_model(_with_adapter(path, tmp_path / "again.tar.gz", b"weights one"))

    assert first.metadata["fingerprints"] == second.metadata["fingerprints"]
    assert first.nlg_adapter is not None and second.nlg_adapter is not None
    assert (first.nlg_adapter / "adapter_model.safetensors").read_bytes() == b"weights one"
    assert (second.nlg_adapter / "adapter_model.safetensors").read_bytes() == b"weights two"
    assert again.nlg_adapter == first.nlg_adapter  # the same adapter is unpacked once


def test_a_model_path_that_does_not_exist_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.tar.gz"
    with pytest.raises(ModelNotFound, match="does not exist"):
        resolve_model(missing, tmp_path / "models")
