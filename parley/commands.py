"""What each CLI command does, apart from parsing its options (``parley.cli``).

The server's parts (FastAPI, the security middleware) are imported by the commands
that serve, so that ``parley data validate`` and ``parley train`` start quickly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click
from tqdm import tqdm

from dialogue.policies.errors import UnsupportedPolicyWarning
from dialogue.stories import Story
from nlu.errors import UnsupportedComponentWarning
from parley.errors import ConfigError, ParleyError
from parley.logs import LogSettings
from parley.model import load_model, resolve_model, train_project
from parley.project import Project, load_credentials, validate_project
from parley.project.data_files import read_test_file
from parley.project.rasa_keys import IgnoredRasaKey
from parley.rasa_cli import ServeFiles

if TYPE_CHECKING:
    from parley.security import ApiSecurity
    from parley.security.jwt import JwtMethod

log = logging.getLogger(__name__)


def train_command(root: Path, out: Path | None, force: bool, skip_nlg: bool = False) -> Path:
    """Validate the project (stop on errors, as ``data validate`` would report them), then train."""
    if not validate_command(root, quiet_if_clean=True):
        raise ConfigError("the project has errors; fix them and train again")
    warnings.filterwarnings("ignore", category=IgnoredRasaKey)  # reported by the validation
    project = Project.load(root)
    warnings.filterwarnings("ignore", category=UnsupportedComponentWarning)  # reported above
    warnings.filterwarnings("ignore", category=UnsupportedPolicyWarning)
    return train_with_progress(project, out or root / "models", force=force, skip_nlg=skip_nlg)


def train_with_progress(project: Project, out: Path, **options: Any) -> Path:
    """Train ``project`` into ``out`` under a progress bar; say what was trained, or that
    nothing changed. ``options`` go to :func:`parley.model.train_project`."""
    with tqdm(desc="Training", unit=" step", leave=True, delay=0.2) as bar:

        def progress(message: str) -> None:
            bar.set_postfix_str(message[:60])
            bar.update(1)

        def total(steps: int) -> None:
            bar.reset(total=steps)

        result = train_project(project, out, progress=progress, total_steps=total, **options)
    if not result.trained:
        click.echo(
            f"Nothing changed since {result.path}; it is up to date (use --force to retrain)."
        )
    else:
        click.echo(f"Trained {' and '.join(result.trained)}; model saved to {result.path}")
    return result.path


def validate_command(root: Path, quiet_if_clean: bool = False) -> bool:
    """Print every problem of the project; ``True`` when there is no error."""
    problems = validate_project(root)
    for problem in problems:
        color = "red" if problem.severity == "error" else "yellow"
        click.secho(str(problem), fg=color, err=True)
    errors = sum(p.severity == "error" for p in problems)
    if problems or not quiet_if_clean:
        click.echo(f"{errors} error(s), {len(problems) - errors} warning(s).", err=True)
    return errors == 0


def security_settings(
    auth_token: str | None,
    jwt_secret: str | None,
    jwt_method: str,
    rate_limit: str,
    *,
    enable_api: bool = True,
    address_rate_limit: str = "off",
) -> ApiSecurity:
    """``parley run``'s security options, checked; ``click.BadParameter`` names a bad one."""
    from parley.security import ApiAuth, ApiSecurity, RateLimit

    try:
        limit = RateLimit.parse(rate_limit)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--rate-limit") from e
    try:
        per_address = RateLimit.parse(address_rate_limit)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--address-rate-limit") from e
    try:
        auth = ApiAuth(auth_token, jwt_secret, cast("JwtMethod", jwt_method))
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--auth-token/--jwt-secret") from e
    return ApiSecurity(
        auth=auth, rate_limit=limit, api_enabled=enable_api, address_rate_limit=per_address
    )


def run_command(
    root: Path,
    model: Path | None,
    host: str,
    port: int,
    cors: Sequence[str],
    security: ApiSecurity | None = None,
    *,
    workers: int = 1,
    logs: LogSettings | None = None,
    files: ServeFiles | None = None,
) -> None:
    import uvicorn

    from parley.serving import (
        LoadingGate,
        operations_for,
        serve_one,
        serve_workers,
        worker_settings,
    )

    logs = logs or LogSettings()
    files = files or ServeFiles()
    if workers > 1 and files != ServeFiles():
        raise ConfigError("--credentials, --endpoints and --ssl-* work with one worker only")
    if workers > 1:
        _check_port_free(host, port)
        level = logging.getLogger().level
        settings = worker_settings(root, model, cors, security, logs, level)
        serve_workers(settings, host, port, workers)
        return
    if logs.customised:
        logs.apply(logging.getLogger().level)

    from parley.channels import channels_from_credentials
    from parley.runtime import build_agent
    from parley.server import create_app
    from parley.sharedstate import open_shared_state

    credentials_path = files.credentials or root / "credentials.yml"
    credentials = load_credentials(credentials_path) if credentials_path.is_file() else None
    channels = channels_from_credentials(
        credentials or {"rest": None}, source=str(credentials_path)
    )

    _check_port_free(host, port)

    if security is None or (security.api_enabled and not security.auth.enabled):
        click.secho(
            "warning: the HTTP API (trackers, events, parse) is open to anyone who can "
            "reach this port; protect it with --auth-token or --jwt-secret",
            fg="yellow",
            err=True,
        )
    config = uvicorn.Config(
        LoadingGate(),  # listens at once: 503 "starting" until the models are loaded
        host=host,
        port=port,
        log_level="info",
        log_config=None if logs.customised else uvicorn.config.LOGGING_CONFIG,
        ssl_certfile=files.ssl_certificate,
        ssl_keyfile=files.ssl_keyfile,
    )

    async def build() -> Any:
        agent = await build_agent(
            root, model, endpoints_path=files.endpoints, wait_for_database=True
        )
        app = create_app(
            agent,
            channels,
            cors_origins=cors,
            security=security,
            operations=operations_for(agent),
            shared=open_shared_state(agent.locks),
        )
        click.echo(f"Model {agent.model_id} loaded; serving on http://{host}:{port}")
        return agent, app

    asyncio.run(serve_one(config, build))


def run_actions_command(root: Path, module: str | None, host: str, port: int) -> None:
    """Replace this process with rasa_sdk's action server for the project's actions package.

    The server runs in the project folder, so a package named ``actions`` there (Rasa's
    default) is the project's own, not Parley's.
    """
    import os
    import sys

    from parley.runtime import project_endpoints

    endpoint = project_endpoints(root).action_endpoint
    module = module or (endpoint.actions_module if endpoint else None) or "actions"
    _check_port_free(host, port)
    click.echo(f"Serving actions from {module!r} on http://{host}:{port}/webhook")
    sys.stdout.flush()
    server = "parley.action_server"  # rasa_sdk's server, with Rasa 3.6 compatibility
    command = [sys.executable, "-m", server, "--actions", module, "--port", str(port)]
    os.chdir(root)
    os.execve(sys.executable, command, {**os.environ, "SANIC_HOST": host})


