"""Model archives: train a project into ``models/<timestamp>.tar.gz`` and load one back.

An archive holds ``metadata.json`` (fingerprints of the inputs, versions),
``domain.json``, the NLU pipeline under ``nlu/``, the policies under ``core/`` and,
when the project fine-tunes its NLG model, the LoRA adapter under ``nlg/adapter``
(:mod:`parley.nlg_training`).
Training compares the project's fingerprints with the newest archive's and
retrains only the parts whose inputs changed; the rest is copied over.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.domain import Domain
from dialogue.policies.ensemble import PolicyEnsemble
from nlu.pipeline import NLUPipeline
from parley import __version__
from parley.e2e_training import for_policies, has_untagged_texts
from parley.errors import ModelLoadError, ModelNotFound
from parley.nlg_training import (
    ADAPTER,
    llm_options,
    nlg_examples,
    nlg_fingerprint,
    skip_requested,
    train_nlg,
)
from parley.project import Project
from plugins.cache import cache_root, file_digest

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
"""Called once per training step (NLU component or policy) with what is being trained."""
NLU_INPUTS = ("config_nlu", "nlu")
CORE_INPUTS = ("config_policies", "domain", "stories")
NLG_INPUTS = ("nlg",)
_PARTS = (("nlu", NLU_INPUTS), ("core", CORE_INPUTS), ("nlg", NLG_INPUTS))
ARCHIVE_SUFFIX = ".tar.gz"


@dataclass(frozen=True)
class TrainResult:
    path: Path
    trained: tuple[str, ...]  # the parts retrained: "nlu", "core", "nlg"; empty when up to date


@dataclass(frozen=True)
class TrainedModel:
    model_id: str
    domain: Domain
    interpreter: NLUPipeline
    policy: PolicyEnsemble
    metadata: Mapping[str, Any]
    nlg_adapter: Path | None = None  # the fine-tuned NLG adapter, unpacked into the cache


def _archive_order(path: Path) -> tuple[str, int]:
    """``20261123-101500-2`` sorts after ``20261123-101500`` (the second model that second)."""
    stem = path.name.removesuffix(ARCHIVE_SUFFIX)
    stamp, _, count = stem.rpartition("-")
    if stamp.count("-") == 1 and count.isdigit():
        return stamp, int(count)
    return stem, 1


def newest_model(models_dir: Path) -> Path | None:
    archives = list(models_dir.glob(f"*{ARCHIVE_SUFFIX}")) if models_dir.is_dir() else []
    return max(archives, key=_archive_order, default=None)


def resolve_model(model: Path | None, models_dir: Path) -> Path:
    """The archive to run: ``model`` (a file, or a folder of archives) or the newest one."""
    if model is not None and model.is_file():
        return model
    if model is not None and not model.exists():
        raise ModelNotFound(f"{model} does not exist; give a model archive or a folder of them")
    candidate = newest_model(model if model is not None else models_dir)
    if candidate is None:
        where = model if model is not None else models_dir
        raise ModelNotFound(f"no trained model in {where}; run `parley train` first")
    return candidate


def train_project(
    project: Project,
    models_dir: Path,
    force: bool = False,
    progress: Progress | None = None,
    total_steps: Callable[[int], None] | None = None,
    *,
    parts: Sequence[str] = ("nlu", "core", "nlg"),
    model_name: str | None = None,
    skip_nlg: bool = False,
) -> TrainResult:
    """Train what changed since the newest archive and write a new archive.

    ``total_steps`` learns, before training starts, how many times ``progress``
    will be called (for a progress bar). ``parts`` limits training to ``"nlu"`` or
    ``"core"`` (the other part is taken from the newest archive, if there is one);
    ``model_name`` names the archive ``<model_name>.tar.gz`` instead of a timestamp.
    The NLG model is fine-tuned only when the project configures it, and not at all
    with ``skip_nlg`` or ``PARLEY_SKIP_NLG_TRAINING=1`` (the newest archive's is kept).
    """
    say = progress or (lambda _message: None)
    fingerprints = project.fingerprints()
    nlg_options = None if skip_nlg or skip_requested() else llm_options(project)
    if nlg_options is not None and "nlg" in parts:
        fingerprints["nlg"] = nlg_fingerprint(nlg_examples(project, nlg_options), nlg_options)
    # ``force`` retrains every part asked for; the parts not asked for still come from here.
    previous = _reusable(newest_model(models_dir))
    old = _read_metadata(previous).get("fingerprints", {}) if previous else {}
    stale = [
        part
        for part, inputs in _PARTS
        if part in parts
        and all(k in fingerprints for k in inputs)
        and (force or previous is None or any(old.get(k) != fingerprints.get(k) for k in inputs))
    ]
    if not stale and previous is not None and model_name is None:
        return TrainResult(previous, ())
    pipeline = NLUPipeline.build(project.config.pipeline, project.config.language)
    ensemble = PolicyEnsemble.build(project.config.policies)
    if total_steps is not None:
        nlu_steps = len(pipeline.component_names) if "nlu" in stale else 0
        nlg_steps = 1 if "nlg" in stale else 0
        total_steps(nlu_steps + (len(ensemble.policies) if "core" in stale else 0) + nlg_steps)
    with tempfile.TemporaryDirectory(prefix="parley-train-") as tmp:
        work = Path(tmp)
        if previous is not None:
            _extract(previous, work)
        if "nlu" in stale:
            _train_nlu(project, pipeline, work / "nlu", say)
        if "core" in stale:
            _train_core(project, ensemble, work / "core", say)
        if "nlg" in stale and nlg_options is not None:
            shutil.rmtree(work / "nlg", ignore_errors=True)
            train_nlg(project, nlg_options, work / "nlg", say)
        _write_json(work / "domain.json", project.domain.model_dump(mode="json"))
        model_id = model_name or _new_model_id(models_dir)
        recorded = _recorded(fingerprints, old, stale)
        _write_json(work / "metadata.json", _metadata(project, recorded, model_id))
        path = _pack(work, models_dir, model_id)
    return TrainResult(path, tuple(stale))


def _recorded(
    fingerprints: Mapping[str, str], old: Mapping[str, str], trained: Sequence[str]
) -> dict[str, str]:
    """The inputs each part of the archive was trained on: a part not trained now keeps the
    fingerprints of the archive it comes from (none if absent), so it is retrained later."""
    recorded = dict(fingerprints)
    for part, inputs in _PARTS:
        if part in trained:
            continue
        for key in set(inputs) - {k for p, i in _PARTS if p in trained for k in i}:
            recorded.pop(key, None)
            if key in old:
                recorded[key] = old[key]
    return recorded


def _train_nlu(project: Project, pipeline: NLUPipeline, directory: Path, say: Progress) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    pipeline.train(project.nlu_data, progress=say)
    pipeline.persist(directory)


def _train_core(project: Project, ensemble: PolicyEnsemble, directory: Path, say: Progress) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    stories = [*project.stories, *project.rules]
    nlu = directory.parent / "nlu"
    if has_untagged_texts(stories) and nlu.is_dir():  # end-to-end `user:` text without intent
        stories = for_policies(stories, NLUPipeline.load(nlu))
    ensemble.train(stories, project.domain, progress=say)
    ensemble.persist(directory)


def _reusable(archive: Path | None) -> Path | None:
    """The newest archive if its parts can be reused; a damaged one is skipped, with a warning."""
    if archive is None:
        return None
    try:
        _read_metadata(archive)
    except ModelLoadError as e:
        log.warning("%s; training everything from scratch", e)
        return None
    return archive


def _metadata(project: Project, fingerprints: Mapping[str, str], model_id: str) -> dict[str, Any]:
    return {
        "model_id": model_id,
        "parley_version": __version__,
        "created": time.time(),
        "assistant_id": project.config.assistant_id,
        "language": project.config.language,
        "fingerprints": dict(fingerprints),
    }


def _new_model_id(models_dir: Path) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    model_id, n = stamp, 1
    while (models_dir / f"{model_id}{ARCHIVE_SUFFIX}").exists():
        n += 1
        model_id = f"{stamp}-{n}"
    return model_id


def _pack(work: Path, models_dir: Path, model_id: str) -> Path:
    models_dir.mkdir(parents=True, exist_ok=True)
    final = models_dir / f"{model_id}{ARCHIVE_SUFFIX}"
    partial = final.with_name(final.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        for item in sorted(work.iterdir()):
            archive.add(item, arcname=item.name)
    partial.replace(final)  # a crash mid-write never leaves a half archive under the real name
    return final


def _extract(archive: Path, target: Path) -> None:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(target, filter="data")
    except (tarfile.TarError, OSError, EOFError) as e:
        raise ModelLoadError(f"{archive}: not a readable Parley model archive ({e})") from e


def _read_metadata(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("metadata.json")
            if member is None:
                raise KeyError("metadata.json")
            data = json.loads(member.read())
    except (tarfile.TarError, OSError, EOFError, KeyError, json.JSONDecodeError) as e:
        raise ModelLoadError(f"{archive}: damaged model archive, cannot read metadata ({e})") from e
    if not isinstance(data, dict):
        raise ModelLoadError(f"{archive}: metadata.json is not an object")
    return data


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def load_model(archive: Path) -> TrainedModel:
    """Load an archive; any damage is a :class:`ModelLoadError` naming the archive."""
    metadata = _read_metadata(archive)
    with tempfile.TemporaryDirectory(prefix="parley-model-") as tmp:
        work = Path(tmp)
        _extract(archive, work)
        try:
            domain = Domain.model_validate_json((work / "domain.json").read_text("utf-8"))
            interpreter = NLUPipeline.load(work / "nlu")
            policy = PolicyEnsemble.load(work / "core")
        except Exception as e:  # any failure here means the archive is unusable
            raise ModelLoadError(f"{archive}: cannot load model ({type(e).__name__}: {e})") from e
        adapter = _cached_adapter(work / "nlg" / ADAPTER)
    model_id = str(metadata.get("model_id", archive.stem))
    return TrainedModel(model_id, domain, interpreter, policy, metadata, adapter)


def _cached_adapter(adapter: Path) -> Path | None:
    """The archive's NLG adapter, copied once into ``$PARLEY_CACHE/adapters/<content hash>``
    (the model is loaded from it after the unpacked archive is gone). The key is the
    adapter's own bytes: two trainings on the same inputs (``parley train nlg --force``)
    give different adapters, and each archive must serve its own."""
    if not (adapter / "adapter_config.json").exists():
        return None
    content = hashlib.sha256()
    for file in sorted(f for f in adapter.rglob("*") if f.is_file()):
        content.update(f"{file.relative_to(adapter).as_posix()}\0{file_digest(file)}\0".encode())
    target = cache_root() / "adapters" / content.hexdigest()[:32]
    if not (target / "adapter_config.json").exists():
        staging = Path(tempfile.mkdtemp(dir=_made(target.parent), prefix=".unpacking-"))
        shutil.copytree(adapter, staging, dirs_exist_ok=True)
        try:
            staging.rename(target)
        except OSError:  # another process unpacked it meanwhile
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder
