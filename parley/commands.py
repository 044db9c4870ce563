"""What each CLI command does, apart from parsing its options (``parley.cli``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

import click
from tqdm import tqdm

from dialogue.stories import Story
from parley.model import load_model, resolve_model, train_project
from parley.project import Project, load_credentials, validate_project
from parley.project.data_files import read_test_file

log = logging.getLogger(__name__)


def train_command(root: Path, out: Path | None, force: bool) -> Path:
    project = Project.load(root)
    with tqdm(desc="Training", unit=" step", leave=True) as bar:

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


def validate_command(root: Path) -> bool:
    problems = validate_project(root)
    for problem in problems:
        color = "red" if problem.severity == "error" else "yellow"
        click.secho(str(problem), fg=color, err=problem.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{errors} error(s), {warnings} warning(s).")
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