def _check_port_free(host: str, port: int) -> None:
    """Fail before loading anything if the port is taken, rather than after announcing it."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise ParleyError(f"cannot listen on {host}:{port}: {e.strerror}") from e


async def shell_command(root: Path, model: Path | None, sender: str) -> None:
    from parley.runtime import build_agent
    from parley.shell import run_shell

    agent = await build_agent(root, model)
    try:
        click.echo(f"Model {agent.model_id}.")
        await run_shell(agent, sender_id=sender)
    finally:
        await agent.close()


async def test_stories_command(
    root: Path, model: Path | None, stories_path: Path | None, out: Path
) -> bool:
    from parley.testing import StoryTester, failure_lines, summary, write_report

    trained = await asyncio.to_thread(load_model, resolve_model(model, root / "models"))
    stories = _test_stories(root, stories_path)
    tester = StoryTester(trained.domain, trained.interpreter, trained.policy)
    results = [tester.run(story) for story in tqdm(stories, desc="Testing stories", unit=" story")]
    report = write_report(results, out)
    totals = summary(results)
    for line in failure_lines(results):
        click.secho(line, fg="red")
    click.echo(
        f"Stories: {totals['passed']}/{totals['stories']} passed ({totals['accuracy']:.1%}); "
        f"intent accuracy on {totals['user_turns']} user turns: {totals['intent_accuracy']:.1%}"
    )
    click.echo(f"Report written to {report}")
    from parley.e2e_report import print_rasa_report

    print_rasa_report(results, stories, out)
    return bool(totals["failed"] == 0)


def test_nlu_command(
    root: Path, model: Path | None, nlu_path: Path | None, folds: int, out: Path
) -> dict[str, Path]:
    """Score the NLU model (or, with ``folds``, the pipeline by cross-validation) and write
    the reports into ``out``."""
    from parley.nlu_entities import entity_summary_of
    from parley.nlu_evaluation import (
        cross_validate,
        evaluate,
        nlu_test_examples,
        summary_table,
        write_reports,
    )

    if folds:
        project = Project.load(root)
        warnings.filterwarnings("ignore", category=UnsupportedComponentWarning)
        predictions = cross_validate(
            project.config.pipeline, project.config.language, project.nlu_data, folds
        )
    else:
        trained = load_model(resolve_model(model, root / "models"))
        examples = nlu_test_examples(root, nlu_path)
        predictions = evaluate(trained.interpreter, examples)
    if not predictions:
        raise ParleyError("there are no test examples with an intent to score")
    paths = write_reports(predictions, out)
    report = json.loads(paths["intent_report.json"].read_text("utf-8"))
    click.echo(summary_table(report))
    click.echo(entity_summary_of(paths["entity_report.json"]))
    click.echo(f"Reports written to {out}")
    return paths


async def export_conversations_command(root: Path, out: Path | None, ids: Sequence[str]) -> int:
    """Write the tracker store's conversations (``ids``, or all) as JSON lines."""
    import sys

    from dialogue.stores import export_conversations
    from dialogue.tracker import ConversationId
    from parley.runtime import open_tracker_store, project_endpoints

    store = await open_tracker_store(project_endpoints(root), root)
    try:
        chosen = [ConversationId(i) for i in ids] or None
        if out is None:
            return await export_conversations(store, sys.stdout, chosen)
        with out.open("w", encoding="utf-8") as file:
            written = await export_conversations(store, file, chosen)
        click.echo(f"Exported {written} conversation(s) to {out}", err=True)
        return written
    finally:
        await store.close()


async def import_conversations_command(root: Path, path: Path) -> None:
    """Import a JSON-lines export into the tracker store of ``endpoints.yml``."""
    from dialogue.stores import import_conversations
    from parley.runtime import open_tracker_store, project_endpoints

    store = await open_tracker_store(project_endpoints(root), root)
    try:
        with path.open(encoding="utf-8") as file:
            report = await import_conversations(store, file, str(path))
    finally:
        await store.close()
    click.echo(
        f"Imported {len(report.imported)} conversation(s) ({report.events} events); "
        f"skipped {len(report.skipped)} already in the store."
    )
    for conversation_id in report.skipped:
        click.echo(f"  skipped {conversation_id}", err=True)


def _test_stories(root: Path, stories_path: Path | None) -> list[Story]:
    if stories_path is None:
        return list(Project.load(root).test_stories)
    files = sorted(stories_path.rglob("*.yml")) if stories_path.is_dir() else [stories_path]
    return [story for f in files for story in read_test_file(f)]
