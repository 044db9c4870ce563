"""Startup costs of the reference bot: import time of the light core, `parley data validate`,
and the time from `parley run` to the first answered message, with and without the LLM.

* ``import_ms``: ``python -X importtime -c "import M"``'s cumulative time of ``M`` (median
  of ``--repeat`` fresh interpreters) for ``dialogue.events``, ``parley.project`` and
  ``parley.cli``; target at most 150 ms each. ``heavy_imports`` lists which of torch,
  spaCy, transformers, scikit-learn and SciPy each of them loads (target: none).
* ``validate_s``: wall time of ``parley data validate`` on the project (median of
  ``--repeat``); target at most 1.5 s.
* ``first_answer_s``: from starting ``parley run`` to the first REST message answered,
  with the project's endpoints.yml (``llm``: the LLM NLG, its model and knowledge base
  load before the server takes traffic) and with a copy whose ``nlg`` is ``template``.
  The project is copied to ``--workdir`` (a temporary folder by default) and trained
  there with ``parley train --skip-nlg`` if it has no model.

Every child process writes its bytecode to one private cache, warmed by an untimed run
first, as an installed package has its ``.pyc`` files. Prints one JSON object.

    python bench/startup.py [--project .] [--repeat 7] [--server-runs 1] [--workdir DIR]

``--server-runs 0`` leaves out the server (no training, a few seconds in all).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from served_bot import free_port

MODULES = ("dialogue.events", "parley.project", "parley.cli")
HEAVY = ("torch", "spacy", "transformers", "sklearn", "scipy")
_NOT_COPIED = (".venv", ".git", "results", "*.db*", "__pycache__", "bench", ".*_cache")


def _environment(cache: Path) -> dict[str, str]:
    environment = {**os.environ, "PYTHONPYCACHEPREFIX": str(cache)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def _import_ms(module: str, environment: dict[str, str]) -> float:
    """The cumulative ``-X importtime`` figure of ``module`` itself (its top-level line)."""
    command = [sys.executable, "-X", "importtime", "-c", f"import {module}"]
    stderr = subprocess.run(
        command, env=environment, capture_output=True, text=True, check=True
    ).stderr
    for line in stderr.splitlines():
        fields = line.split("|")
        if len(fields) == 3 and fields[2] == f" {module}":
            return int(fields[1]) / 1000
    raise RuntimeError(f"no importtime line for {module}")


def _heavy_imports(module: str, environment: dict[str, str]) -> list[str]:
    probe = (
        f"import json, sys, {module}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=True
    ).stdout
    return list(json.loads(output))


def _parley() -> list[str]:
    script = Path(sys.executable).with_name("parley")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "parley"]


def _validate_s(project: Path, environment: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [*_parley(), "data", "validate", "--project", str(project)],
        env=environment,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - start


def _trained_copy(source: Path, target: Path, environment: dict[str, str]) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*_NOT_COPIED), dirs_exist_ok=True)
    if not any((target / "models").glob("*.tar.gz")):
        command = [*_parley(), "train", "--skip-nlg", "--project", str(target)]
        subprocess.run(command, env=environment, check=True, stdout=sys.stderr)


def _template_endpoints(project: Path) -> Path:
    """A copy of the project's endpoints.yml whose ``nlg`` is the response templates."""
    from parley.yamlfile import load_yaml

    endpoints = dict(load_yaml(project / "endpoints.yml") or {})
    endpoints["nlg"] = {"type": "template"}
    path = project / "endpoints-template.yml"
    path.write_text(json.dumps(endpoints), encoding="utf-8")  # JSON is YAML
    return path


def _first_answer_s(
    project: Path, endpoints: Path | None, environment: dict[str, str], deadline_s: float
) -> float:
    """Seconds from starting ``parley run`` to the first answered webhook message."""
    port = free_port()
    options = ["--host", "127.0.0.1", "--port", str(port), "--rate-limit", "off"]
    if endpoints is not None:
        options += ["--endpoints", str(endpoints)]
    start = time.perf_counter()
    server = subprocess.Popen(
        [*_parley(), "run", "--project", str(project), *options],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return _poll_answer(f"http://127.0.0.1:{port}", server, start, deadline_s)
    finally:
        server.terminate()
        server.wait(timeout=60)


def _poll_answer(
    url: str, server: subprocess.Popen[bytes], start: float, deadline_s: float
) -> float:
    body = {"sender": "startup-bench", "message": "hi there"}
    while time.perf_counter() - start < deadline_s:
        if server.poll() is not None:
            raise RuntimeError("parley run exited before answering")
        try:
            response = httpx.post(f"{url}/webhooks/rest/webhook", json=body, timeout=60)
        except httpx.TransportError:  # not listening yet
            time.sleep(0.05)
            continue
        if response.status_code == 200 and response.json():
            return time.perf_counter() - start
        time.sleep(0.05)
    raise TimeoutError(f"no answer within {deadline_s} s")


def _median(values: list[float], digits: int) -> float:
    return round(statistics.median(values), digits)


def _first_answers(
    project: Path, args: argparse.Namespace, scratch: str, environment: dict[str, str]
) -> dict[str, float] | None:
    """The median first-answer time with the project's NLG (``llm``) and with templates."""
    if args.server_runs < 1:
        return None
    bot = args.workdir.resolve() if args.workdir else Path(scratch) / "bot"
    _trained_copy(project, bot, environment)
    template = _template_endpoints(bot)
    return {
        name: _median(
            [
                _first_answer_s(bot, endpoints, environment, args.deadline)
                for _ in range(args.server_runs)
            ],
            2,
        )
        for name, endpoints in (("llm", None), ("template", template))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path("."))
    parser.add_argument("--repeat", type=int, default=7, help="runs per import/validate figure")
    parser.add_argument(
        "--server-runs", type=int, default=1, help="runs per first-answer figure (0: none)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep the trained copy here")
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds to the first answer")
    args = parser.parse_args()
    project = args.project.resolve()

    with tempfile.TemporaryDirectory() as scratch:
        environment = _environment(Path(scratch) / "pycache")
        for module in MODULES:  # untimed: fills the bytecode cache
            _import_ms(module, environment)
        _validate_s(project, environment)
        imports = {
            module: _median([_import_ms(module, environment) for _ in range(args.repeat)], 1)
            for module in MODULES
        }
        heavy = {module: _heavy_imports(module, environment) for module in MODULES}
        validate = [_validate_s(project, environment) for _ in range(args.repeat)]

        first_answer = _first_answers(project, args, scratch, environment)

    print(
        json.dumps(
            {
                "import_ms": imports,
                "import_target_ms": 150,
                "heavy_imports": heavy,
                "validate_s": _median(validate, 2),
                "validate_runs_s": [round(v, 2) for v in sorted(validate)],
                "validate_target_s": 1.5,
                "first_answer_s": first_answer,
                "repeat": args.repeat,
                "server_runs": args.server_runs,
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
