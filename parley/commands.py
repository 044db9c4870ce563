"""What each CLI command does, apart from parsing its options (``parley.cli``)."""

from __future__ import annotations

import asyncio
import logging
import socket
import warnings
from collections.abc import Sequence
from pathlib import Path

import click
from tqdm import tqdm

from dialogue.policies.errors import UnsupportedPolicyWarning
from dialogue.stories import Story
from nlu.errors import UnsupportedComponentWarning
from parley.errors import ConfigError, ParleyError
from parley.model import load_model, resolve_model, train_project
from parley.project import Project, load_credentials, validate_project
from parley.project.data_files import read_test_file

log = logging.getLogger(__name__)


def train_command(root: Path, out: Path | None, force: bool) -> Path:
    """Validate the project (stop on errors, as ``data validate`` would report them), then train."""
    if not validate_command(root, quiet_if_clean=True):
        raise ConfigError("the project has errors; fix them and train again")
    project = Project.load(root)
    warnings.filterwarnings("ignore", category=UnsupportedComponentWarning)  # reported above
    warnings.filterwarnings("ignore", category=UnsupportedPolicyWarning)
    with tqdm(desc="Training", unit=" step", leave=True, delay=0.2) as bar:

        def progress(message: str) -> None:
            bar.set_postfix_str(message[:60])
            bar.update(1)

        def total(steps: int) -> None:
            bar.reset(total=steps)

        result = train_project(
            project, out or root / "models", force=force, progress=progress, total_steps=total
        )
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


def run_command(root: Path, model: Path | None, host: str, port: int, cors: Sequence[str]) -> None:
    import uvicorn

    from parley.channels import channels_from_credentials
    from parley.runtime import build_agent
    from parley.server import create_app

    credentials_path = root / "credentials.yml"
    credentials = load_credentials(credentials_path) if credentials_path.is_file() else None
    channels = channels_from_credentials(
        credentials or {"rest": None}, source=str(credentials_path)
    )

    _check_port_free(host, port)

    async def serve() -> None:
        agent = await build_agent(root, model)
        try:
            app = create_app(agent, channels, cors_origins=cors)
            click.echo(f"Model {agent.model_id} loaded; serving on http://{host}:{port}")
            config = uvicorn.Config(app, host=host, port=port, log_level="info")
            await uvicorn.Server(config).serve()
        finally:
            await agent.close()

    asyncio.run(serve())


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
    return bool(totals["failed"] == 0)


def _test_stories(root: Path, stories_path: Path | None) -> list[Story]:
    if stories_path is None:
        return list(Project.load(root).test_stories)
    files = sorted(stories_path.rglob("*.yml")) if stories_path.is_dir() else [stories_path]
    return [story for f in files for story in read_test_file(f)]
